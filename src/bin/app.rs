//! The browser app's page thread (built by Trunk; see index.html).

fn main() {
    segment_backfill::app::start();
}
