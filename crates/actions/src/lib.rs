//! asynclife-actions: the fire-and-forget action tracker of seed 000, its conversation
//! context, and the harness's checks of its lifecycle.
//!
//! A voice assistant's intent handlers start background actions (speech synthesis, audio
//! playback, timers) and return at once. [`ActionTracker::start`] spawns the action and
//! returns its [`ActionMetadata`], in one schema for every outcome; the [`Workflow`] ingests
//! it into the session's [`ConversationContext`], held by the [`ContextManager`]; when the
//! action ends (completed, failed, cancelled, timed out) the tracker's completion path
//! updates its status and moves it from the active set to the session's recent history,
//! which a [`RetentionPolicy`] bounds. Failures are classified ([`ErrorKind`]); transient
//! ones are retried with exponential backoff and jitter ([`RetryPolicy`]); a deadline
//! cancels hung actions; [`ActionTracker::cancel`] and [`ActionTracker::cancel_domain`]
//! stop actions; metrics are kept per domain and critical failures raise a
//! [`Notification`].
//!
//! The same code runs on real tokio and in the simulation: it only uses
//! [`asynclife_sim::rt`].
//!
//! ```
//! use asynclife_actions::{
//!     ActionOptions, ActionRequest, ActionStatus, ActionTracker, ContextManager,
//!     RetentionPolicy, Workflow,
//! };
//! use asynclife_sim::{rt, Sim, SimConfig, Verdict};
//! use std::time::Duration;
//!
//! let report = Sim::new(SimConfig::with_seed(1)).run(|| async {
//!     let contexts = ContextManager::new(RetentionPolicy::default());
//!     let workflow = Workflow::new(ActionTracker::new(contexts.clone()));
//!     let request = ActionRequest {
//!         session: "s1".into(),
//!         handler: "TimerHandler".into(),
//!         action: "timer-1".into(),
//!         domain: "timer".into(),
//!         options: ActionOptions::default(),
//!     };
//!     let metadata = workflow
//!         .handle_intent(request, Duration::ZERO, |_attempt| async {
//!             rt::sleep(Duration::from_secs(5)).await;
//!             Ok(())
//!         })
//!         .await;
//!     metadata.validate().unwrap();
//!     let running = contexts.snapshot("s1").unwrap();
//!     assert_eq!(running.active_actions()["timer-1"].status, ActionStatus::Running);
//!     rt::sleep(Duration::from_secs(6)).await;
//!     let done = contexts.snapshot("s1").unwrap();
//!     assert!(done.active_actions().is_empty());
//!     assert_eq!(done.recent_actions()[0].status, ActionStatus::Completed);
//!     workflow.tracker().shutdown().await;
//! });
//! assert_eq!(report.verdict, Verdict::Pass);
//! ```
//!
//! Module map:
//! - [`tracker`]: `ActionTracker` - start, cancel, metrics, shutdown; `supervisor`: the task
//!   of one action (attempts, retries, deadline); `completion`: recording a terminal status;
//!   `state`: the tracker's shared tables, which those three use; `request`: an action's
//!   key and start request; `event`: what the tracker tells an observer;
//! - [`metadata`]: the unified schema and its validation; [`error`]: classification;
//!   [`options`]: deadline and retry policy; [`metrics`]: counters and notifications;
//! - [`context`], [`manager`]: conversation contexts and their manager (and sweeper);
//! - [`workflow`]: the workflow side; [`handlers`]: the seed's action functions;
//! - [`defect`]: the variants, their catalogue and the invariants' names it cites;
//!   [`invariants`]: what must hold (a numbered list); [`ledger`]: what the workload saw;
//!   [`workload`]: the scenario driver.
//!
//! Scenarios live in `scenarios/actions/`: four for `fixed` (steady mix, timeout storm,
//! cancellation during backoff, retention churn) and one shaped for each other variant.
//!
//! # Reproducing a failure
//! A failing seed of a scenario replays exactly with the harness: `asynclife run
//! scenarios/actions/<scenario>.toml --seed <N>` (the file names the variant and the fault
//! plan). In a test, run `asynclife_sim::subsystem::run::<Actions>(SimConfig { seed,
//! faults, .. }, &workload, variant)` with the scenario's `[sim]`, `[workload]` and
//! `[faults]`: the same seed gives the same
//! [`Report::trace_hash`](asynclife_sim::Report::trace_hash), and each violation names the
//! action (`session/action`), the statuses and the virtual times involved. The crate's
//! own `tests/common` shows the loading; `tests/defects_caught.rs` the search for a first
//! failing seed.

mod completion;
pub mod context;
pub mod defect;
pub mod error;
mod event;
pub mod handlers;
pub mod invariants;
pub mod ledger;
mod lock;
pub mod manager;
pub mod metadata;
pub mod metrics;
pub mod options;
mod request;
mod state;
mod supervisor;
pub mod tracker;
mod watched;
pub mod workflow;
pub mod workload;

pub use context::{ConversationContext, RetentionPolicy};
pub use defect::{Variant, VARIANTS};
pub use error::{ActionError, ErrorKind};
pub use manager::ContextManager;
pub use metadata::{ActionInfo, ActionMetadata, ActionStatus, MetadataError, ACTIVE_ACTIONS};
pub use metrics::{DomainMetrics, Metrics, Notification};
pub use options::{ActionOptions, RetryPolicy};
pub use tracker::{ActionEvent, ActionKey, ActionRequest, ActionTracker, Observer};
pub use workflow::Workflow;
pub use workload::Workload;

use asynclife_sim::subsystem::{Subsystem, VariantInfo};
use std::future::Future;
use std::pin::Pin;

/// The actions subsystem, as the harness runs it.
pub struct Actions;

impl Subsystem for Actions {
    const NAME: &'static str = "actions";

    type Workload = Workload;
    type Variant = Variant;

    fn variants() -> &'static [VariantInfo] {
        VARIANTS
    }

    fn main(workload: Workload, variant: Variant) -> Pin<Box<dyn Future<Output = ()>>> {
        Box::pin(workload::run(workload, variant))
    }

    fn validate_workload(workload: &Workload) -> Result<(), String> {
        workload.validate()
    }

    fn shrink_workload(workload: &Workload) -> Vec<Workload> {
        workload.shrink()
    }
}
