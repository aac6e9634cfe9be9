//! Ctrl-C outside a request: `main` watches for SIGINT on its own thread and
//! raises this flag; work that runs on jr's thread without waiting on the
//! runtime (a `--jq` filter producing results, a long table) looks at it
//! between steps and stops with exit 130. Requests are interrupted by the
//! execution path itself (`exec.rs`), which hears the same signal.

use jr_core::{Error, ErrorKind};
use std::sync::atomic::{AtomicBool, Ordering};

static REQUESTED: AtomicBool = AtomicBool::new(false);

/// Records that Ctrl-C was pressed (called by `main`'s watcher).
pub fn request() {
    REQUESTED.store(true, Ordering::SeqCst);
}

/// The error that ends the run with exit 130, if Ctrl-C was pressed.
///
/// Errors: `interrupted` (exit 130) once [`request`] has been called.
pub fn check() -> Result<(), Error> {
    if REQUESTED.load(Ordering::SeqCst) {
        Err(interrupted())
    } else {
        Ok(())
    }
}

/// The `interrupted` error (exit 130).
pub fn interrupted() -> Error {
    Error::new(ErrorKind::Interrupted, "interrupted")
}
