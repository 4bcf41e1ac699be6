//! tokio's `task` module: spawning, joining and aborting tasks, and `spawn_blocking`.

use crate::rt;
use std::borrow::Cow;
use std::future::Future;

pub use crate::rt::{AbortHandle, JoinError, JoinHandle};

/// Spawns a task, as `tokio::spawn`. Inside a simulation the task is named after the
/// function its future comes from (`worker` for `tokio::spawn(worker(rx))`), and its spawn
/// location goes into the trace; [`Builder`] gives it a name of your own.
#[track_caller]
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    rt::spawn(name_of::<F>(), future)
}

/// Yields once to the scheduler.
pub async fn yield_now() {
    rt::yield_now().await
}

/// Runs a blocking closure, as `tokio::task::spawn_blocking`. Inside a simulation there is
/// no thread pool: the closure runs as the first poll of a task of its own, holding the
/// executor meanwhile (which is what it costs a current-thread runtime), and a long one is
/// reported by the `wall-blocked-poll` warning. Its virtual time does not advance: model a
/// known duration with [`crate::rt::blocking`] inside it. On tokio it is tokio's.
#[track_caller]
pub fn spawn_blocking<F, R>(f: F) -> JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    if rt::in_simulation() {
        rt::spawn(name_of::<F>(), async move { f() })
    } else {
        JoinHandle::from_tokio(::tokio::task::spawn_blocking(f))
    }
}

/// A task's name from its future's type: the function an `async fn`'s future or an async
/// block comes from, without the closure suffixes (`my_crate::worker::{{closure}}` gives
/// `worker`). A `&'static str`, so naming costs nothing.
pub(crate) fn name_of<F>() -> &'static str {
    let mut name = std::any::type_name::<F>();
    // Generic arguments would hold `::` of their own.
    if let Some(open) = name.find('<') {
        name = &name[..open];
    }
    while let Some(rest) = name.strip_suffix("::{{closure}}") {
        name = rest;
    }
    name.rsplit("::").next().unwrap_or(name)
}

/// Builds a task with a name of its own, as tokio's `task::Builder`.
#[derive(Debug, Default)]
pub struct Builder<'a> {
    name: Option<&'a str>,
}

impl<'a> Builder<'a> {
    /// A builder with no name yet.
    pub fn new() -> Builder<'a> {
        Builder::default()
    }

    /// The task's name, in the trace and in findings.
    pub fn name(self, name: &'a str) -> Builder<'a> {
        Builder { name: Some(name) }
    }

    /// Spawns the task. Never fails (tokio's may, when its runtime is shutting down).
    #[track_caller]
    pub fn spawn<F>(self, future: F) -> std::io::Result<JoinHandle<F::Output>>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let name: Cow<'static, str> = match self.name {
            Some(name) => name.to_string().into(),
            None => name_of::<F>().into(),
        };
        Ok(rt::spawn(name, future))
    }
}

/// A set of tasks joined in the order they finish, as tokio's `JoinSet`; dropping it aborts
/// the tasks still in it.
pub struct JoinSet<T> {
    inner: rt::JoinSet<T>,
}

impl<T: Send + 'static> Default for JoinSet<T> {
    fn default() -> Self {
        JoinSet::new()
    }
}

impl<T: Send + 'static> JoinSet<T> {
    /// An empty set.
    pub fn new() -> JoinSet<T> {
        JoinSet {
            inner: rt::JoinSet::new(),
        }
    }

    /// Spawns a task into the set (named as [`spawn`] names it); the handle aborts it.
    #[track_caller]
    pub fn spawn<F>(&mut self, future: F) -> AbortHandle
    where
        F: Future<Output = T> + Send + 'static,
    {
        self.inner.spawn(name_of::<F>(), future)
    }

    /// Runs a blocking closure in the set, as [`spawn_blocking`] does.
    #[track_caller]
    pub fn spawn_blocking<F>(&mut self, f: F) -> AbortHandle
    where
        F: FnOnce() -> T + Send + 'static,
    {
        self.inner.spawn(name_of::<F>(), async move { f() })
    }

    /// Waits for the next task to finish; `None` when the set is empty.
    pub async fn join_next(&mut self) -> Option<Result<T, JoinError>> {
        self.inner.join_next().await
    }

    /// A finished task's result without waiting; `None` when none has finished.
    pub fn try_join_next(&mut self) -> Option<Result<T, JoinError>> {
        self.inner.try_join_next()
    }

    /// Waits for every task and gives their outputs in the order they finished.
    ///
    /// # Panics
    /// If a task panicked (with its message) or was aborted, as tokio's does.
    pub async fn join_all(mut self) -> Vec<T> {
        let mut outputs = Vec::with_capacity(self.len());
        while let Some(result) = self.join_next().await {
            match result {
                Ok(output) => outputs.push(output),
                Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
                Err(e) => panic!("{e}"),
            }
        }
        outputs
    }

    /// Aborts every task and waits for them all to end.
    pub async fn shutdown(&mut self) {
        self.inner.shutdown().await
    }

    /// Removes every task from the set without aborting it: the tasks run on, detached, as
    /// tokio's `detach_all`.
    pub fn detach_all(&mut self) {
        self.inner.detach_all()
    }
}

impl<T> JoinSet<T> {
    /// Aborts every task; they stay in the set until joined.
    pub fn abort_all(&mut self) {
        self.inner.abort_all()
    }

    /// Tasks not joined yet.
    pub fn len(&self) -> usize {
        self.inner.len()
    }

    /// Whether every task has been joined.
    pub fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }
}

impl<T, F> FromIterator<F> for JoinSet<T>
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    #[track_caller]
    fn from_iter<I: IntoIterator<Item = F>>(iter: I) -> Self {
        let mut set = JoinSet::new();
        for future in iter {
            set.spawn(future);
        }
        set
    }
}

impl<T, F> Extend<F> for JoinSet<T>
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    /// Spawns each future into the set, as tokio's `JoinSet` does.
    #[track_caller]
    fn extend<I: IntoIterator<Item = F>>(&mut self, iter: I) {
        for future in iter {
            self.spawn(future);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn worker() {}

    #[test]
    fn a_task_is_named_after_its_function() {
        fn name<F>(_: &F) -> &'static str {
            name_of::<F>()
        }
        assert_eq!(name(&worker()), "worker");
        assert_eq!(name(&async {}), "a_task_is_named_after_its_function");
        assert_eq!(name_of::<Vec<u8>>(), "Vec");
    }
}
