//! How an idle apalis worker is woken to look for work again. apalis-core 1.0's interval
//! strategy (its stream strategy too) reports a tick without arming the next one: its new
//! timer is not polled until the worker polls again. When the fetch that tick started comes
//! back empty, nothing is left to wake the worker, and it sleeps until its next heartbeat —
//! the lost wake-up measured here before this strategy (idle pickup of up to a heartbeat).
//! This one polls its timer until it is pending, so the next tick is always armed.

use std::{
    task::{Context, Poll},
    time::Duration,
};

use apalis_core::backend::ext::poll_strategy::{PollSnapshot, PollStrategy};
use tokio::time::{Interval, MissedTickBehavior};

pub struct ArmedInterval {
    period: Duration,
    /// Made at the first poll, inside the runtime.
    interval: Option<Interval>,
}

impl ArmedInterval {
    pub fn new(period: Duration) -> Self {
        Self {
            period,
            interval: None,
        }
    }
}

impl PollStrategy for ArmedInterval {
    fn poll_drive(&mut self, cx: &mut Context<'_>, _: &PollSnapshot) -> Poll<Option<()>> {
        let period = self.period;
        let interval = self.interval.get_or_insert_with(|| {
            let mut interval = tokio::time::interval(period);
            interval.set_missed_tick_behavior(MissedTickBehavior::Delay);
            interval
        });
        let mut ticked = false;
        // The last poll is pending: that one registers the waker of the next tick.
        while interval.poll_tick(cx).is_ready() {
            ticked = true;
        }
        if ticked {
            Poll::Ready(Some(()))
        } else {
            Poll::Pending
        }
    }
}

#[cfg(test)]
mod tests {
    use std::{
        sync::{
            Arc,
            atomic::{AtomicUsize, Ordering},
        },
        task::Wake,
    };

    use super::*;

    struct Counter(AtomicUsize);

    impl Wake for Counter {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[tokio::test]
    async fn a_reported_tick_leaves_the_next_one_armed() {
        let counter = Arc::new(Counter(AtomicUsize::new(0)));
        let waker = std::task::Waker::from(counter.clone());
        let mut cx = Context::from_waker(&waker);
        let mut strategy = ArmedInterval::new(Duration::from_millis(20));
        let snapshot = PollSnapshot::default();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        // Polled as a worker polls, until it reports a tick.
        while strategy.poll_drive(&mut cx, &snapshot).is_pending() {
            assert!(tokio::time::Instant::now() < deadline, "no tick at all");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let woken = counter.0.load(Ordering::SeqCst);
        // Nobody polls it again (the fetch came back empty): its next tick must still wake us.
        while counter.0.load(Ordering::SeqCst) == woken && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert!(
            counter.0.load(Ordering::SeqCst) > woken,
            "the next tick was not armed"
        );
    }
}
