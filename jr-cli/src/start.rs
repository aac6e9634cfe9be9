//! The process entry of `jr` on Linux with glibc: the C `main`, in place of
//! the standard library's start-up (issue 17: start-up time).
//!
//! Before a Rust `main` runs, the standard library's start-up asks glibc for
//! the main thread's stack bounds (`pthread_getattr_np`), to report a stack
//! overflow by name. For the main thread glibc finds them by reading and
//! parsing all of `/proc/self/maps`, which the kernel writes out line by line
//! on each read: on this kind of machine about a sixth of what `jr
//! --version` cost beyond `/bin/true` (`perf record` over 400 starts: 10 % of
//! `jr`'s samples in that read, 3 % more parsing it). A Rust hello world
//! started without it took +0.29 ms over `/bin/true` instead of +0.49 ms
//! (200 interleaved runs).
//!
//! [`main`] does what `jr` needs of that start-up, and nothing else:
//! - standard streams that were closed at exec are opened on `/dev/null`,
//!   so that no file `jr` opens later takes their place (a config file must
//!   never receive the output);
//! - SIGPIPE is ignored, so a reader that stops early (`| head -1`) ends `jr`
//!   through the write error it handles (exit 0, quietly), not by the signal;
//! - a panic still exits 101 with its message on stderr;
//! - `std::process::exit` flushes stdout, as the standard library does after
//!   `main`.
//!
//! What is given up: the standard library's report of a stack overflow
//! ("has overflowed its stack", SIGABRT). The `--jq` thread, the only one
//! that recurses deeply (jaq's built-ins walk deep values), is watched by
//! `overflow` instead, which prints jr's error line and exits 1; an overflow
//! anywhere else is the kernel's SIGSEGV (exit status 139). A panic names
//! its thread `<unnamed>` instead of `main`.
//!
//! Other targets keep the standard library's start-up (see `main.rs`).

use std::ffi::{c_char, c_int};

/// The C entry point glibc's `__libc_start_main` calls: prepares the process
/// as described in the module docs, runs [`crate::run_main`] and exits with
/// its code (0–255), or 101 after a panic.
///
/// `argc` and `argv` are unused: `std::env::args_os` reads them from glibc
/// (the standard library registers an initialiser for that in `.init_array`,
/// which runs before `main` whatever the entry point).
// `no_mangle` is `unsafe` because a symbol of the same name would clash at
// link time; this one replaces the `main` rustc writes for a Rust `main`,
// which the crate's `no_main` turns off.
#[allow(unsafe_code)]
#[unsafe(no_mangle)]
pub extern "C" fn main(_argc: c_int, _argv: *const *const c_char) -> c_int {
    open_closed_standard_streams();
    ignore_sigpipe();
    // A panic must not unwind out of an `extern "C"` function (that aborts);
    // its message is already on stderr when `catch_unwind` returns.
    let code = std::panic::catch_unwind(crate::run_main).unwrap_or(101);
    std::process::exit(i32::from(code))
}

/// Opens `/dev/null` on each of file descriptors 0, 1 and 2 that is closed,
/// as the standard library's start-up does: one `poll`, which marks a closed
/// descriptor `POLLNVAL`; where `poll` cannot run (an open-files limit below
/// 3 makes it fail with `EINVAL`), `fcntl(F_GETFD)` on each. `open` takes the
/// lowest free descriptor, so opening in order fills exactly the closed
/// ones. If that fails, or `poll` fails otherwise, `jr` aborts, as the
/// standard library does: going on could write its output into the next file
/// it opens.
#[allow(unsafe_code)]
fn open_closed_standard_streams() {
    let mut fds = [0, 1, 2].map(|fd| libc::pollfd {
        fd,
        events: 0,
        revents: 0,
    });
    // SAFETY: `fds` is a valid array of three `pollfd`s; a zero timeout
    // returns at once.
    while unsafe { libc::poll(fds.as_mut_ptr(), 3, 0) } == -1 {
        match std::io::Error::last_os_error().raw_os_error() {
            Some(libc::EINTR) => {}
            Some(libc::EINVAL | libc::EAGAIN | libc::ENOMEM) => {
                for fd in 0..3 {
                    // SAFETY: `F_GETFD` only reads the descriptor's flags.
                    let closed = unsafe { libc::fcntl(fd, libc::F_GETFD) } == -1
                        && std::io::Error::last_os_error().raw_os_error() == Some(libc::EBADF);
                    if closed {
                        open_dev_null_on(fd);
                    }
                }
                return;
            }
            _ => std::process::abort(),
        }
    }
    for pollfd in fds {
        if pollfd.revents & libc::POLLNVAL != 0 {
            open_dev_null_on(pollfd.fd);
        }
    }
}

/// Opens `/dev/null`, which must land on the closed descriptor `fd` (the
/// lowest free one); aborts otherwise.
#[allow(unsafe_code)]
fn open_dev_null_on(fd: c_int) {
    // SAFETY: a NUL-terminated path and plain flags; the descriptor is left
    // open for the life of the process, as it stands for a stream.
    let opened = unsafe { libc::open(c"/dev/null".as_ptr(), libc::O_RDWR) };
    if opened != fd {
        std::process::abort();
    }
}

/// Sets SIGPIPE to be ignored, as the standard library's start-up does: a
/// write to a pipe without a reader then fails with `EPIPE`, which `jr`
/// handles, and a socket the server closed is an error, not the end of `jr`.
#[allow(unsafe_code)]
fn ignore_sigpipe() {
    // SAFETY: installs the `SIG_IGN` disposition, no handler; nothing else in
    // jr has set one for SIGPIPE yet (no thread runs before this).
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_IGN) };
}
