//! The key-value store, with Redis semantics. Inside a simulation it is the engine's store:
//! every call passes the fault point `kv.<command>` (so latency and errors can be injected)
//! and is traced. Outside one it is real mode's store (feature `real`): a Redis server when
//! `ASYNCLIFE_REDIS_URL` names one, else an in-memory store on scaled time.

use super::fault::{point, InjectedError};
#[cfg(feature = "real")]
use crate::real::{self, RedisStore};
use crate::runtime::context;
use crate::time::Instant;
use crate::world::{KvError, KvStore, Ttl};
use std::collections::BTreeMap;
use std::fmt;
#[cfg(feature = "real")]
use std::sync::Arc;
use std::time::Duration;

/// Why a store call failed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The fault plan injected an error (a timeout, a lost connection, ...).
    Injected(InjectedError),
    /// The store refused the command (WRONGTYPE).
    Store(KvError),
    /// Real mode's Redis server failed the command (it is down, it answered an error).
    Backend {
        /// The command and its key.
        command: String,
        /// The client's error.
        message: String,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Injected(e) => e.fmt(f),
            Error::Store(e) => e.fmt(f),
            Error::Backend { command, message } => write!(f, "{command}: {message}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<InjectedError> for Error {
    fn from(e: InjectedError) -> Error {
        Error::Injected(e)
    }
}

#[cfg(feature = "real")]
impl From<real::RedisFailure> for Error {
    fn from(failure: real::RedisFailure) -> Error {
        match failure {
            real::RedisFailure::Store(e) => Error::Store(e),
            real::RedisFailure::Backend { command, message } => Error::Backend { command, message },
        }
    }
}

impl From<KvError> for Error {
    fn from(e: KvError) -> Error {
        Error::Store(e)
    }
}

/// Real mode's Redis store, when it is the one in use (never inside a simulation).
#[cfg(feature = "real")]
fn redis() -> Option<Arc<RedisStore>> {
    match context::in_simulation() {
        true => None,
        false => real::store::redis(),
    }
}

/// Passes the command's fault point, then runs it on the store and traces it; outside a
/// simulation, runs it on real mode's in-memory store.
async fn call<R>(
    command: &str,
    key: &str,
    run: impl FnOnce(&mut KvStore, Instant) -> R,
) -> Result<R, Error> {
    if !context::in_simulation() {
        return Ok(outside_simulation!(
            &format!("rt::kv::{}", command.to_ascii_lowercase()),
            real::store::with_memory(run)
        ));
    }
    point(&format!("kv.{}", command.to_ascii_lowercase())).await?;
    let kernel = context::current();
    Ok(kernel.with_state(|st| st.kv_command(format!("{command} {key}"), run)))
}

/// GET.
pub async fn get(key: &str) -> Result<Option<String>, Error> {
    #[cfg(feature = "real")]
    if let Some(redis) = redis() {
        return Ok(redis.get(key).await?);
    }
    Ok(call("GET", key, |kv, now| kv.get(key, now)).await??)
}

/// SET, with an expiry when `ex` is given (and none otherwise, as Redis does).
pub async fn set(key: &str, value: &str, ex: Option<Duration>) -> Result<(), Error> {
    #[cfg(feature = "real")]
    if let Some(redis) = redis() {
        return Ok(redis.set(key, value, ex).await?);
    }
    call("SET", key, |kv, now| kv.set(key, value, ex, now)).await
}

/// DEL: how many of the keys existed.
pub async fn del(keys: &[&str]) -> Result<usize, Error> {
    #[cfg(feature = "real")]
    if let Some(redis) = redis() {
        return Ok(redis.del(keys).await?);
    }
    let label = keys.join(" ");
    call("DEL", &label, |kv, now| kv.del(keys, now)).await
}

/// EXISTS.
pub async fn exists(key: &str) -> Result<bool, Error> {
    #[cfg(feature = "real")]
    if let Some(redis) = redis() {
        return Ok(redis.exists(key).await?);
    }
    call("EXISTS", key, |kv, now| kv.exists(key, now)).await
}

/// EXPIRE: false when the key does not exist.
pub async fn expire(key: &str, ttl: Duration) -> Result<bool, Error> {
    #[cfg(feature = "real")]
    if let Some(redis) = redis() {
        return Ok(redis.expire(key, ttl).await?);
    }
    call("EXPIRE", key, |kv, now| kv.expire(key, ttl, now)).await
}

/// TTL.
pub async fn ttl(key: &str) -> Result<Ttl, Error> {
    #[cfg(feature = "real")]
    if let Some(redis) = redis() {
        return Ok(redis.ttl(key).await?);
    }
    call("TTL", key, |kv, now| kv.ttl(key, now)).await
}

/// HSET: how many fields were new.
pub async fn hset(key: &str, fields: &[(&str, &str)]) -> Result<usize, Error> {
    #[cfg(feature = "real")]
    if let Some(redis) = redis() {
        return Ok(redis.hset(key, fields).await?);
    }
    Ok(call("HSET", key, |kv, now| kv.hset(key, fields, now)).await??)
}

/// HGET.
pub async fn hget(key: &str, field: &str) -> Result<Option<String>, Error> {
    #[cfg(feature = "real")]
    if let Some(redis) = redis() {
        return Ok(redis.hget(key, field).await?);
    }
    Ok(call("HGET", key, |kv, now| kv.hget(key, field, now)).await??)
}

/// HGETALL (an empty map for a missing key).
pub async fn hgetall(key: &str) -> Result<BTreeMap<String, String>, Error> {
    #[cfg(feature = "real")]
    if let Some(redis) = redis() {
        return Ok(redis.hgetall(key).await?);
    }
    Ok(call("HGETALL", key, |kv, now| kv.hgetall(key, now)).await??)
}

/// HDEL: how many fields existed.
pub async fn hdel(key: &str, fields: &[&str]) -> Result<usize, Error> {
    #[cfg(feature = "real")]
    if let Some(redis) = redis() {
        return Ok(redis.hdel(key, fields).await?);
    }
    Ok(call("HDEL", key, |kv, now| kv.hdel(key, fields, now)).await??)
}

/// The keys starting with `prefix`, sorted (Redis `SCAN MATCH prefix*`).
pub async fn keys(prefix: &str) -> Result<Vec<String>, Error> {
    #[cfg(feature = "real")]
    if let Some(redis) = redis() {
        return Ok(redis.keys(prefix).await?);
    }
    call("KEYS", prefix, |kv, now| kv.keys_with_prefix(prefix, now)).await
}

/// Reads the store (for invariants and reports), as it is now. No fault point, no trace.
///
/// Outside a simulation: real mode's in-memory store, or a snapshot of the Redis database
/// taken through a synchronous connection of its own.
///
/// # Panics
/// Outside a simulation, if the Redis server does not answer.
pub fn inspect<R>(f: impl FnOnce(&KvStore, Instant) -> R) -> R {
    match context::try_current() {
        Some(kernel) => kernel.with_state(|st| st.inspect_kv(f)),
        None => outside_simulation!("rt::kv::inspect", real::store::inspect(f)),
    }
}
