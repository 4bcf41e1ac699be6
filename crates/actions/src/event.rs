//! What the tracker tells an observer: the events of an action's life, and the callback
//! that receives them.

use crate::metadata::ActionInfo;
use std::sync::Arc;

/// What the tracker tells an observer (monitoring, or a test's ledger), after the fact and
/// with no lock held.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ActionEvent {
    /// An action was spawned: its running info.
    Started(ActionInfo),
    /// An action reached its terminal status (a refused start included): its final info.
    Finished(ActionInfo),
}

/// A callback for [`ActionEvent`]s.
pub type Observer = Arc<dyn Fn(&ActionEvent) + Send + Sync>;
