//! Where a job stands in its queue's backlog. Priority orders only the jobs waiting in
//! PostgreSQL for room in the queue's Redis window: the dispatcher fills the window with
//! the due jobs of the highest priority first, oldest first within one. A job already in
//! the window, or pushed straight away by the API while the window had room, keeps its
//! place, so priority matters exactly when a queue has a backlog.

/// Higher runs first; `Default` is `NORMAL`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Priority(i16);

impl Priority {
    /// Everyone's jobs by default.
    pub const NORMAL: Self = Self(0);
    /// A paying member's paid analyses: ahead of everyone else's in a backlog.
    pub const MEMBER: Self = Self(10);
    /// An administrator's "run now": ahead of every job of its kind.
    pub const RUN_NOW: Self = Self(100);

    /// As stored in the jobs table.
    pub const fn value(self) -> i16 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_now_is_above_members_who_are_above_everyone() {
        assert!(Priority::RUN_NOW > Priority::MEMBER);
        assert!(Priority::MEMBER > Priority::NORMAL);
        assert_eq!(Priority::default(), Priority::NORMAL);
    }
}
