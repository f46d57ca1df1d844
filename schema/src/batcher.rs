//! Coalesces one kind of statement from concurrent callers (a worker's deliveries, the
//! API's requests) into a single statement: PostgreSQL's cost per statement (planning,
//! commit, round trip) was most of a short job's cost. Under light load a batch is one item and waits for nothing; under load, the items
//! that queue while a batch runs go together in the next one.

use std::future::Future;

use tokio::sync::{mpsc, oneshot};

use crate::StoreError;

pub struct Batcher<I, O> {
    submit: mpsc::Sender<(I, oneshot::Sender<O>)>,
}

impl<I: Send + 'static, O: Send + 'static> Batcher<I, O> {
    /// Starts the task that runs batches of at most `max` items; `run` must answer every
    /// item, in order.
    pub fn spawn<F, Fut>(max: usize, run: F) -> Self
    where
        F: Fn(Vec<I>) -> Fut + Send + 'static,
        Fut: Future<Output = Vec<O>> + Send,
    {
        let (submit, mut queue) = mpsc::channel::<(I, oneshot::Sender<O>)>(max * 4);
        tokio::spawn(async move {
            while let Some(first) = queue.recv().await {
                let mut batch = vec![first];
                while batch.len() < max {
                    match queue.try_recv() {
                        Ok(item) => batch.push(item),
                        Err(_) => break,
                    }
                }
                let (items, replies): (Vec<I>, Vec<oneshot::Sender<O>>) = batch.into_iter().unzip();
                let answers = run(items).await;
                for (reply, answer) in replies.into_iter().zip(answers) {
                    // The asker may be gone (shutdown); its answer is then of no use.
                    let _ = reply.send(answer);
                }
            }
        });
        Self { submit }
    }

    /// Runs `item` in the next batch; `None` only if the batcher has stopped.
    pub async fn run(&self, item: I) -> Option<O> {
        let (reply, answer) = oneshot::channel();
        self.submit.send((item, reply)).await.ok()?;
        answer.await.ok()
    }
}

impl<I: Send + 'static, T: Send + 'static> Batcher<I, Result<T, StoreError>> {
    /// `run` for a batch of the store's statements: a stopped batcher (the process is
    /// shutting down) is a store that cannot be reached.
    pub async fn ask(&self, item: I) -> Result<T, StoreError> {
        self.run(item).await.unwrap_or_else(|| {
            Err(StoreError::Unreachable(
                "the process is shutting down".to_owned(),
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    #[tokio::test]
    async fn concurrent_items_share_batches_and_each_gets_its_own_answer() {
        let sizes = Arc::new(Mutex::new(Vec::new()));
        let batcher = Arc::new(Batcher::spawn(8, {
            let sizes = sizes.clone();
            move |items: Vec<u32>| {
                sizes.lock().unwrap().push(items.len());
                async move { items.into_iter().map(|n| n * 10).collect() }
            }
        }));
        let answers = futures::future::join_all((0..20).map(|n| {
            let batcher = batcher.clone();
            async move { batcher.run(n).await }
        }))
        .await;
        assert_eq!(answers, (0..20).map(|n| Some(n * 10)).collect::<Vec<_>>());
        let sizes = sizes.lock().unwrap();
        assert_eq!(sizes.iter().sum::<usize>(), 20);
        assert!(sizes.iter().all(|&size| size <= 8), "{sizes:?}");
        assert!(sizes.len() < 20, "items were batched: {sizes:?}");
    }
}
