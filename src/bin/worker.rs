//! The browser app's Web Worker (built by Trunk as `data-type="worker"`).

fn main() {
    segment_backfill::app::worker::register();
}
