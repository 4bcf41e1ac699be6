//! Tombstones: the marker an end leaves in the store, so that a spawn worker that has not yet
//! stored the session's PID learns of the end and stops the agent itself.
//!
//! Why it closes the end-before-spawn race: every end writes the tombstone before it looks
//! the PID up, and the worker checks the tombstone after every write of session state. Store
//! calls are atomic, so either the worker's check comes first (then its writes came before
//! the end's lookup, which finds the PID) or the end's tombstone does (then the worker sees
//! it). In both orders someone with the PID stops the agent.

use crate::defect::{Defect, Variant};
use crate::keys::SessionId;
use crate::store::StoreCalls;
use asynclife_sim::rt::kv;
use std::time::Duration;

/// Writes and reads tombstones; a no-op in the variants that have none.
#[derive(Clone, Debug)]
pub(crate) struct Tombstones {
    enabled: bool,
    ttl: Duration,
}

impl Tombstones {
    /// Tombstones for `variant`, kept for `ttl` (the session's own bound, so that a worker
    /// whose job is still queued when the session's keys would have expired anyway finds it).
    pub(crate) fn new(variant: Variant, ttl: Duration) -> Tombstones {
        Tombstones {
            // seed 001 as documented: nothing tells the spawn worker that the session ended
            // before it stored the PID; the end finds no PID and the agent is orphaned.
            enabled: !variant.has(Defect::EndBeforeSpawnRace),
            ttl,
        }
    }

    /// Marks `session` as ended.
    pub(crate) async fn mark(
        &self,
        session: &SessionId,
        calls: &mut StoreCalls,
    ) -> Result<(), kv::Error> {
        if !self.enabled {
            return Ok(());
        }
        let key = session.tombstone_key();
        calls.run(|| kv::set(&key, "1", Some(self.ttl))).await
    }

    /// Whether `session` was marked as ended.
    pub(crate) async fn is_marked(
        &self,
        session: &SessionId,
        calls: &mut StoreCalls,
    ) -> Result<bool, kv::Error> {
        if !self.enabled {
            return Ok(false);
        }
        let key = session.tombstone_key();
        calls.run(|| kv::exists(&key)).await
    }
}
