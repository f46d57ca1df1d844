//! How many sandboxed children run at once in this worker: each may hold its whole memory
//! limit, so the total is capped, and so is each user's share, so that one user's bombs
//! wait behind each other instead of filling the machine.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, PoisonError},
};

use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};
use uuid::Uuid;

#[derive(Clone)]
pub struct ChildSlots {
    total: Arc<Semaphore>,
    per_user: usize,
    users: Arc<Mutex<HashMap<Uuid, usize>>>,
    freed: Arc<Notify>,
}

/// Held while one child runs.
pub struct ChildSlot {
    _total: OwnedSemaphorePermit,
    user: Option<(Uuid, ChildSlots)>,
}

impl ChildSlots {
    pub fn new(total: usize, per_user: usize) -> Self {
        Self {
            total: Arc::new(Semaphore::new(total.max(1))),
            per_user: per_user.max(1),
            users: Arc::default(),
            freed: Arc::default(),
        }
    }

    /// Waits for the owner's turn, then for a free slot. System jobs (no owner) only wait
    /// for a slot.
    pub async fn acquire(&self, owner: Option<Uuid>) -> ChildSlot {
        let user = match owner {
            Some(owner) => {
                self.take_users_turn(owner).await;
                Some((owner, self.clone()))
            }
            None => None,
        };
        let total = self
            .total
            .clone()
            .acquire_owned()
            .await
            .expect("the slots' semaphore is never closed");
        ChildSlot {
            _total: total,
            user,
        }
    }

    async fn take_users_turn(&self, owner: Uuid) {
        loop {
            let freed = self.freed.notified();
            {
                let mut users = self.users.lock().unwrap_or_else(PoisonError::into_inner);
                let running = users.entry(owner).or_default();
                if *running < self.per_user {
                    *running += 1;
                    return;
                }
            }
            freed.await;
        }
    }
}

impl Drop for ChildSlot {
    fn drop(&mut self) {
        if let Some((owner, slots)) = &self.user {
            let mut users = slots.users.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(running) = users.get_mut(owner) {
                *running -= 1;
                if *running == 0 {
                    users.remove(owner);
                }
            }
            drop(users);
            slots.freed.notify_waiters();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    async fn pending<F: Future>(future: F) -> bool {
        tokio::time::timeout(Duration::from_millis(50), future)
            .await
            .is_err()
    }

    #[tokio::test]
    async fn a_user_waits_behind_their_own_children_and_others_do_not() {
        let slots = ChildSlots::new(3, 2);
        let (ada, bob) = (Some(Uuid::now_v7()), Some(Uuid::now_v7()));
        let first = slots.acquire(ada).await;
        let _second = slots.acquire(ada).await;
        assert!(pending(slots.acquire(ada)).await, "ada's third waits");
        let bobs = slots.acquire(bob).await;
        assert!(
            pending(slots.acquire(None)).await,
            "all three slots are taken"
        );
        drop(bobs);
        let _system = slots.acquire(None).await;
        drop(first);
        let _third = slots.acquire(ada).await;
    }
}
