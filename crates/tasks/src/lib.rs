//! asynclife-tasks: managed background tasks with a run registry, seeds 002 and 003.
//!
//! Seed 002 found an LLM service that processed responses with `asyncio.create_task(...)` and
//! never looked again: errors and panics were lost. Its fix tracked the tasks, wrapped them,
//! counted errors, capped concurrency, and added cancel-all, wait-all and a monitor. Seed 003
//! added a `RunRegistry` (QUEUED -> RUNNING -> COMPLETED / FAILED / CANCELLED) behind a
//! `BackgroundTaskManager`. Both fixes still had lifecycle bugs; this crate is the reference
//! they were aiming at, with their bugs as runtime switches, and a workload that finds them.
//!
//! # Module map
//! - [`registry`]: [`RunRegistry`], [`Run`], [`RunStatus`]: runs and their legal transitions;
//! - [`manager`]: [`TaskManager`]: spawn, cancel, `cancel_all`, `wait_all`, status, shutdown;
//! - `state`: the manager's shared state, behind its lock, which the wrapper updates;
//! - `wrapper`: the managed-task wrapper and its done path (a drop guard);
//! - `monitor`: the periodic monitor that stops at shutdown;
//! - [`status`]: snapshots and reports; [`config`]: [`ManagerConfig`];
//! - [`defect`]: [`Variant`], [`Defect`] and the catalogue;
//! - [`service`]: the seed-002-shaped LLM service the workload drives;
//! - [`probe`], [`invariants`]: the workload's witness and the seven invariants;
//! - [`workload`]: [`Workload`] and the scenario driver.
//!
//! # Using the manager
//! The same code runs on real tokio (through `asynclife_sim::rt`) and in the simulation:
//!
//! ```
//! use asynclife_sim::{rt, Sim, SimConfig, Verdict};
//! use asynclife_tasks::{ManagerConfig, Run, RunStatus, TaskManager};
//! use std::time::Duration;
//!
//! let report = Sim::new(SimConfig::with_seed(3)).run(|| async {
//!     let manager = TaskManager::new(ManagerConfig { max_concurrent: 2, ..Default::default() });
//!     manager.start_monitor();
//!     let slow = manager
//!         .spawn(Run::new("slow", "work"), async {
//!             rt::sleep(Duration::from_secs(3600)).await;
//!             Ok::<(), String>(())
//!         })
//!         .unwrap();
//!     assert!(manager.cancel(&slow));
//!     // As on tokio, the abort takes effect at the task's next turn.
//!     rt::yield_now().await;
//!     rt::sleep(Duration::from_nanos(1)).await;
//!     let status = manager.with_registry(|r| r.get(&slow).unwrap().status);
//!     assert_eq!(status, RunStatus::Cancelled);
//!     manager.shutdown().await;
//! });
//! assert_eq!(report.verdict, Verdict::Pass);
//! ```
//!
//! # Reproducing a failure
//! A seed replays exactly. From the command line, `asynclife run
//! scenarios/tasks/shutdown-under-load.toml --seed 7` (the variant is the scenario file's, or
//! the failure file's under `replay`); in a test:
//!
//! ```no_run
//! use asynclife_sim::{subsystem, SimConfig};
//! use asynclife_tasks::{Tasks, Workload};
//!
//! let config = SimConfig { seed: 7, ..SimConfig::default() }; // plus the scenario's faults
//! let report = subsystem::run::<Tasks>(config, &Workload::default(), "cancel-not-recorded")
//!     .unwrap();
//! for v in &report.violations {
//!     println!("{v}"); // names the invariant, the runs involved, and the virtual time
//! }
//! println!("{}", report.trace.to_text()); // the same text, and trace_hash, every time
//! ```

pub mod config;
pub mod defect;
pub mod invariants;
pub mod manager;
mod monitor;
pub mod probe;
pub mod registry;
pub mod service;
mod state;
pub mod status;
pub mod workload;
mod wrapper;

pub use config::ManagerConfig;
pub use defect::{Defect, Variant};
pub use manager::{SpawnError, TaskManager};
pub use registry::{RegistryError, Run, RunId, RunRegistry, RunStatus};
pub use status::{CancelReport, ShutdownReport, StatusSnapshot, TaskStatus, WaitReport};
pub use workload::{ShutdownMode, Workload};

use asynclife_sim::subsystem::{Subsystem, VariantInfo};
use std::future::Future;
use std::pin::Pin;

/// The tasks subsystem, as the harness runs it.
pub struct Tasks;

impl Subsystem for Tasks {
    const NAME: &'static str = "tasks";
    type Workload = Workload;
    type Variant = Variant;

    fn variants() -> &'static [VariantInfo] {
        defect::CATALOGUE
    }

    fn main(workload: Workload, variant: Variant) -> Pin<Box<dyn Future<Output = ()>>> {
        Box::pin(workload::drive(workload, variant))
    }

    fn validate_workload(workload: &Workload) -> Result<(), String> {
        workload.validate()
    }

    fn shrink_workload(workload: &Workload) -> Vec<Workload> {
        workload.shrink()
    }
}
