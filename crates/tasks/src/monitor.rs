//! The periodic monitor (seed 002 #5's `_monitor_tasks`): reports the manager's status every
//! interval, and stops promptly when shutdown signals it.
//!
//! Invariant: between the stop signal and the monitor's end there is no wait longer than one
//! poll; shutdown gives it what is left of its bound, then aborts it.

use crate::config::ManagerConfig;
use crate::defect::{Defect, Variant};
use crate::status::StatusSnapshot;
use asynclife_sim::rt::{self, JoinHandle};
use asynclife_sim::Instant;
use tokio::sync::watch;

/// What the monitor reads of the manager it reports on. The manager implements it and owns
/// the running [`Monitor`], so this module depends on the manager's types, not on it.
pub(crate) trait Monitored: Send + 'static {
    /// The manager's settings (the monitor's interval).
    fn config(&self) -> &ManagerConfig;
    /// Whether the manager accepts tasks: the monitor runs as long as it does.
    fn is_accepting(&self) -> bool;
    /// The manager's status, which the monitor reports.
    fn status(&self) -> StatusSnapshot;
}

/// The running monitor: its task and its stop signal.
pub(crate) struct Monitor {
    handle: JoinHandle<()>,
    stop: watch::Sender<bool>,
}

impl Monitor {
    pub(crate) fn start(manager: impl Monitored) -> Monitor {
        let (stop, stop_rx) = watch::channel(false);
        let handle = rt::spawn("task-monitor", run(manager, stop_rx));
        Monitor { handle, stop }
    }

    pub(crate) fn is_finished(&self) -> bool {
        self.handle.is_finished()
    }

    /// Stops the monitor by `deadline` at the latest. True if it stopped by itself.
    pub(crate) async fn stop(self, variant: Variant, deadline: Instant) -> bool {
        let Monitor { mut handle, stop } = self;
        if variant.has(Defect::MonitorLag) {
            // seed 002 #5: `while self.running: ... await asyncio.sleep(60)`: no signal, the
            // loop sees the flag only when its sleep ends, and shutdown waits for it.
            let stopped = (&mut handle).await.is_ok();
            drop(stop);
            return stopped;
        }
        stop.send_replace(true);
        let budget = deadline - rt::now();
        match rt::timeout(budget, &mut handle).await {
            Ok(result) => result.is_ok(),
            Err(_) => {
                tracing::warn!("the task monitor did not stop in time; aborting it");
                handle.abort();
                // In the simulation an abort is immediate; on tokio, the next await point.
                let _ = handle.await;
                false
            }
        }
    }
}

async fn run(manager: impl Monitored, mut stop: watch::Receiver<bool>) {
    let interval = manager.config().monitor_interval();
    while manager.is_accepting() {
        let status = manager.status();
        rt::event(format!(
            "monitor: {} active ({} running, {} queued), {} errors",
            status.active_tasks, status.running, status.queued, status.error_count
        ));
        // Woken by the stop signal (or the manager's end, an error) before the period ends.
        if rt::timeout(interval, stop.changed()).await.is_ok() {
            return;
        }
    }
}
