//! Which store `rt::kv` uses outside a simulation: a process-wide in-memory [`KvStore`] on
//! scaled time, or a Redis server (`ASYNCLIFE_REDIS_URL`, or the real run's configuration).
//!
//! A real run selects the store when it begins and forgets it (and clears the in-memory one)
//! when it ends. Code that calls `rt::kv` outside any run (production) gets the store the
//! environment names, selected on first use.

use super::redis::RedisStore;
use crate::env::ASYNCLIFE_REDIS_URL;
use crate::scaled_clock as clock;
use crate::time::Instant;
use crate::world::KvStore;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};

/// The store a real run used.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum StoreKind {
    /// The in-memory store, on scaled time.
    Memory,
    /// A Redis server.
    Redis {
        /// Its URL.
        url: String,
    },
}

impl fmt::Display for StoreKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreKind::Memory => f.write_str("in-memory"),
            StoreKind::Redis { url } => write!(f, "Redis at {url}"),
        }
    }
}

enum Selected {
    Memory,
    Redis(Arc<RedisStore>),
}

static SELECTED: Mutex<Option<Selected>> = Mutex::new(None);
static MEMORY: Mutex<KvStore> = Mutex::new(KvStore::new());

fn selected() -> MutexGuard<'static, Option<Selected>> {
    SELECTED
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn open(url: Option<&str>) -> Result<Selected, String> {
    match url {
        None => Ok(Selected::Memory),
        Some(url) => RedisStore::open(url)
            .map(|store| Selected::Redis(Arc::new(store)))
            .map_err(|e| format!("cannot reach Redis at {url} (within 2 s): {e}")),
    }
}

/// Selects the store for a real run: Redis at `url`, or the in-memory store (emptied).
pub(crate) fn select(url: Option<&str>) -> Result<StoreKind, String> {
    let store = open(url)?;
    let kind = match &store {
        Selected::Memory => StoreKind::Memory,
        Selected::Redis(redis) => StoreKind::Redis {
            url: redis.url().to_owned(),
        },
    };
    *memory() = KvStore::new();
    *selected() = Some(store);
    Ok(kind)
}

/// Forgets the selection, and the in-memory store's content, at the end of a run.
pub(crate) fn reset() {
    *selected() = None;
    *memory() = KvStore::new();
}

/// The Redis store, when one is selected; selects from the environment if nothing is.
///
/// # Panics
/// If `ASYNCLIFE_REDIS_URL` holds something that is not a Redis URL.
pub(crate) fn redis() -> Option<Arc<RedisStore>> {
    let mut selected = selected();
    if selected.is_none() {
        let url = std::env::var(ASYNCLIFE_REDIS_URL).ok();
        *selected =
            Some(open(url.as_deref()).unwrap_or_else(|e| panic!("{ASYNCLIFE_REDIS_URL}: {e}")));
    }
    match selected.as_ref() {
        Some(Selected::Redis(redis)) => Some(redis.clone()),
        Some(Selected::Memory) | None => None,
    }
}

fn memory() -> MutexGuard<'static, KvStore> {
    MEMORY
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Runs `f` on the in-memory store at the current scaled time.
pub(crate) fn with_memory<R>(f: impl FnOnce(&mut KvStore, Instant) -> R) -> R {
    let now = clock::now();
    f(&mut memory(), now)
}

/// The store as it is now, for `rt::kv::inspect`: the in-memory one, or a snapshot of Redis.
pub(crate) fn inspect<R>(f: impl FnOnce(&KvStore, Instant) -> R) -> R {
    match redis() {
        Some(redis) => {
            let now = clock::now();
            f(&redis.snapshot(now), now)
        }
        None => with_memory(|store, now| f(store, now)),
    }
}
