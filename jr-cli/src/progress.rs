//! The progress line of a long listing: `jr: 12 pages, 1200 items so far`
//! on stderr while the pages of a merged answer arrive (indicatif).
//!
//! It shows only when stderr is a terminal and the listing has taken more
//! than [`SHOW_AFTER`]: a quick answer, a pipe (`2>log`) and `--stream`
//! (whose items are the progress) never see it. The line is cleared when
//! the listing ends, so the terminal keeps only the result.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::time::{Duration, Instant};

/// How long a listing runs before its progress line appears.
pub const SHOW_AFTER: Duration = Duration::from_millis(500);

/// The progress of one listing; cleared when dropped.
pub struct Progress {
    started: Instant,
    /// False when stderr is not a terminal: nothing is ever drawn.
    enabled: bool,
    /// Drawn from the first page that arrives after [`SHOW_AFTER`].
    bar: Option<ProgressBar>,
}

impl Progress {
    /// A progress line for a listing starting now, drawn only if stderr is
    /// a terminal (`wanted` false, for `--stream`, draws nothing either).
    pub fn start(wanted: bool) -> Progress {
        Progress {
            started: Instant::now(),
            enabled: wanted && std::io::stderr().is_terminal(),
            bar: None,
        }
    }

    /// Reports `pages` pages and `items` items merged so far.
    pub fn update(&mut self, pages: usize, items: usize) {
        if !self.enabled || self.started.elapsed() < SHOW_AFTER {
            return;
        }
        let bar = self.bar.get_or_insert_with(|| {
            // Drawn from this thread only, at each page: `jr` holds the
            // stderr lock for the whole run, so indicatif's ticker thread
            // would wait for it forever.
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            if let Ok(style) = ProgressStyle::with_template("jr: {msg}") {
                bar.set_style(style);
            }
            bar
        });
        let page_word = if pages == 1 { "page" } else { "pages" };
        let item_word = if items == 1 { "item" } else { "items" };
        bar.set_message(format!("{pages} {page_word}, {items} {item_word} so far"));
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}
