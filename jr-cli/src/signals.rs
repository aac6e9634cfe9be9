//! SIGINT and SIGTERM end jr with one JSON error line on stderr and exit 130
//! or 143, wherever jr is.
//!
//! Work that runs on jr's thread without waiting on the runtime (a `--jq`
//! filter producing results, a long table) calls [`check`] between steps: the
//! watchdog raises that flag as soon as a signal comes.
//!
//! While jr waits on the async runtime (a request, a retry's sleep, `jr
//! webhook listen`), [`until_signalled`] drops the work where it waits and
//! returns the error, so `main` prints it as any other. But once tokio has
//! installed its signal handlers, a signal that arrives while jr is blocked
//! elsewhere — writing to a full pipe whose reader stopped reading — would be
//! caught and then ignored. A watchdog thread, started with the runtime,
//! sees the same signal: if jr has not ended [`GRACE`] later, it writes the
//! error line itself and exits. stdout to a pipe is written in writes that
//! cannot block part-way (`whole_lines`), so the reader gets whole lines.

use jr_core::{Error, ErrorKind};
use std::future::Future;
use std::io::Write;
use std::sync::Once;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

/// 0 while no signal came; 1 after SIGINT; 2 after SIGTERM.
static RECEIVED: AtomicU8 = AtomicU8::new(0);

/// The error that ends the run (exit 130 or 143) once a signal came.
///
/// Errors: `interrupted` or `terminated` after SIGINT or SIGTERM.
pub fn check() -> Result<(), Error> {
    match RECEIVED.load(Ordering::SeqCst) {
        0 => Ok(()),
        1 => Err(signal_error(ErrorKind::Interrupted)),
        _ => Err(signal_error(ErrorKind::Terminated)),
    }
}

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
/// async runtime starts, which is when tokio takes over the signals, and
/// before a `--jq` filter runs (it may be busy on one result for long).
pub fn start_watchdog() {
    static STARTED: Once = Once::new();
    STARTED.call_once(|| {
        let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        else {
            return;
        };
        // The handlers are installed here, before this returns: a signal
        // that comes a moment later is caught, never the default death.
        let Some(listening) = Listening::install(&runtime) else {
            return;
        };
        let _ = std::thread::Builder::new()
            .name("jr-signals".into())
            .stack_size(256 * 1024)
            .spawn(move || watch(runtime, listening));
    });
}

/// SIGINT and SIGTERM handlers installed on a runtime.
struct Listening {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl Listening {
    #[cfg(unix)]
    fn install(runtime: &tokio::runtime::Runtime) -> Option<Listening> {
        use tokio::signal::unix::{SignalKind, signal};
        let _context = runtime.enter();
        Some(Listening {
            interrupt: signal(SignalKind::interrupt()).ok()?,
            terminate: signal(SignalKind::terminate()).ok()?,
        })
    }

    #[cfg(not(unix))]
    fn install(_runtime: &tokio::runtime::Runtime) -> Option<Listening> {
        None
    }

    #[cfg(unix)]
    async fn next(&mut self) -> ErrorKind {
        tokio::select! {
            _ = self.interrupt.recv() => ErrorKind::Interrupted,
            _ = self.terminate.recv() => ErrorKind::Terminated,
        }
    }

    #[cfg(not(unix))]
    async fn next(&mut self) -> ErrorKind {
        std::future::pending().await
    }
}

fn watch(runtime: tokio::runtime::Runtime, mut listening: Listening) {
    let kind = runtime.block_on(async {
        let kind = listening.next().await;
        let code = if kind == ErrorKind::Terminated { 2 } else { 1 };
        RECEIVED.store(code, Ordering::SeqCst);
        tokio::time::sleep(GRACE).await;
        kind
    });
    let error = signal_error(kind);
    // jr's thread holds stderr's lock for its whole run: write through a
    // second handle to the same file descriptor rather than wait for it.
    let _ = writeln!(unlocked_stderr(), "{}", error.to_json());
    std::process::exit(i32::from(error.exit_code()));
}

/// stderr without its lock (a second handle to the same file descriptor).
#[cfg(unix)]
fn unlocked_stderr() -> Box<dyn Write> {
    use std::os::fd::AsFd;
    match std::io::stderr().as_fd().try_clone_to_owned() {
        Ok(fd) => Box::new(std::fs::File::from(fd)),
        Err(_) => Box::new(std::io::sink()),
    }
}

#[cfg(not(unix))]
fn unlocked_stderr() -> Box<dyn Write> {
    Box::new(std::io::sink())
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
