//! A set of tasks joined in completion order, like tokio's `JoinSet`.

use super::task::{spawn, JoinError, JoinHandle};
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::task::Poll;

/// Owns a set of spawned tasks. `join_next` yields results as tasks finish; dropping the set
/// aborts the tasks still in it.
pub struct JoinSet<T> {
    handles: Vec<JoinHandle<T>>,
}

impl<T> Default for JoinSet<T> {
    fn default() -> Self {
        JoinSet {
            handles: Vec::new(),
        }
    }
}

impl<T: Send + 'static> JoinSet<T> {
    /// An empty set.
    pub fn new() -> JoinSet<T> {
        JoinSet::default()
    }

    /// Spawns a named task into the set.
    #[track_caller]
    pub fn spawn<F>(&mut self, name: impl Into<String>, future: F)
    where
        F: Future<Output = T> + Send + 'static,
    {
        self.handles.push(spawn(name, future));
    }

    /// Waits for the next task to finish and returns its result; `None` when the set is empty.
    /// Among tasks finished by the same poll, the one spawned first comes first.
    pub async fn join_next(&mut self) -> Option<Result<T, JoinError>> {
        poll_fn(|cx| {
            if self.handles.is_empty() {
                return Poll::Ready(None);
            }
            for i in 0..self.handles.len() {
                if let Poll::Ready(result) = Pin::new(&mut self.handles[i]).poll(cx) {
                    self.handles.remove(i);
                    return Poll::Ready(Some(result));
                }
            }
            Poll::Pending
        })
        .await
    }

    /// Waits for every task, discarding results; returns how many panicked.
    pub async fn join_all_count_panics(&mut self) -> usize {
        let mut panics = 0;
        while let Some(result) = self.join_next().await {
            if matches!(&result, Err(e) if e.is_panic()) {
                panics += 1;
            }
        }
        panics
    }
}

impl<T> JoinSet<T> {
    /// Aborts every task in the set. They stay in it until joined.
    pub fn abort_all(&self) {
        for handle in &self.handles {
            handle.abort();
        }
    }

    /// Number of tasks not yet joined.
    pub fn len(&self) -> usize {
        self.handles.len()
    }

    /// Whether every task has been joined.
    pub fn is_empty(&self) -> bool {
        self.handles.is_empty()
    }
}

impl<T> Drop for JoinSet<T> {
    fn drop(&mut self) {
        self.abort_all();
    }
}
