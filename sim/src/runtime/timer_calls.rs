//! The kernel's side of a sleep: its poll, which registers the sleeping task's waker with a
//! timer (or points the timer at a new one), and its cancellation. Apart from `kernel.rs`
//! because it handles wakers (`waker.rs`), which find their kernel through the context.

use super::kernel::Kernel;
use super::timers::{TimerEntry, TimerKey};
use super::waker;
use crate::time::Instant;
use std::task::Waker;

impl Kernel {
    /// A sleep's poll: ready once `deadline` has come (its timer then forgotten), otherwise
    /// its timer is registered, or pointed at `waker` if it is registered and pending.
    #[inline]
    pub(crate) fn poll_timer(
        &self,
        deadline: Instant,
        timer: &mut Option<TimerKey>,
        waker: &Waker,
    ) -> std::task::Poll<()> {
        if self.clock.get() >= deadline {
            *timer = None;
            return std::task::Poll::Ready(());
        }
        self.register_timer(deadline, timer, waker);
        std::task::Poll::Pending
    }

    /// A pending sleep's timer: registered, or pointed at `waker` if it is registered.
    fn register_timer(&self, deadline: Instant, timer: &mut Option<TimerKey>, waker: &Waker) {
        let mut guard = self.state.borrow_mut();
        let st = &mut *guard;
        if let Some(registered) = timer.and_then(|key| st.timers.waker_mut(key)) {
            if !registered.will_wake(waker) {
                waker::replace_under_state(self, registered, waker);
            }
            return;
        }
        let task = st.current;
        let entry = TimerEntry {
            task,
            waker: waker::clone_under_state(self, waker),
        };
        *timer = Some(st.timers.insert(st.now, deadline, entry));
    }

    pub(crate) fn cancel_timer(&self, key: TimerKey) {
        // The entry holds a waker; drop it after the borrow ends (invariant 1).
        let entry = self.state.borrow_mut().timers.remove(key);
        drop(entry);
    }
}
