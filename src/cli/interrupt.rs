//! Ctrl-C (SIGINT), SIGTERM and SIGHUP: stop, leave every output file as it was (the previous
//! one or none) and no temporary file, and exit with 128 + the signal's number (130 for
//! Ctrl-C), the shell's convention.
//!
//! A thread waits for the signals (signal-hook's iterator: no work in the signal handler
//! itself). On the first one:
//! - no output file being written (`services`, `tag` to stdout, ...): exit at once;
//! - otherwise mark the run interrupted ([`csirt_tagger::output::interrupt`]): no output file
//!   commits any more, and the pipeline stops at its next batch (it asks
//!   [`csirt_tagger::output::is_interrupted`]) and unwinds, which
//!   deletes the temporary files; if it has not ended within [`GRACE`] (blocked reading a
//!   terminal, say) or on a second signal, remove the temporary files and exit from here.

use std::process::ExitCode;
use std::sync::atomic::{AtomicI32, Ordering};
use std::time::Duration;

use csirt_tagger::output;

/// How long a run has to stop by itself after the signal.
pub const GRACE: Duration = Duration::from_secs(3);

/// The signal received, 0 before any.
static SIGNAL: AtomicI32 = AtomicI32::new(0);

/// The exit code for an interruption by `signal`: 128 + its number (130 for SIGINT).
pub fn exit_code(signal: i32) -> ExitCode {
    ExitCode::from(u8::try_from(128 + signal).unwrap_or(130))
}

/// The signal that interrupted the run, if one did.
pub fn signal() -> Option<i32> {
    match SIGNAL.load(Ordering::SeqCst) {
        0 => None,
        s => Some(s),
    }
}

/// Starts the thread that handles the signals. Without it (it failed, or not on Unix), the
/// signals keep their default action.
pub fn install() {
    #[cfg(unix)]
    {
        use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
        let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
            return;
        };
        let spawned = std::thread::Builder::new()
            .name("signals".into())
            .spawn(move || {
                let Some(first) = signals.forever().next() else {
                    return;
                };
                SIGNAL.store(first, Ordering::SeqCst);
                output::interrupt();
                if output::has_pending() {
                    let deadline = std::time::Instant::now() + GRACE;
                    while std::time::Instant::now() < deadline {
                        if signals.pending().next().is_some() {
                            break; // a second Ctrl-C: now
                        }
                        std::thread::sleep(Duration::from_millis(20));
                    }
                }
                output::remove_pending();
                eprintln!("csirt-tagger: interrupted");
                std::process::exit(128 + first);
            });
        drop(spawned);
    }
}
