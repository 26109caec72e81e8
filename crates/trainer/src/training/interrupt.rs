//! Ctrl-C handling: the first SIGINT asks the loop to save a checkpoint and stop after the current iteration;
//! a second one ends the process at once.

use std::sync::atomic::{AtomicBool, Ordering};

static REQUESTED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_sigint(_: libc::c_int) {
    if REQUESTED.swap(true, Ordering::SeqCst) {
        // Second Ctrl-C: leave without the checkpoint (only async-signal-safe calls here).
        unsafe { libc::_exit(130) };
    }
}

/// Installs the SIGINT handler (idempotent).
pub fn install() {
    // SAFETY: the handler only touches an atomic and calls `_exit`, both async-signal-safe.
    unsafe {
        libc::signal(libc::SIGINT, on_sigint as *const () as libc::sighandler_t);
    }
}

/// Whether a stop was asked for.
pub fn requested() -> bool {
    REQUESTED.load(Ordering::SeqCst)
}

/// Asks the loop to stop as Ctrl-C would (for tests and embedding code).
pub fn request() {
    REQUESTED.store(true, Ordering::SeqCst);
}

/// Clears a pending request.
pub fn clear() {
    REQUESTED.store(false, Ordering::SeqCst);
}
