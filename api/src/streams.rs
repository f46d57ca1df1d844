//! How many event streams each user holds open on this instance: each is a connection and
//! a subscriber that every event passes, so one user's thousands would slow everyone.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, PoisonError},
};

use uuid::Uuid;

use crate::rate_limit::Limited;

#[derive(Clone)]
pub struct OpenStreams {
    per_user: usize,
    open: Arc<Mutex<HashMap<Uuid, usize>>>,
}

/// One open stream of a user's; closing it (dropping this) frees the slot.
pub struct StreamSlot {
    user: Uuid,
    open: Arc<Mutex<HashMap<Uuid, usize>>>,
}

impl OpenStreams {
    pub fn new(per_user: usize) -> Self {
        Self {
            per_user,
            open: Arc::default(),
        }
    }

    /// A slot for one more stream, unless the user already holds `per_user`.
    pub fn open(&self, user: Uuid) -> Result<StreamSlot, Limited> {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let count = open.entry(user).or_default();
        if *count >= self.per_user {
            // A stream ends when its client goes; a few seconds is a fair guess.
            return Err(Limited {
                retry_after_secs: 5,
            });
        }
        *count += 1;
        Ok(StreamSlot {
            user,
            open: self.open.clone(),
        })
    }
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = open.get_mut(&self.user) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.user);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_holds_at_most_the_limit_and_a_closed_stream_frees_its_slot() {
        let streams = OpenStreams::new(2);
        let (ada, bob) = (Uuid::now_v7(), Uuid::now_v7());
        let first = streams.open(ada).unwrap();
        let _second = streams.open(ada).unwrap();
        assert!(streams.open(ada).is_err());
        assert!(
            streams.open(bob).is_ok(),
            "another user's slots are their own"
        );
        drop(first);
        assert!(streams.open(ada).is_ok());
    }
}
