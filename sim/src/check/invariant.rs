//! Invariants registered by the code under test: safety checks after every step, liveness
//! checks with a deadline, and end checks.
//!
//! A check reads the subsystem's state (usually through an `Arc<Mutex<..>>` it captured) and
//! returns `Err(message)` naming the values involved. Checks run between polls, never inside
//! one; use `try_lock` in them if the state's lock could be held across an `.await` (itself a
//! bug worth finding).

use crate::time::Instant;
use std::time::Duration;

/// A named property of a run. Both methods default to "holds".
pub trait Invariant: 'static {
    /// The stable name, used in reports and in scenario files' `[expect] fails = ".."`.
    fn name(&self) -> &str;

    /// Checked after every scheduling step: keep it cheap. The first failure is reported and
    /// the invariant is not checked again in that run.
    fn check_step(&mut self, now: Instant) -> Result<(), String> {
        let _ = now;
        Ok(())
    }

    /// Checked once when the run ends (after the main task returned and the engine drained).
    fn check_end(&mut self, now: Instant) -> Result<(), String> {
        let _ = now;
        Ok(())
    }

    /// Whether only the end of a run matters to it (its step check always holds), as for
    /// [`at_end`]'s. Real mode checks only these: see `asynclife_sim::real`.
    fn is_end_only(&self) -> bool {
        false
    }
}

/// A closure with a name is a safety invariant: `("no-zombies", |now| ...)` is checked after
/// every step and at the end, like [`always`].
impl<F> Invariant for (&'static str, F)
where
    F: FnMut(Instant) -> Result<(), String> + 'static,
{
    fn name(&self) -> &str {
        self.0
    }
    fn check_step(&mut self, now: Instant) -> Result<(), String> {
        (self.1)(now)
    }
    fn check_end(&mut self, now: Instant) -> Result<(), String> {
        (self.1)(now)
    }
}

/// A safety invariant: `check` must hold after every step and at the end.
pub fn always<F>(name: impl Into<String>, check: F) -> impl Invariant
where
    F: FnMut(Instant) -> Result<(), String> + 'static,
{
    Always {
        name: name.into(),
        check,
    }
}

struct Always<F> {
    name: String,
    check: F,
}

impl<F: FnMut(Instant) -> Result<(), String> + 'static> Invariant for Always<F> {
    fn name(&self) -> &str {
        &self.name
    }
    fn check_step(&mut self, now: Instant) -> Result<(), String> {
        (self.check)(now)
    }
    fn check_end(&mut self, now: Instant) -> Result<(), String> {
        (self.check)(now)
    }
}

/// An end invariant: `check` must hold when the run ends.
pub fn at_end<F>(name: impl Into<String>, check: F) -> impl Invariant
where
    F: FnMut(Instant) -> Result<(), String> + 'static,
{
    AtEnd {
        name: name.into(),
        check,
    }
}

struct AtEnd<F> {
    name: String,
    check: F,
}

impl<F: FnMut(Instant) -> Result<(), String> + 'static> Invariant for AtEnd<F> {
    fn name(&self) -> &str {
        &self.name
    }
    fn is_end_only(&self) -> bool {
        true
    }
    fn check_end(&mut self, now: Instant) -> Result<(), String> {
        (self.check)(now)
    }
}

/// An obligation that is due and not yet met: since when, and what it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Overdue {
    /// When the obligation became due.
    pub since: Instant,
    /// What is owed, with the values involved.
    pub what: String,
}

/// A liveness invariant: every obligation must be met within `within` of becoming due.
///
/// `oldest` returns the oldest obligation not yet met, or `None`. It fails a step check once
/// that obligation is older than `within`, and the end check if any obligation is still open
/// (by then faults are healed and the run has settled: nothing owed may remain).
pub fn eventually_within<F>(name: impl Into<String>, within: Duration, oldest: F) -> impl Invariant
where
    F: FnMut(Instant) -> Option<Overdue> + 'static,
{
    EventuallyWithin {
        name: name.into(),
        within,
        oldest,
    }
}

struct EventuallyWithin<F> {
    name: String,
    within: Duration,
    oldest: F,
}

impl<F: FnMut(Instant) -> Option<Overdue> + 'static> Invariant for EventuallyWithin<F> {
    fn name(&self) -> &str {
        &self.name
    }
    fn check_step(&mut self, now: Instant) -> Result<(), String> {
        match (self.oldest)(now) {
            Some(o) if now - o.since > self.within => Err(format!(
                "{} not met {} ms after it became due at {} (bound {} ms)",
                o.what,
                (now - o.since).as_millis(),
                o.since,
                self.within.as_millis()
            )),
            _ => Ok(()),
        }
    }
    fn check_end(&mut self, now: Instant) -> Result<(), String> {
        match (self.oldest)(now) {
            Some(o) => Err(format!(
                "{} still not met at the end of the run (due since {})",
                o.what, o.since
            )),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn always_checks_steps_and_end() {
        let mut inv = always("positive", |now: Instant| {
            if now.as_nanos() < 10 {
                Ok(())
            } else {
                Err(format!("now = {now}"))
            }
        });
        assert_eq!(inv.name(), "positive");
        assert!(inv.check_step(Instant::from_nanos(5)).is_ok());
        assert!(inv.check_end(Instant::from_nanos(20)).is_err());
    }

    #[test]
    fn a_named_closure_is_an_invariant() {
        let mut inv = ("early", |now: Instant| {
            if now < Instant::from_millis(1) {
                Ok(())
            } else {
                Err("late".to_string())
            }
        });
        assert_eq!(inv.name(), "early");
        assert!(inv.check_step(Instant::ZERO).is_ok());
        assert!(inv.check_end(Instant::from_millis(2)).is_err());
    }

    #[test]
    fn at_end_ignores_steps() {
        let mut inv = at_end("end-only", |_| Err("always wrong".into()));
        assert!(inv.check_step(Instant::ZERO).is_ok());
        assert!(inv.check_end(Instant::ZERO).is_err());
    }

    #[test]
    fn eventually_within_allows_the_bound_and_fails_past_it() {
        let due = Instant::from_millis(100);
        let mut inv = eventually_within("leaves", Duration::from_millis(50), move |_| {
            Some(Overdue {
                since: due,
                what: "action a1 leaving the active set".into(),
            })
        });
        assert!(inv.check_step(Instant::from_millis(150)).is_ok());
        let err = inv.check_step(Instant::from_millis(151)).unwrap_err();
        assert!(err.contains("action a1") && err.contains("51 ms"), "{err}");
        assert!(inv.check_end(Instant::from_millis(120)).is_err());
    }

    #[test]
    fn eventually_within_is_silent_when_nothing_is_owed() {
        let mut inv = eventually_within("leaves", Duration::from_millis(50), |_| None);
        assert!(inv.check_step(Instant::from_millis(1_000)).is_ok());
        assert!(inv.check_end(Instant::from_millis(1_000)).is_ok());
    }
}
