//! The simulated key-value store: Redis semantics for strings, hashes and TTLs in virtual time.
//!
//! [`KvStore`] is plain data. It never reads a clock: every operation that cares about time takes
//! the current virtual [`Instant`], so the engine decides what "now" is and can wrap each call in
//! a fault point. Invariants it upholds:
//!
//! 1. An entry whose expiry is at or before `now` is absent to every operation (lazy expiry),
//!    whether or not [`KvStore::purge_expired`] has removed it yet.
//! 2. A hash is never empty: removing its last field removes the key, as Redis does.
//! 3. Every iteration is in key order (`BTreeMap`), so two runs of a seed see the same order.

use crate::time::Instant;
use std::collections::BTreeMap;
use std::fmt;
use std::ops::Bound;
use std::time::Duration;

/// A value held under a key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// A Redis string (`SET` / `GET`).
    String(String),
    /// A Redis hash (`HSET` / `HGET`); never empty while stored.
    Hash(BTreeMap<String, String>),
}

/// The answer of [`KvStore::ttl`]: Redis's `TTL` without its integer codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ttl {
    /// No live key (Redis -2).
    Missing,
    /// The key exists and never expires (Redis -1).
    Persistent,
    /// The key expires this long after `now`; never zero, since a key due now is already gone.
    ExpiresIn(Duration),
}

/// An error from a store operation.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum KvError {
    /// The operation expects a string and the key holds a hash, or the other way round
    /// (Redis's `WRONGTYPE`).
    WrongType {
        /// The key that holds the other kind of value.
        key: String,
    },
}

impl fmt::Display for KvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KvError::WrongType { key } => write!(
                f,
                "WRONGTYPE operation against key {key:?} holding the wrong kind of value"
            ),
        }
    }
}

impl std::error::Error for KvError {}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Entry {
    value: Value,
    expires_at: Option<Instant>,
}

impl Entry {
    fn is_live(&self, now: Instant) -> bool {
        match self.expires_at {
            Some(expires_at) => expires_at > now,
            None => true,
        }
    }
}

fn wrong_type(key: &str) -> KvError {
    KvError::WrongType {
        key: key.to_owned(),
    }
}

/// A Redis-like key-value store in virtual time.
///
/// Expired entries stay in memory until a write replaces or deletes their key, or until
/// [`KvStore::purge_expired`] runs; reads skip them either way (invariant 1).
#[derive(Clone, Debug, Default)]
pub struct KvStore {
    entries: BTreeMap<String, Entry>,
    /// Calls that may have changed the entries (see [`KvStore::writes`]).
    writes: u64,
}

/// Two stores are equal when their entries are: the write count is bookkeeping.
impl PartialEq for KvStore {
    fn eq(&self, other: &KvStore) -> bool {
        self.entries == other.entries
    }
}

impl Eq for KvStore {}

impl KvStore {
    /// An empty store.
    pub const fn new() -> KvStore {
        KvStore {
            entries: BTreeMap::new(),
            writes: 0,
        }
    }

    /// How many calls that may change the entries have been made. While it stays the same,
    /// so do the entries, values and expiry instants; an entry still expires as time passes.
    pub fn writes(&self) -> u64 {
        self.writes
    }

    fn live(&self, key: &str, now: Instant) -> Option<&Entry> {
        self.entries.get(key).filter(|entry| entry.is_live(now))
    }

    fn live_mut(&mut self, key: &str, now: Instant) -> Option<&mut Entry> {
        self.entries.get_mut(key).filter(|entry| entry.is_live(now))
    }

    /// `GET`: the string under `key`, or `None` if there is no live key.
    pub fn get(&self, key: &str, now: Instant) -> Result<Option<String>, KvError> {
        match self.live(key, now).map(|entry| &entry.value) {
            None => Ok(None),
            Some(Value::String(value)) => Ok(Some(value.clone())),
            Some(Value::Hash(_)) => Err(wrong_type(key)),
        }
    }

    /// `SET key value [EX ex]`: stores a string, replacing a value of any kind.
    ///
    /// Without `ex` the key loses any TTL it had, as Redis's `SET` without `KEEPTTL` does. An `ex`
    /// of zero stores an entry that is already expired (Redis rejects `EX 0`; we keep `set`
    /// infallible and let invariant 1 make it absent).
    pub fn set(&mut self, key: &str, value: &str, ex: Option<Duration>, now: Instant) {
        self.writes += 1;
        let entry = Entry {
            value: Value::String(value.to_owned()),
            expires_at: ex.map(|ttl| now + ttl),
        };
        self.entries.insert(key.to_owned(), entry);
    }

    /// `DEL`: removes the given keys and returns how many of them were live.
    ///
    /// A key listed twice counts once, as in Redis.
    pub fn del(&mut self, keys: &[&str], now: Instant) -> usize {
        self.writes += 1;
        keys.iter()
            .filter(|key| {
                self.entries
                    .remove(**key)
                    .is_some_and(|entry| entry.is_live(now))
            })
            .count()
    }

    /// `EXISTS` for one key.
    pub fn exists(&self, key: &str, now: Instant) -> bool {
        self.live(key, now).is_some()
    }

    /// `EXPIRE`: the key now expires `ttl` after `now`; false if there is no live key.
    ///
    /// A zero `ttl` expires the key at once (Redis deletes it).
    pub fn expire(&mut self, key: &str, ttl: Duration, now: Instant) -> bool {
        self.writes += 1;
        match self.live_mut(key, now) {
            Some(entry) => {
                entry.expires_at = Some(now + ttl);
                true
            }
            None => false,
        }
    }

    /// `TTL` (at nanosecond precision rather than Redis's whole seconds).
    pub fn ttl(&self, key: &str, now: Instant) -> Ttl {
        match self.live(key, now).map(|entry| entry.expires_at) {
            None => Ttl::Missing,
            Some(None) => Ttl::Persistent,
            Some(Some(expires_at)) => Ttl::ExpiresIn(expires_at.saturating_duration_since(now)),
        }
    }

    /// `HSET`: sets fields of the hash under `key`, creating it if there is no live key, and
    /// returns how many fields were new. An existing TTL is kept, as in Redis.
    ///
    /// A field listed twice counts once and its last value wins. With no fields nothing is
    /// created (Redis rejects that call; an empty hash would break invariant 2).
    pub fn hset(
        &mut self,
        key: &str,
        fields: &[(&str, &str)],
        now: Instant,
    ) -> Result<usize, KvError> {
        self.writes += 1;
        let insert = |hash: &mut BTreeMap<String, String>| {
            fields
                .iter()
                .filter(|(field, value)| {
                    hash.insert((*field).to_owned(), (*value).to_owned())
                        .is_none()
                })
                .count()
        };
        match self.live_mut(key, now) {
            Some(Entry {
                value: Value::Hash(hash),
                ..
            }) => Ok(insert(hash)),
            Some(_) => Err(wrong_type(key)),
            None => {
                let mut hash = BTreeMap::new();
                let added = insert(&mut hash);
                if !hash.is_empty() {
                    // Replaces an expired entry too: a fresh hash starts without a TTL.
                    let entry = Entry {
                        value: Value::Hash(hash),
                        expires_at: None,
                    };
                    self.entries.insert(key.to_owned(), entry);
                }
                Ok(added)
            }
        }
    }

    /// `HGET`: one field of the hash under `key`, or `None` if the key or field is missing.
    pub fn hget(&self, key: &str, field: &str, now: Instant) -> Result<Option<String>, KvError> {
        match self.live(key, now).map(|entry| &entry.value) {
            None => Ok(None),
            Some(Value::Hash(hash)) => Ok(hash.get(field).cloned()),
            Some(Value::String(_)) => Err(wrong_type(key)),
        }
    }

    /// `HGETALL`: the whole hash under `key`; empty if there is no live key.
    pub fn hgetall(&self, key: &str, now: Instant) -> Result<BTreeMap<String, String>, KvError> {
        match self.live(key, now).map(|entry| &entry.value) {
            None => Ok(BTreeMap::new()),
            Some(Value::Hash(hash)) => Ok(hash.clone()),
            Some(Value::String(_)) => Err(wrong_type(key)),
        }
    }

    /// `HDEL`: removes fields from the hash under `key` and returns how many existed. A hash
    /// left without fields is removed (invariant 2).
    pub fn hdel(&mut self, key: &str, fields: &[&str], now: Instant) -> Result<usize, KvError> {
        self.writes += 1;
        let Some(entry) = self.live_mut(key, now) else {
            return Ok(0);
        };
        let Value::Hash(hash) = &mut entry.value else {
            return Err(wrong_type(key));
        };
        let removed = fields
            .iter()
            .filter(|field| hash.remove(**field).is_some())
            .count();
        if hash.is_empty() {
            self.entries.remove(key);
        }
        Ok(removed)
    }

    /// The live keys that start with `prefix`, in order (Redis `KEYS prefix*`, minus the glob).
    pub fn keys_with_prefix(&self, prefix: &str, now: Instant) -> Vec<String> {
        // Keys with a common prefix are contiguous in a BTreeMap, so a range scan suffices.
        self.entries
            .range::<str, _>((Bound::Included(prefix), Bound::Unbounded))
            .take_while(|(key, _)| key.starts_with(prefix))
            .filter(|(_, entry)| entry.is_live(now))
            .map(|(key, _)| key.clone())
            .collect()
    }

    /// Removes every entry that has expired by `now` and returns their keys, in order.
    ///
    /// Only entries still stored are reported: a key that a later `SET`, `HSET` or `DEL`
    /// already replaced or removed is not.
    pub fn purge_expired(&mut self, now: Instant) -> Vec<String> {
        self.writes += 1;
        let expired: Vec<String> = self
            .entries
            .iter()
            .filter(|(_, entry)| !entry.is_live(now))
            .map(|(key, _)| key.clone())
            .collect();
        for key in &expired {
            self.entries.remove(key);
        }
        expired
    }

    /// The number of live keys (`DBSIZE`, without counting what has expired).
    pub fn len(&self, now: Instant) -> usize {
        self.entries(now).count()
    }

    /// Whether there is no live key.
    pub fn is_empty(&self, now: Instant) -> bool {
        self.entries(now).next().is_none()
    }

    /// Every live entry in key order, as `(key, value, expiry)`, for invariant checks such as
    /// "every key starting with `agent:` carries a TTL".
    pub fn entries(&self, now: Instant) -> impl Iterator<Item = (&str, &Value, Option<Instant>)> {
        self.entries
            .iter()
            .filter(move |(_, entry)| entry.is_live(now))
            .map(|(key, entry)| (key.as_str(), &entry.value, entry.expires_at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn at_secs(secs: u64) -> Instant {
        Instant::from_millis(secs * 1_000)
    }

    fn secs(secs: u64) -> Duration {
        Duration::from_secs(secs)
    }

    fn wrong(key: &str) -> KvError {
        KvError::WrongType { key: key.into() }
    }

    #[test]
    fn set_then_get() {
        let mut kv = KvStore::new();
        let now = at_secs(0);
        assert_eq!(kv.get("k", now), Ok(None));
        kv.set("k", "v1", None, now);
        assert_eq!(kv.get("k", now), Ok(Some("v1".into())));
        kv.set("k", "v2", None, now);
        assert_eq!(kv.get("k", now), Ok(Some("v2".into())));
        assert!(kv.exists("k", now));
        assert_eq!(kv.len(now), 1);
    }

    #[test]
    fn set_with_ex_expires_exactly_at_the_deadline() {
        let mut kv = KvStore::new();
        kv.set("k", "v", Some(secs(10)), at_secs(5));
        let just_before = Instant::from_nanos(at_secs(15).as_nanos() - 1);
        assert_eq!(kv.get("k", just_before), Ok(Some("v".into())));
        assert_eq!(kv.get("k", at_secs(15)), Ok(None));
        assert!(!kv.exists("k", at_secs(15)));
        assert_eq!(kv.ttl("k", at_secs(15)), Ttl::Missing);
        assert!(kv.is_empty(at_secs(15)));
    }

    #[test]
    fn set_without_ex_clears_the_ttl() {
        let mut kv = KvStore::new();
        kv.set("k", "v1", Some(secs(10)), at_secs(0));
        kv.set("k", "v2", None, at_secs(1));
        assert_eq!(kv.ttl("k", at_secs(1)), Ttl::Persistent);
        assert_eq!(kv.get("k", at_secs(100)), Ok(Some("v2".into())));
    }

    #[test]
    fn set_replaces_a_hash() {
        let mut kv = KvStore::new();
        kv.hset("k", &[("f", "v")], at_secs(0)).unwrap();
        kv.set("k", "s", None, at_secs(0));
        assert_eq!(kv.get("k", at_secs(0)), Ok(Some("s".into())));
    }

    #[test]
    fn expire_sets_a_deadline_on_live_keys_only() {
        let mut kv = KvStore::new();
        assert!(!kv.expire("missing", secs(5), at_secs(0)));
        kv.set("k", "v", None, at_secs(0));
        assert!(kv.expire("k", secs(5), at_secs(1)));
        assert_eq!(kv.get("k", at_secs(5)), Ok(Some("v".into())));
        assert_eq!(kv.get("k", at_secs(6)), Ok(None));
        // An expired key is missing to EXPIRE too: it must not come back to life.
        assert!(!kv.expire("k", secs(5), at_secs(6)));
        assert_eq!(kv.get("k", at_secs(7)), Ok(None));
    }

    #[test]
    fn expire_with_zero_ttl_removes_at_once() {
        let mut kv = KvStore::new();
        kv.set("k", "v", None, at_secs(0));
        assert!(kv.expire("k", Duration::ZERO, at_secs(3)));
        assert!(!kv.exists("k", at_secs(3)));
    }

    #[test]
    fn ttl_has_three_answers() {
        let mut kv = KvStore::new();
        kv.set("persistent", "v", None, at_secs(0));
        kv.set("expiring", "v", Some(secs(10)), at_secs(0));
        assert_eq!(kv.ttl("missing", at_secs(4)), Ttl::Missing);
        assert_eq!(kv.ttl("persistent", at_secs(4)), Ttl::Persistent);
        assert_eq!(kv.ttl("expiring", at_secs(4)), Ttl::ExpiresIn(secs(6)));
    }

    #[test]
    fn hset_counts_new_fields_and_keeps_the_ttl() {
        let mut kv = KvStore::new();
        let now = at_secs(0);
        assert_eq!(kv.hset("h", &[("a", "1"), ("b", "2")], now), Ok(2));
        assert!(kv.expire("h", secs(60), now));
        // `a` is overwritten, `c` is new, and a field listed twice counts once.
        let fields = [("a", "10"), ("c", "3"), ("c", "30")];
        assert_eq!(kv.hset("h", &fields, at_secs(1)), Ok(1));
        assert_eq!(kv.ttl("h", at_secs(1)), Ttl::ExpiresIn(secs(59)));
        assert_eq!(kv.hget("h", "a", at_secs(1)), Ok(Some("10".into())));
        assert_eq!(kv.hget("h", "c", at_secs(1)), Ok(Some("30".into())));
        assert_eq!(kv.hget("h", "z", at_secs(1)), Ok(None));
        let all = kv.hgetall("h", at_secs(1)).unwrap();
        let expected = [("a", "10"), ("b", "2"), ("c", "30")];
        assert!(all
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .eq(expected));
    }

    #[test]
    fn hset_on_an_expired_hash_starts_fresh_without_ttl() {
        let mut kv = KvStore::new();
        kv.hset("h", &[("old", "1")], at_secs(0)).unwrap();
        kv.expire("h", secs(1), at_secs(0));
        assert_eq!(kv.hset("h", &[("new", "2")], at_secs(2)), Ok(1));
        assert_eq!(kv.ttl("h", at_secs(2)), Ttl::Persistent);
        assert_eq!(kv.hget("h", "old", at_secs(2)), Ok(None));
    }

    #[test]
    fn hset_without_fields_creates_nothing() {
        let mut kv = KvStore::new();
        assert_eq!(kv.hset("h", &[], at_secs(0)), Ok(0));
        assert!(!kv.exists("h", at_secs(0)));
    }

    #[test]
    fn hdel_removes_an_emptied_hash() {
        let mut kv = KvStore::new();
        let now = at_secs(0);
        assert_eq!(kv.hdel("h", &["a"], now), Ok(0));
        kv.hset("h", &[("a", "1"), ("b", "2")], now).unwrap();
        assert_eq!(kv.hdel("h", &["a", "a", "zz"], now), Ok(1));
        assert!(kv.exists("h", now));
        assert_eq!(kv.hdel("h", &["b"], now), Ok(1));
        assert!(!kv.exists("h", now));
        assert_eq!(kv.hgetall("h", now), Ok(BTreeMap::new()));
        assert_eq!(kv.purge_expired(now), Vec::<String>::new());
    }

    #[test]
    fn wrong_type_both_ways() {
        let mut kv = KvStore::new();
        let now = at_secs(0);
        kv.set("s", "v", None, now);
        kv.hset("h", &[("f", "v")], now).unwrap();
        assert_eq!(kv.get("h", now), Err(wrong("h")));
        assert_eq!(kv.hset("s", &[("f", "v")], now), Err(wrong("s")));
        assert_eq!(kv.hget("s", "f", now), Err(wrong("s")));
        assert_eq!(kv.hgetall("s", now), Err(wrong("s")));
        assert_eq!(kv.hdel("s", &["f"], now), Err(wrong("s")));
        // A failed call leaves the value alone.
        assert_eq!(kv.get("s", now), Ok(Some("v".into())));
        let message = kv.get("h", now).unwrap_err().to_string();
        assert!(message.starts_with("WRONGTYPE") && message.contains("\"h\""));
    }

    #[test]
    fn del_counts_live_keys_once() {
        let mut kv = KvStore::new();
        kv.set("a", "1", None, at_secs(0));
        kv.set("b", "2", Some(secs(1)), at_secs(0));
        kv.hset("c", &[("f", "v")], at_secs(0)).unwrap();
        assert_eq!(kv.del(&["a", "a", "b", "c", "missing"], at_secs(1)), 2);
        assert!(kv.is_empty(at_secs(1)));
        // The expired `b` was deleted, not left for the purge to report.
        assert_eq!(kv.purge_expired(at_secs(1)), Vec::<String>::new());
    }

    #[test]
    fn keys_with_prefix_are_ordered_and_skip_expired() {
        let mut kv = KvStore::new();
        let now = at_secs(0);
        for key in [
            "agent:b", "agent", "agent:a", "agents", "agenu", "run:1", "agent:c",
        ] {
            kv.set(key, "v", None, now);
        }
        kv.expire("agent:b", secs(1), now);
        assert_eq!(
            kv.keys_with_prefix("agent:", at_secs(1)),
            ["agent:a", "agent:c"]
        );
        assert_eq!(
            kv.keys_with_prefix("agent", at_secs(0)),
            ["agent", "agent:a", "agent:b", "agent:c", "agents"]
        );
        assert_eq!(kv.keys_with_prefix("", at_secs(1)).len(), 6);
        assert!(kv.keys_with_prefix("zzz", now).is_empty());
    }

    #[test]
    fn purge_expired_removes_and_reports_in_key_order() {
        let mut kv = KvStore::new();
        kv.set("c", "v", Some(secs(1)), at_secs(0));
        kv.hset("a", &[("f", "v")], at_secs(0)).unwrap();
        kv.expire("a", secs(2), at_secs(0));
        kv.set("b", "v", Some(secs(5)), at_secs(0));
        kv.set("d", "v", None, at_secs(0));
        assert_eq!(kv.purge_expired(at_secs(0)), Vec::<String>::new());
        assert_eq!(kv.purge_expired(at_secs(2)), ["a", "c"]);
        assert_eq!(kv.purge_expired(at_secs(2)), Vec::<String>::new());
        assert_eq!(kv.len(at_secs(2)), 2);
        assert_eq!(kv.purge_expired(at_secs(9)), ["b"]);
    }

    #[test]
    fn entries_lists_live_entries_with_expiry() {
        let mut kv = KvStore::new();
        kv.set("agent:1", "v", Some(secs(7_200)), at_secs(0));
        kv.set("agent:2", "v", Some(secs(10)), at_secs(0));
        kv.set("other", "v", None, at_secs(0));
        let now = at_secs(100);
        let entries: Vec<_> = kv.entries(now).collect();
        let value = Value::String("v".into());
        let expected = [
            ("agent:1", &value, Some(at_secs(7_200))),
            ("other", &value, None),
        ];
        assert_eq!(entries, expected);
        let agents_bounded = kv
            .entries(now)
            .filter(|(key, _, _)| key.starts_with("agent:"))
            .all(|(_, _, at)| at.is_some_and(|at| at - now <= secs(7_200)));
        assert!(agents_bounded);
    }

    /// One step of the model check. Times are whole seconds so that deadlines often coincide
    /// with `now`, the boundary lazy expiry must get right.
    #[derive(Clone, Debug)]
    enum Op {
        Set(u8, u8, Option<u64>),
        Del(Vec<u8>),
        Expire(u8, u64),
        Advance(u64),
        Get(u8),
        Purge,
    }

    fn op() -> impl Strategy<Value = Op> {
        let key = 0..4u8;
        prop_oneof![
            (key.clone(), any::<u8>(), proptest::option::of(0..4u64))
                .prop_map(|(k, v, ex)| Op::Set(k, v, ex)),
            proptest::collection::vec(key.clone(), 0..3).prop_map(Op::Del),
            (key.clone(), 0..4u64).prop_map(|(k, ttl)| Op::Expire(k, ttl)),
            (0..3u64).prop_map(Op::Advance),
            key.prop_map(Op::Get),
            Just(Op::Purge),
        ]
    }

    /// The model keeps every entry, dead or alive, and decides liveness by brute force at
    /// every read.
    type Model = BTreeMap<String, (String, Option<Instant>)>;

    fn model_live(model: &Model, now: Instant) -> Vec<(String, String, Option<Instant>)> {
        model
            .iter()
            .filter(|(_, (_, at))| !matches!(at, Some(at) if *at <= now))
            .map(|(k, (v, at))| (k.clone(), v.clone(), *at))
            .collect()
    }

    fn apply(kv: &mut KvStore, model: &mut Model, now: &mut Instant, op: &Op) {
        let live = |model: &Model, key: &str, now: Instant| {
            model_live(model, now)
                .into_iter()
                .find(|(k, _, _)| k == key)
        };
        match op {
            Op::Set(k, v, ex) => {
                let ex = ex.map(secs);
                kv.set(&k.to_string(), &v.to_string(), ex, *now);
                model.insert(k.to_string(), (v.to_string(), ex.map(|ex| *now + ex)));
            }
            Op::Del(keys) => {
                let keys: Vec<String> = keys.iter().map(u8::to_string).collect();
                let refs: Vec<&str> = keys.iter().map(String::as_str).collect();
                let mut unique = keys.clone();
                unique.sort();
                unique.dedup();
                let expected = unique
                    .iter()
                    .filter(|k| live(model, k, *now).is_some())
                    .count();
                assert_eq!(kv.del(&refs, *now), expected);
                for key in &keys {
                    model.remove(key);
                }
            }
            Op::Expire(k, ttl) => {
                let key = k.to_string();
                let was_live = live(model, &key, *now).is_some();
                assert_eq!(kv.expire(&key, secs(*ttl), *now), was_live);
                if was_live {
                    model.get_mut(&key).expect("live in the model").1 = Some(*now + secs(*ttl));
                }
            }
            Op::Advance(by) => *now += secs(*by),
            Op::Get(k) => {
                let expected = live(model, &k.to_string(), *now).map(|(_, v, _)| v);
                assert_eq!(kv.get(&k.to_string(), *now), Ok(expected));
            }
            Op::Purge => {
                let dead: Vec<String> = model
                    .iter()
                    .filter(|(_, (_, at))| at.is_some_and(|at| at <= *now))
                    .map(|(k, _)| k.clone())
                    .collect();
                for key in &dead {
                    model.remove(key);
                }
                assert_eq!(kv.purge_expired(*now), dead);
            }
        }
    }

    proptest! {
        #[test]
        fn lazy_expiry_agrees_with_a_brute_force_model(
            ops in proptest::collection::vec(op(), 0..60)
        ) {
            let mut kv = KvStore::new();
            let mut model = Model::new();
            let mut now = Instant::ZERO;
            for op in &ops {
                apply(&mut kv, &mut model, &mut now, op);
                let live = model_live(&model, now);
                let entries: Vec<_> = kv
                    .entries(now)
                    .map(|(k, v, at)| (k.to_owned(), v.clone(), at))
                    .collect();
                let expected: Vec<_> = live
                    .iter()
                    .map(|(k, v, at)| (k.clone(), Value::String(v.clone()), *at))
                    .collect();
                prop_assert_eq!(entries, expected);
                prop_assert_eq!(kv.len(now), live.len());
                for key in 0..4u8 {
                    let key = key.to_string();
                    let ttl = match live.iter().find(|(k, _, _)| *k == key) {
                        None => Ttl::Missing,
                        Some((_, _, None)) => Ttl::Persistent,
                        Some((_, _, Some(at))) => Ttl::ExpiresIn(*at - now),
                    };
                    prop_assert_eq!(kv.ttl(&key, now), ttl);
                    prop_assert_eq!(kv.exists(&key, now), ttl != Ttl::Missing);
                }
            }
        }
    }
}
