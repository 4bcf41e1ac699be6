//! The step invariants' view of the agents: for every agent ever spawned, its session, its
//! store keys, whether it is reaped, whether its session ended, and its PID key's TTL.
//!
//! Step checks run after every poll, so this is the hot path of a sweep. The view is built
//! once per step however many invariants read it, from one in-order walk of the process
//! table and one store lookup per agent; names are formatted once per agent, and the ended
//! flags are recomputed only when the journal has recorded a new end. A walk is skipped when
//! what it reads has not been written to since the last one (the process table's and the
//! store's write counts); keys are kept with their absolute expiry, so a key that expires in
//! between reads as gone all the same. Debug builds walk anyway and check that nothing moved.

use crate::journal::Journal;
use crate::keys::{SessionId, PID_FIELD};
use asynclife_sim::rt::{kv, process};
use asynclife_sim::world::{KvStore, Pid, ProcessState, Ttl};
use asynclife_sim::Instant;
use std::cmp::Ordering;

/// One agent, as the step checks see it.
pub(crate) struct AgentEntry {
    pub(crate) pid: Pid,
    pub(crate) session: SessionId,
    pub(crate) session_key: String,
    pub(crate) pid_key: String,
    pid_text: String,
    /// Alive, or exited and not yet reaped.
    pub(crate) unreaped: bool,
    /// An end of its session was requested (it never goes back).
    pub(crate) ended: bool,
    /// `agent:{id}:pid` as of the last walk of the store.
    key: PidKey,
    /// `agent:{id}:pid` was seen holding this PID: from then on its existence is enough.
    key_verified: bool,
}

/// An agent's PID key as the store last showed it: its TTL follows from `now`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PidKey {
    Missing,
    Persistent,
    Until(Instant),
}

/// See the module docs.
#[derive(Default)]
pub(crate) struct AgentView {
    /// By PID, from `Pid::FIRST` (PIDs are handed out in spawn order); `None` for a
    /// process that is not an agent.
    agents: Vec<Option<AgentEntry>>,
    /// Indices into `agents`, in the order of their PID keys (the store's order).
    by_key: Vec<usize>,
    ends_seen: usize,
    /// Which readers have read the current snapshot: a reader that reads twice has moved
    /// on to the next step, so the snapshot is rebuilt.
    read_by: u8,
    built: bool,
    /// The process table's write count at the last walk of it.
    table_walked_at: Option<u64>,
    /// The store's write count, and the number of agents, at the last walk of the store.
    store_walked_at: Option<(u64, usize)>,
}

/// The readers of the view, one bit each.
pub(crate) const READER_DISCOVERABLE: u8 = 1;
/// See [`READER_DISCOVERABLE`].
pub(crate) const READER_KEY_TTL: u8 = 2;

impl AgentView {
    /// The agents as of this step, for `reader`.
    pub(crate) fn read(&mut self, reader: u8, journal: &Journal) -> &mut [Option<AgentEntry>] {
        if !self.built || self.read_by & reader != 0 {
            self.rebuild(journal);
            self.read_by = 0;
            self.built = true;
        }
        self.read_by |= reader;
        &mut self.agents
    }

    fn rebuild(&mut self, journal: &Journal) {
        let (agents, by_key) = (&mut self.agents, &mut self.by_key);
        let walked_at = &mut self.table_walked_at;
        process::inspect(|table, now| {
            let unchanged = *walked_at == Some(table.writes());
            if unchanged && !cfg!(debug_assertions) {
                return;
            }
            let before = unchanged.then(|| fingerprint(agents, now));
            *walked_at = Some(table.writes());
            for (i, info) in table.iter().enumerate() {
                if i == agents.len() {
                    let entry = SessionId::of_agent(info.name).map(|s| AgentEntry {
                        // An agent spawned after its session's end: no later end will
                        // prompt a recomputation.
                        ended: journal.is_ended(&s),
                        ..AgentEntry::new(info.pid, s)
                    });
                    if let Some(entry) = &entry {
                        let at = by_key.partition_point(|&j| {
                            agents[j].as_ref().expect("indexed").pid_key < entry.pid_key
                        });
                        by_key.insert(at, i);
                    }
                    agents.push(entry);
                }
                if let Some(agent) = agents[i].as_mut() {
                    agent.unreaped = !matches!(info.state, ProcessState::Reaped(_));
                }
            }
            debug_assert!(before.is_none_or(|b| b == fingerprint(agents, now)));
        });
        if journal.ends().len() != self.ends_seen {
            self.ends_seen = journal.ends().len();
            for agent in self.agents.iter_mut().flatten().filter(|a| !a.ended) {
                agent.ended = journal.is_ended(&agent.session);
            }
        }
        kv::inspect(|store, now| {
            let walked_at = (store.writes(), self.by_key.len());
            let unchanged = self.store_walked_at == Some(walked_at);
            if unchanged && !cfg!(debug_assertions) {
                return;
            }
            let before = unchanged.then(|| fingerprint(&self.agents, now));
            self.store_walked_at = Some(walked_at);
            self.read_key_ttls(store, now);
            debug_assert!(before.is_none_or(|b| b == fingerprint(&self.agents, now)));
        });
    }

    /// Every agent's PID-key TTL, in one walk over the store's `agent:` keys merged with the
    /// agents in key order (instead of one lookup per agent).
    fn read_key_ttls(&mut self, store: &KvStore, now: Instant) {
        let mut next = 0;
        for (key, _, expires_at) in store.entries(now) {
            if !key.starts_with(AGENT_PREFIX) {
                if key > AGENT_PREFIX {
                    break;
                }
                continue;
            }
            while let Some(&i) = self.by_key.get(next) {
                let agent = self.agents[i].as_mut().expect("indexed");
                match agent.pid_key.as_str().cmp(key) {
                    Ordering::Less => agent.key = PidKey::Missing,
                    Ordering::Equal => {
                        agent.key = expires_at.map_or(PidKey::Persistent, PidKey::Until)
                    }
                    Ordering::Greater => break,
                }
                next += 1;
            }
        }
        for &i in &self.by_key[next..] {
            self.agents[i].as_mut().expect("indexed").key = PidKey::Missing;
        }
    }
}

/// What the walks set, agent by agent: a skipped walk must leave the same.
/// What the view says of each agent at `now`: a key that expired since the last walk reads
/// as missing, as a walk now would find it.
fn fingerprint(agents: &[Option<AgentEntry>], now: Instant) -> Vec<Option<(bool, PidKey)>> {
    agents
        .iter()
        .map(|a| {
            a.as_ref().map(|a| {
                let key = match a.key {
                    PidKey::Until(at) if at <= now => PidKey::Missing,
                    key => key,
                };
                (a.unreaped, key)
            })
        })
        .collect()
}

/// The prefix of every PID key.
const AGENT_PREFIX: &str = "agent:";

impl AgentEntry {
    fn new(pid: Pid, session: SessionId) -> AgentEntry {
        AgentEntry {
            pid,
            session_key: session.session_key(),
            pid_key: session.pid_key(),
            pid_text: pid.to_string(),
            unreaped: true,
            ended: false,
            key: PidKey::Missing,
            key_verified: false,
            session,
        }
    }

    /// The TTL of `agent:{id}:pid` at `now`, as of the last walk of the store (a key whose
    /// expiry has come since reads as gone, as the store would show it).
    pub(crate) fn key_ttl(&self, now: Instant) -> Ttl {
        match self.key {
            PidKey::Missing => Ttl::Missing,
            PidKey::Persistent => Ttl::Persistent,
            PidKey::Until(at) if at > now => Ttl::ExpiresIn(at - now),
            PidKey::Until(_) => Ttl::Missing,
        }
    }

    /// Whether the store holds this agent's PID under its session: in `agent:{id}:pid`, or
    /// else in `session:{id}.agentPid`.
    pub(crate) fn discoverable(&mut self, store: &KvStore, now: Instant) -> bool {
        if self.key_verified && self.key_ttl(now) != Ttl::Missing {
            return true;
        }
        if store.get(&self.pid_key, now).ok().flatten().as_deref() == Some(&self.pid_text) {
            self.key_verified = true;
            return true;
        }
        let in_hash = store.hget(&self.session_key, PID_FIELD, now);
        in_hash.ok().flatten().as_deref() == Some(&self.pid_text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn key_ttls_come_from_one_merged_walk() {
        let mut view = AgentView::default();
        let sessions = [3, 1, 2, 4].map(SessionId::numbered);
        for (i, session) in sessions.iter().enumerate() {
            view.agents
                .push(Some(AgentEntry::new(Pid(1000 + i as u32), session.clone())));
        }
        view.agents.push(None);
        view.by_key = vec![1, 2, 0, 3];
        let now = Instant::from_millis(1_000);
        let mut store = KvStore::new();
        store.set("aaa", "before the agent keys", None, now);
        store.set(&sessions[1].pid_key(), "1001", None, now);
        store.set(
            &sessions[0].pid_key(),
            "1000",
            Some(Duration::from_secs(9)),
            now,
        );
        store.set("agent:s0002:other", "not a PID key", None, now);
        store.set(&sessions[2].session_key(), "after them", None, now);
        view.read_key_ttls(&store, now);
        let ttls: Vec<Ttl> = view
            .agents
            .iter()
            .flatten()
            .map(|a| a.key_ttl(now))
            .collect();
        let nine = Ttl::ExpiresIn(Duration::from_secs(9));
        assert_eq!(ttls, [nine, Ttl::Persistent, Ttl::Missing, Ttl::Missing]);
    }

    #[test]
    fn discoverable_prefers_the_standalone_key_and_falls_back_to_the_hash() {
        let mut agent = AgentEntry::new(Pid(1000), SessionId::numbered(1));
        let now = Instant::ZERO;
        let mut store = KvStore::new();
        assert!(!agent.discoverable(&store, now));
        store
            .hset(&agent.session_key, &[(PID_FIELD, "1000")], now)
            .unwrap();
        assert!(agent.discoverable(&store, now));
        assert!(!agent.key_verified);
        store.set(&agent.pid_key, "1001", None, now);
        store.del(&[agent.session_key.as_str()], now);
        assert!(!agent.discoverable(&store, now), "a wrong PID");
        store.set(&agent.pid_key, "1000", None, now);
        assert!(agent.discoverable(&store, now));
        assert!(agent.key_verified);
        // Once verified, the key's existence (its TTL as of this step) is enough...
        agent.key = PidKey::Persistent;
        store.del(&[agent.pid_key.as_str()], now);
        assert!(agent.discoverable(&store, now));
        // ...and its absence sends the check back to the store.
        agent.key = PidKey::Missing;
        assert!(!agent.discoverable(&store, now));
    }
}
