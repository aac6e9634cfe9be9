//! SIGINT and SIGTERM end jr with one JSON error line on stderr and exit 130
//! or 143, wherever jr is.
//!
//! While jr waits on the async runtime (a request, a retry's sleep, `jr
//! webhook listen`), [`until_signalled`] drops the work where it waits and
//! returns the error, so `main` prints it as any other. But once tokio has
//! installed its signal handlers, a signal that arrives while jr is blocked
//! elsewhere — writing to a full pipe whose reader stopped reading — would be
//! caught and then ignored. A watchdog thread, started with the runtime,
//! sees the same signal: if jr has not ended [`GRACE`] later, it writes the
//! error line itself and exits. Lines already written stay whole; a line
//! whose write was blocked may be cut where the pipe was full.

use jr_core::{Error, ErrorKind};
use std::future::Future;
use std::io::Write;
use std::sync::Once;
use std::time::Duration;

/// How long the work has to stop by itself before the watchdog ends jr.
pub const GRACE: Duration = Duration::from_secs(1);

/// Runs `work` unless SIGINT or SIGTERM comes first: then the work is dropped
/// where it waits and the answer is exit 130 or 143.
pub async fn until_signalled<T>(work: impl Future<Output = Result<T, Error>>) -> Result<T, Error> {
    tokio::select! {
        result = work => result,
        kind = signalled() => Err(signal_error(kind)),
    }
}

/// Starts the watchdog thread once (see the module docs). Call it when the
/// async runtime starts, which is when tokio takes over the signals.
pub fn start_watchdog() {
    static STARTED: Once = Once::new();
    STARTED.call_once(|| {
        let _ = std::thread::Builder::new()
            .name("jr-signals".into())
            .stack_size(64 * 1024)
            .spawn(watch);
    });
}

fn watch() {
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        return;
    };
    let kind = runtime.block_on(async {
        let kind = signalled().await;
        tokio::time::sleep(GRACE).await;
        kind
    });
    let error = signal_error(kind);
    // The worker may hold stderr's lock while it is blocked: write to the
    // file descriptor directly rather than wait for that lock.
    if let Ok(mut stderr) = std::fs::OpenOptions::new()
        .append(true)
        .open("/proc/self/fd/2")
    {
        let _ = writeln!(stderr, "{}", error.to_json());
    }
    std::process::exit(i32::from(error.exit_code()));
}

/// Waits for SIGINT or SIGTERM and says which came.
async fn signalled() -> ErrorKind {
    tokio::select! {
        _ = tokio::signal::ctrl_c() => ErrorKind::Interrupted,
        _ = terminate() => ErrorKind::Terminated,
    }
}

#[cfg(unix)]
async fn terminate() {
    use tokio::signal::unix::{SignalKind, signal};
    match signal(SignalKind::terminate()) {
        Ok(mut term) => {
            term.recv().await;
        }
        Err(_) => std::future::pending::<()>().await,
    }
}

#[cfg(not(unix))]
async fn terminate() {
    std::future::pending::<()>().await
}

fn signal_error(kind: ErrorKind) -> Error {
    match kind {
        ErrorKind::Terminated => Error::new(kind, "terminated by SIGTERM"),
        _ => Error::new(ErrorKind::Interrupted, "interrupted"),
    }
}
