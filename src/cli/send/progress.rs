//! The progress line on a terminal.

use std::io::IsTerminal;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::cli::human::count;
use crate::session::SessionProgress;

/// A progress bar over the input's bytes, with delivery counts; silent when
/// stderr is not a terminal or output is JSON.
pub struct ProgressLine {
    bar: Option<ProgressBar>,
    started: Instant,
}

impl ProgressLine {
    pub fn new(total_bytes: Option<u64>, enabled: bool) -> ProgressLine {
        let bar = (enabled && std::io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::with_draw_target(total_bytes, ProgressDrawTarget::stderr_with_hz(4));
            let style = ProgressStyle::with_template(
                "{bar:30.cyan/blue} {percent:>3}% {binary_bytes}/{binary_total_bytes} · {msg} · ETA {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            bar
        });
        ProgressLine {
            bar,
            started: Instant::now(),
        }
    }

    pub fn update(&self, p: &SessionProgress) {
        let Some(bar) = &self.bar else { return };
        bar.set_position(p.bytes_read);
        let stats = &p.delivery;
        let secs = self.started.elapsed().as_secs_f64().max(0.001);
        let rate = stats.messages_acknowledged as f64 / secs;
        bar.set_message(format!(
            "delivered {} · retries {} · rejected {} · undelivered {} · {:.0} msg/s",
            count(p.delivered),
            count(stats.retries),
            count(p.rejected + stats.messages_rejected),
            count(stats.messages_undelivered),
            rate
        ));
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }

    /// Seconds since the run started.
    pub fn elapsed_secs(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }
}
