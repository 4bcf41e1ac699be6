//! The workflow side (seed 000 `voice_assistant.py`): handles an intent that starts an
//! action, ingests the returned metadata into the session's conversation context, and
//! delivers the response.

use crate::defect::Variant;
use crate::error::ActionError;
use crate::metadata::{ActionMetadata, ACTIVE_ACTIONS};
use crate::tracker::{ActionKey, ActionRequest, ActionTracker};
use asynclife_sim::rt::{self, fault};
use std::future::Future;
use std::time::Duration;

/// The fault point of delivering an intent's response (text to speech of the reply).
pub const RESPOND_POINT: &str = "workflow.respond";

/// How running actions in metadata are added to the context.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ingest {
    /// Only while the tracker still runs the action, checked under the context's lock, so
    /// that an action whose completion came first is never added back.
    IfStillRunning,
    /// As the metadata says, whatever happened since (the seed's `add_active_action`).
    AsStarted,
}

/// The voice-assistant workflow: turns intents into actions and keeps the conversation
/// context informed. Cheap to clone.
#[derive(Clone)]
pub struct Workflow {
    tracker: ActionTracker,
}

impl Workflow {
    /// A workflow starting actions on `tracker` (and running its variant).
    pub fn new(tracker: ActionTracker) -> Workflow {
        Workflow { tracker }
    }

    /// The tracker.
    pub fn tracker(&self) -> &ActionTracker {
        &self.tracker
    }

    /// Handles an intent: starts its action, records the action in the session's context,
    /// and delivers the response, which takes `response`. Returns the action's metadata.
    pub async fn handle_intent<F, Fut>(
        &self,
        request: ActionRequest,
        response: Duration,
        action_fn: F,
    ) -> ActionMetadata
    where
        F: Fn(u32) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), ActionError>> + Send + 'static,
    {
        let session = request.session.clone();
        let metadata = self.tracker.start(request, action_fn).await;
        if self.tracker.variant().has(Variant::AsDocumented) {
            // seed 000 phase 1.1 (voice_assistant.py:455): the workflow processes the intent
            // result's action metadata after the handler returned and the response went
            // out, adding each action as running; the completion callback's
            // remove_completed_action ran first and found nothing, so nothing removes it.
            self.respond(&session, response).await;
            self.ingest(&metadata, Ingest::AsStarted);
        } else {
            self.ingest(&metadata, Ingest::IfStillRunning);
            self.respond(&session, response).await;
        }
        metadata
    }

    /// Records the actions of `metadata` in their sessions' contexts: running ones as
    /// active while the tracker still runs them, finished ones (a refused start) in history.
    pub fn process_action_metadata(&self, metadata: &ActionMetadata) {
        self.ingest(metadata, Ingest::IfStillRunning);
    }

    fn ingest(&self, metadata: &ActionMetadata, how: Ingest) {
        let key = if self.tracker.variant().has(Variant::KeyMismatch) {
            // seed 000 #1 (voice_assistant.py:451): `if 'active_action' in action_metadata`,
            // singular, while creation writes 'active_actions': it never matches.
            "active_action"
        } else {
            ACTIVE_ACTIONS
        };
        let Some(section) = metadata.section(key) else {
            return;
        };
        let contexts = self.tracker.contexts();
        for info in section.values() {
            if info.status.is_terminal() {
                contexts.record_finished(info.clone());
                continue;
            }
            contexts.with_context(&info.session, |ctx| {
                let still_running = || {
                    let task = info.task_id;
                    self.tracker.running_task(&ActionKey::of(info)) == task
                };
                if how == Ingest::AsStarted || still_running() {
                    ctx.add_active_action(info.clone());
                }
            });
        }
    }

    /// Delivers an intent's response. A failed delivery is the user's loss, not the
    /// action's: it is logged.
    async fn respond(&self, session: &str, response: Duration) {
        if let Err(e) = fault::point(RESPOND_POINT).await {
            tracing::warn!(session, "response not delivered: {e}");
            return;
        }
        rt::sleep(response).await;
    }
}
