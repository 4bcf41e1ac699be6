//! The ledger: what the workload saw happen, in order, for the invariants to hold the
//! tracker and the contexts against. The action functions record their own attempts; the
//! tracker's observer records starts and terminal statuses; the workload records its
//! requests, the metadata it got back, and the notifications it received.

use crate::error::ErrorKind;
use crate::metadata::{ActionInfo, ActionMetadata};
use crate::metrics::Notification;
use crate::options::ActionOptions;
use crate::tracker::{ActionEvent, ActionKey, ActionRequest};
use asynclife_sim::Instant;
use std::collections::BTreeMap;

/// One thing the workload saw.
#[derive(Clone, Debug, PartialEq)]
pub enum LedgerEvent {
    /// The workload asked for an action.
    Requested(ActionKey),
    /// The tracker spawned an action's task.
    Started(ActionInfo),
    /// An attempt's function began (its first poll).
    AttemptBegan {
        /// The action.
        key: ActionKey,
        /// The attempt, from 1.
        attempt: u32,
        /// When.
        at: Instant,
    },
    /// An attempt's function returned (a crashed or cancelled one never does).
    AttemptEnded {
        /// The action.
        key: ActionKey,
        /// The attempt, from 1.
        attempt: u32,
        /// When.
        at: Instant,
        /// Its result: the error's kind if it failed.
        result: Result<(), ErrorKind>,
    },
    /// The tracker recorded an action's terminal status.
    Finished(ActionInfo),
    /// `start` returned this metadata to the workflow.
    Metadata(ActionMetadata),
    /// The workload received a critical-failure notification.
    Notified(Notification),
    /// The workload called `shutdown`: the notifications end here.
    ShutdownBegan(Instant),
    /// `shutdown` returned; what was still alive then.
    ShutdownReturned {
        /// When.
        at: Instant,
        /// Attempt functions begun whose future had not been dropped yet.
        attempts_alive: usize,
        /// Entries of the tracker's live table (action tasks not dropped yet).
        live_tasks: usize,
    },
}

/// What was requested of an action: its domain and options.
#[derive(Clone, Debug, PartialEq)]
pub struct Requested {
    /// The action's domain.
    pub domain: String,
    /// Its deadline and retry policy, as requested.
    pub options: ActionOptions,
}

/// The events, in the order they happened, and indexes into them.
#[derive(Clone, Debug, Default)]
pub struct Ledger {
    events: Vec<LedgerEvent>,
    requests: BTreeMap<ActionKey, Requested>,
    started_at: BTreeMap<ActionKey, Instant>,
    /// Attempt functions begun whose future has not been dropped (the action functions'
    /// own count, independent of the tracker's).
    attempts_alive: usize,
}

impl Ledger {
    /// Every event so far, oldest first.
    pub fn events(&self) -> &[LedgerEvent] {
        &self.events
    }

    /// What was requested of `key`.
    pub fn request(&self, key: &ActionKey) -> Option<&Requested> {
        self.requests.get(key)
    }

    /// When the tracker spawned `key`'s task.
    pub fn started_at(&self, key: &ActionKey) -> Option<Instant> {
        self.started_at.get(key).copied()
    }

    /// Records a request, before it is made.
    pub fn requested(&mut self, request: &ActionRequest) {
        let key = request.key();
        self.requests.insert(
            key.clone(),
            Requested {
                domain: request.domain.clone(),
                options: request.options.clone(),
            },
        );
        self.events.push(LedgerEvent::Requested(key));
    }

    /// Records what the tracker's observer reports.
    pub fn observe(&mut self, event: &ActionEvent) {
        match event {
            ActionEvent::Started(info) => {
                self.started_at.insert(ActionKey::of(info), info.started_at);
                self.events.push(LedgerEvent::Started(info.clone()));
            }
            ActionEvent::Finished(info) => self.events.push(LedgerEvent::Finished(info.clone())),
        }
    }

    /// Records that an attempt's function began.
    pub fn attempt_began(&mut self, key: &ActionKey, attempt: u32, at: Instant) {
        self.events.push(LedgerEvent::AttemptBegan {
            key: key.clone(),
            attempt,
            at,
        });
    }

    /// Records that an attempt's function returned.
    pub fn attempt_ended(
        &mut self,
        key: &ActionKey,
        attempt: u32,
        at: Instant,
        result: Result<(), ErrorKind>,
    ) {
        self.events.push(LedgerEvent::AttemptEnded {
            key: key.clone(),
            attempt,
            at,
            result,
        });
    }

    /// Records metadata `start` returned.
    pub fn metadata(&mut self, metadata: ActionMetadata) {
        self.events.push(LedgerEvent::Metadata(metadata));
    }

    /// Records a notification received.
    pub fn notified(&mut self, notification: Notification) {
        self.events.push(LedgerEvent::Notified(notification));
    }

    /// An attempt function began; [`Ledger::attempt_dropped`] when its future goes.
    pub fn attempt_alive(&mut self) {
        self.attempts_alive += 1;
    }

    /// An attempt function's future was dropped (it returned, or its task was aborted).
    pub fn attempt_dropped(&mut self) {
        self.attempts_alive -= 1;
    }

    /// Records that the workload calls `shutdown`.
    pub fn shutdown_began(&mut self, at: Instant) {
        self.events.push(LedgerEvent::ShutdownBegan(at));
    }

    /// Records that `shutdown` returned, and what was alive then.
    pub fn shutdown_returned(&mut self, at: Instant, live_tasks: usize) {
        let attempts_alive = self.attempts_alive;
        self.events.push(LedgerEvent::ShutdownReturned {
            at,
            attempts_alive,
            live_tasks,
        });
    }
}
