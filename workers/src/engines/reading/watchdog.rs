//! A page's time limit inside the OCR child. libtesseract cannot be stopped from another
//! thread, but the child is ours: when a page outlasts its time, the watchdog writes the
//! report that says so and ends the process at once, models and all.

use std::{
    sync::{Arc, Condvar, Mutex, PoisonError},
    thread,
    time::{Duration, Instant},
};

use super::sandbox::ChildReport;

/// What ends the child, and when.
struct Alarm {
    at: Instant,
    reason: String,
}

#[derive(Clone)]
pub struct Watchdog {
    alarm: Arc<(Mutex<Option<Alarm>>, Condvar)>,
}

impl Watchdog {
    /// Starts the watching thread, with nothing armed.
    pub fn start() -> Self {
        let watchdog = Self {
            alarm: Arc::new((Mutex::new(None), Condvar::new())),
        };
        let watching = watchdog.clone();
        thread::spawn(move || watching.watch());
        watchdog
    }

    /// Ends the child with `reason` unless [`Watchdog::disarm`] comes within `time`.
    pub fn arm(&self, time: Duration, reason: String) {
        let (alarm, changed) = &*self.alarm;
        *alarm.lock().unwrap_or_else(PoisonError::into_inner) = Some(Alarm {
            at: Instant::now() + time,
            reason,
        });
        changed.notify_one();
    }

    pub fn disarm(&self) {
        let (alarm, changed) = &*self.alarm;
        *alarm.lock().unwrap_or_else(PoisonError::into_inner) = None;
        changed.notify_one();
    }

    fn watch(&self) {
        let (alarm, changed) = &*self.alarm;
        let mut armed = alarm.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            let wait = match armed.as_ref() {
                None => None,
                Some(alarm) => match alarm.at.checked_duration_since(Instant::now()) {
                    Some(left) if !left.is_zero() => Some(left),
                    _ => {
                        ChildReport::Rejected {
                            reason: alarm.reason.clone(),
                        }
                        .emit();
                        // SAFETY: ends the process without running destructors that could
                        // meet the reading thread's state half-way; stdout was flushed by
                        // `println!` of the line above.
                        unsafe { libc::_exit(0) }
                    }
                },
            };
            armed = match wait {
                None => changed.wait(armed).unwrap_or_else(PoisonError::into_inner),
                Some(left) => {
                    changed
                        .wait_timeout(armed, left)
                        .unwrap_or_else(PoisonError::into_inner)
                        .0
                }
            };
        }
    }
}
