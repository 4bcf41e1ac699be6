//! Real mode's Redis-backed store: the `rt::kv` commands on a Redis server, through the
//! `redis` crate's tokio connection manager, with TTLs in scaled time.
//!
//! Invariants:
//! 1. A TTL goes to Redis in wall-clock milliseconds (`PX`, `PEXPIRE`) and comes back in
//!    scaled time (`PTTL`), so the code under test sees the same TTLs as with the in-memory
//!    store at the same time scale.
//! 2. `WRONGTYPE` is the store's refusal ([`KvError::WrongType`]), as in the simulated store;
//!    every other failure is [`RedisFailure::Backend`], never retried as an injected fault
//!    would be.
//! 3. The connection manager belongs to the tokio runtime that made it: it is made lazily,
//!    inside the run, and forgotten with this store when the run ends.

use crate::scaled_clock as clock;
use crate::time::Instant;
use crate::world::{KvError, KvStore, Ttl};
use redis::aio::ConnectionManager;
use redis::{Client, Cmd, FromRedisValue, RedisError};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;
use std::time::Duration;

/// Why a Redis call failed: the store's own refusal, or the server's failure. `rt::kv` hands
/// it to its callers as its `Error` (real mode knows nothing of the facade).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum RedisFailure {
    /// The store refused the command (WRONGTYPE), as the simulated store would.
    Store(KvError),
    /// The server failed the command (it is down, it answered an error).
    Backend {
        /// The command and its key.
        command: String,
        /// The client's error.
        message: String,
    },
}

/// How long a snapshot for `inspect`, the reachability check when a run starts, and each
/// connection attempt of the run's connection manager wait to connect.
const SNAPSHOT_CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// Connection attempts the run's connection manager makes after the first, before a command
/// fails (with a backoff from 100 ms): a server that goes away fails in seconds, not minutes.
const CONNECT_RETRIES: usize = 2;
/// Keys asked for per `SCAN` round trip.
const SCAN_COUNT: u64 = 500;

/// A Redis server, as `rt::kv` uses it.
pub(crate) struct RedisStore {
    url: String,
    client: Client,
    manager: Mutex<Option<ConnectionManager>>,
}

/// A Redis error as `rt::kv` reports it (invariant 2).
fn error(command: &str, key: &str, e: &RedisError) -> RedisFailure {
    if e.code() == Some("WRONGTYPE") {
        return RedisFailure::Store(KvError::WrongType {
            key: key.to_owned(),
        });
    }
    RedisFailure::Backend {
        command: format!("{command} {key}"),
        message: e.to_string(),
    }
}

/// A scaled TTL as Redis milliseconds; at least 1, since Redis refuses 0.
fn real_millis(ttl: Duration) -> u64 {
    u64::try_from(clock::to_real(ttl).as_millis())
        .unwrap_or(u64::MAX)
        .max(1)
}

/// `PTTL`'s answer in scaled time (invariant 1).
fn ttl_of(pttl_ms: i64) -> Ttl {
    match u64::try_from(pttl_ms) {
        Err(_) if pttl_ms == -1 => Ttl::Persistent,
        Ok(0) | Err(_) => Ttl::Missing,
        Ok(ms) => Ttl::ExpiresIn(clock::to_scaled_duration(Duration::from_millis(ms))),
    }
}

/// `prefix*` as a `SCAN MATCH` pattern, the prefix's own glob characters escaped.
fn prefix_pattern(prefix: &str) -> String {
    let mut pattern = String::with_capacity(prefix.len() + 1);
    for c in prefix.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('*');
    pattern
}

impl RedisStore {
    /// A store on the server at `url` (`redis://host:port/db`), once a connection to it
    /// succeeded within the timeout: an unreachable server is an error when the run starts,
    /// not a hang in its first command.
    pub(crate) fn open(url: &str) -> Result<RedisStore, RedisError> {
        let client = Client::open(url)?;
        drop(client.get_connection_with_timeout(SNAPSHOT_CONNECT_TIMEOUT)?);
        Ok(RedisStore {
            url: url.to_owned(),
            client,
            manager: Mutex::new(None),
        })
    }

    /// The server's URL.
    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    /// The connection manager, made on first use (invariant 3).
    async fn connection(
        &self,
        command: &str,
        key: &str,
    ) -> Result<ConnectionManager, RedisFailure> {
        let existing = self
            .manager
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone();
        if let Some(manager) = existing {
            return Ok(manager);
        }
        // Made outside the lock (it awaits); two racing tasks each make one, the last is kept.
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(SNAPSHOT_CONNECT_TIMEOUT))
            .set_number_of_retries(CONNECT_RETRIES);
        let manager = ConnectionManager::new_with_config(self.client.clone(), config)
            .await
            .map_err(|e| error(command, key, &e))?;
        *self
            .manager
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(manager.clone());
        Ok(manager)
    }

    async fn query<T: FromRedisValue>(
        &self,
        cmd: Cmd,
        command: &str,
        key: &str,
    ) -> Result<T, RedisFailure> {
        let mut connection = self.connection(command, key).await?;
        cmd.query_async(&mut connection)
            .await
            .map_err(|e| error(command, key, &e))
    }

    /// GET.
    pub(crate) async fn get(&self, key: &str) -> Result<Option<String>, RedisFailure> {
        self.query(redis::cmd("GET").arg(key).clone(), "GET", key)
            .await
    }

    /// SET, with `PX` when `ex` is given.
    pub(crate) async fn set(
        &self,
        key: &str,
        value: &str,
        ex: Option<Duration>,
    ) -> Result<(), RedisFailure> {
        let mut cmd = redis::cmd("SET");
        cmd.arg(key).arg(value);
        if let Some(ttl) = ex {
            cmd.arg("PX").arg(real_millis(ttl));
        }
        self.query(cmd, "SET", key).await
    }

    /// DEL.
    pub(crate) async fn del(&self, keys: &[&str]) -> Result<usize, RedisFailure> {
        self.query(redis::cmd("DEL").arg(keys).clone(), "DEL", &keys.join(" "))
            .await
    }

    /// EXISTS.
    pub(crate) async fn exists(&self, key: &str) -> Result<bool, RedisFailure> {
        let count: u64 = self
            .query(redis::cmd("EXISTS").arg(key).clone(), "EXISTS", key)
            .await?;
        Ok(count > 0)
    }

    /// EXPIRE, as `PEXPIRE`.
    pub(crate) async fn expire(&self, key: &str, ttl: Duration) -> Result<bool, RedisFailure> {
        let cmd = redis::cmd("PEXPIRE").arg(key).arg(real_millis(ttl)).clone();
        let set: u64 = self.query(cmd, "EXPIRE", key).await?;
        Ok(set == 1)
    }

    /// TTL, as `PTTL`.
    pub(crate) async fn ttl(&self, key: &str) -> Result<Ttl, RedisFailure> {
        let pttl: i64 = self
            .query(redis::cmd("PTTL").arg(key).clone(), "TTL", key)
            .await?;
        Ok(ttl_of(pttl))
    }

    /// HSET.
    pub(crate) async fn hset(
        &self,
        key: &str,
        fields: &[(&str, &str)],
    ) -> Result<usize, RedisFailure> {
        let mut cmd = redis::cmd("HSET");
        cmd.arg(key);
        for (field, value) in fields {
            cmd.arg(*field).arg(*value);
        }
        self.query(cmd, "HSET", key).await
    }

    /// HGET.
    pub(crate) async fn hget(
        &self,
        key: &str,
        field: &str,
    ) -> Result<Option<String>, RedisFailure> {
        let cmd = redis::cmd("HGET").arg(key).arg(field).clone();
        self.query(cmd, "HGET", key).await
    }

    /// HGETALL.
    pub(crate) async fn hgetall(
        &self,
        key: &str,
    ) -> Result<BTreeMap<String, String>, RedisFailure> {
        self.query(redis::cmd("HGETALL").arg(key).clone(), "HGETALL", key)
            .await
    }

    /// HDEL.
    pub(crate) async fn hdel(&self, key: &str, fields: &[&str]) -> Result<usize, RedisFailure> {
        let cmd = redis::cmd("HDEL").arg(key).arg(fields).clone();
        self.query(cmd, "HDEL", key).await
    }

    /// The keys starting with `prefix`, sorted: `SCAN MATCH prefix*` to the end.
    pub(crate) async fn keys(&self, prefix: &str) -> Result<Vec<String>, RedisFailure> {
        let pattern = prefix_pattern(prefix);
        let mut found = BTreeSet::new();
        let mut cursor = 0u64;
        loop {
            let cmd = scan(cursor, &pattern);
            let (next, batch): (u64, Vec<String>) = self.query(cmd, "SCAN", prefix).await?;
            found.extend(batch);
            if next == 0 {
                return Ok(found.into_iter().collect());
            }
            cursor = next;
        }
    }

    /// Every key of the database as a [`KvStore`] at `now`, for `rt::kv::inspect`. A
    /// synchronous connection of its own: `inspect` is not async, and may run outside the
    /// runtime. Types the store does not model are kept as a string naming the type, so that
    /// a check for keys left behind still sees them.
    ///
    /// # Panics
    /// If the server does not answer: an invariant cannot be checked without it.
    pub(crate) fn snapshot(&self, now: Instant) -> KvStore {
        self.try_snapshot(now)
            .unwrap_or_else(|e| panic!("reading Redis at {} for a check failed: {e}", self.url))
    }

    fn try_snapshot(&self, now: Instant) -> Result<KvStore, RedisError> {
        let mut con = self
            .client
            .get_connection_with_timeout(SNAPSHOT_CONNECT_TIMEOUT)?;
        let mut keys = BTreeSet::new();
        let mut cursor = 0u64;
        loop {
            let (next, batch): (u64, Vec<String>) = scan(cursor, "*").query(&mut con)?;
            keys.extend(batch);
            if next == 0 {
                break;
            }
            cursor = next;
        }
        let mut store = KvStore::new();
        for key in keys {
            let kind: String = redis::cmd("TYPE").arg(&key).query(&mut con)?;
            let ttl = match ttl_of(redis::cmd("PTTL").arg(&key).query(&mut con)?) {
                Ttl::Missing => continue, // expired meanwhile
                Ttl::Persistent => None,
                Ttl::ExpiresIn(left) => Some(left),
            };
            if kind == "hash" {
                let fields: BTreeMap<String, String> =
                    redis::cmd("HGETALL").arg(&key).query(&mut con)?;
                let pairs: Vec<(&str, &str)> = fields
                    .iter()
                    .map(|(f, v)| (f.as_str(), v.as_str()))
                    .collect();
                store
                    .hset(&key, &pairs, now)
                    .expect("a fresh key holds no other type");
                if let Some(left) = ttl {
                    store.expire(&key, left, now);
                }
            } else {
                let value: Option<String> = match kind.as_str() {
                    "string" => redis::cmd("GET").arg(&key).query(&mut con)?,
                    _ => Some(format!("(a Redis {kind})")),
                };
                if let Some(value) = value {
                    store.set(&key, &value, ttl, now);
                }
            }
        }
        Ok(store)
    }
}

fn scan(cursor: u64, pattern: &str) -> Cmd {
    redis::cmd("SCAN")
        .arg(cursor)
        .arg("MATCH")
        .arg(pattern)
        .arg("COUNT")
        .arg(SCAN_COUNT)
        .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_are_escaped_for_scan() {
        assert_eq!(prefix_pattern("session:"), "session:*");
        assert_eq!(prefix_pattern("a*b?[c]\\"), "a\\*b\\?\\[c\\]\\\\*");
    }

    #[test]
    fn pttl_codes_become_ttls() {
        assert_eq!(ttl_of(-2), Ttl::Missing);
        assert_eq!(ttl_of(-1), Ttl::Persistent);
        assert_eq!(ttl_of(0), Ttl::Missing);
        assert!(matches!(ttl_of(1_500), Ttl::ExpiresIn(d) if !d.is_zero()));
    }
}
