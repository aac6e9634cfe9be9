//! A stack overflow on the `--jq` thread ends `jr` with its error line and
//! exit code, not with a silent SIGSEGV.
//!
//! jr's jq guard stops the filter's own functions before they exhaust the
//! thread's stack (`jr_core::jq`), but jaq's built-ins recurse natively:
//! `tojson` over a value nested 20,000 deep, or dropping one nested 300,000
//! deep, still runs the 64 MiB stack out. The standard library's start-up
//! used to report that as "has overflowed its stack" and SIGABRT (exit 134);
//! `jr` starts without it on Linux with glibc (`start`), so this module
//! watches the one thread that can overflow.
//!
//! How (as the standard library does for its threads): the thread gets an
//! alternate signal stack, since its own is exhausted when the fault comes;
//! a SIGSEGV/SIGBUS handler on that stack compares the faulting address
//! with the thread's guard page. A fault there writes the prepared report to
//! stderr and ends `jr` with its exit code (`_exit`: nothing else is safe in
//! a signal handler). Any other fault is handed back to the kernel's default
//! action, which ends `jr` as before.

use std::ffi::{c_int, c_void};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The watched thread's guard area, `[GUARD_START, GUARD_END)`: the page(s)
/// below its stack, with a guard's width of margin above (as the standard
/// library checks; glibc has counted the guard in and out of the stack).
static GUARD_START: AtomicUsize = AtomicUsize::new(0);
static GUARD_END: AtomicUsize = AtomicUsize::new(0);

/// What an overflow writes to stderr, and the exit code (0–255).
static REPORT: OnceLock<(Vec<u8>, u8)> = OnceLock::new();

/// Bytes of the alternate signal stack: the handler only compares, writes
/// and exits, but the dynamic loader may resolve a symbol on it.
const ALTERNATE_STACK_BYTES: usize = 64 * 1024;

/// Watches the calling thread: an overflow of its stack writes `report` (the
/// error's lines, as `main` prints them) to stderr and exits with `code`.
/// Call it first on the thread, once per process; a second call keeps the
/// first report. If the thread's stack cannot be found, nothing is watched
/// and an overflow ends `jr` as the kernel's SIGSEGV.
#[allow(unsafe_code)]
pub fn report_on_this_thread(report: Vec<u8>, code: u8) {
    let Some((low, guard)) = this_stack() else {
        return;
    };
    if REPORT.set((report, code)).is_err() {
        return;
    }
    GUARD_START.store(low.saturating_sub(guard), Ordering::SeqCst);
    GUARD_END.store(low + guard, Ordering::SeqCst);
    // Leaked: the alternate stack serves this thread until the process ends.
    let stack: &'static mut [u8] = Vec::leak(vec![0; ALTERNATE_STACK_BYTES]);
    let alternate = libc::stack_t {
        ss_sp: stack.as_mut_ptr().cast(),
        ss_flags: 0,
        ss_size: stack.len(),
    };
    // SAFETY: `alternate` describes memory that lives as long as the process.
    // The handler is an `extern "C"` function that only reads atomics and
    // calls `write` and `_exit`, which are async-signal-safe.
    unsafe {
        libc::sigaltstack(&alternate, std::ptr::null_mut());
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = on_fault as *const () as usize;
        action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
        libc::sigemptyset(&mut action.sa_mask);
        libc::sigaction(libc::SIGSEGV, &action, std::ptr::null_mut());
        libc::sigaction(libc::SIGBUS, &action, std::ptr::null_mut());
    }
}

/// The calling thread's lowest stack address and its guard size, in bytes,
/// from glibc (a thread's own attributes; only the main thread's need
/// `/proc/self/maps`).
#[allow(unsafe_code)]
fn this_stack() -> Option<(usize, usize)> {
    // SAFETY: `attr` is initialised by `pthread_getattr_np` before it is read
    // and destroyed after; the out-pointers are valid locals.
    unsafe {
        let mut attr: libc::pthread_attr_t = std::mem::zeroed();
        if libc::pthread_getattr_np(libc::pthread_self(), &mut attr) != 0 {
            return None;
        }
        let (mut addr, mut size, mut guard) = (std::ptr::null_mut(), 0, 0);
        let found = libc::pthread_attr_getstack(&attr, &mut addr, &mut size) == 0
            && libc::pthread_attr_getguardsize(&attr, &mut guard) == 0;
        libc::pthread_attr_destroy(&mut attr);
        // A guard of 0 (none asked for) still faults on the page below.
        let guard = guard.max(4096);
        found.then_some((addr as usize, guard))
    }
}

/// The SIGSEGV/SIGBUS handler (see the module docs).
#[allow(unsafe_code)]
extern "C" fn on_fault(signal: c_int, info: *mut libc::siginfo_t, _context: *mut c_void) {
    // SAFETY: the kernel passes a valid `siginfo_t` to an SA_SIGINFO handler.
    let address = unsafe { (*info).si_addr() } as usize;
    let watched =
        GUARD_START.load(Ordering::SeqCst) <= address && address < GUARD_END.load(Ordering::SeqCst);
    match REPORT.get() {
        Some((report, code)) if watched => {
            // SAFETY: `write` and `_exit` are async-signal-safe; `report`
            // is never changed once set.
            unsafe {
                libc::write(2, report.as_ptr().cast(), report.len());
                libc::_exit(c_int::from(*code));
            }
        }
        // SAFETY: restoring the default action; the faulting instruction
        // runs again on return and the kernel ends jr as it would have.
        _ => unsafe {
            libc::signal(signal, libc::SIG_DFL);
        },
    }
}
