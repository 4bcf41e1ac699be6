//! The four reference subsystems (actions, pidclean, tasks, rag), registered as any user's
//! subsystem is: the `asynclife` binary is `cli::main(reference::SUBSYSTEMS)`.

use crate::registry::{register, Registered, Registry};

/// The reference subsystems, in catalogue order.
pub const SUBSYSTEMS: &[&dyn Registered] = &[
    register::<asynclife_actions::Actions>(),
    register::<asynclife_pidclean::PidClean>(),
    register::<asynclife_tasks::Tasks>(),
    register::<asynclife_rag::Rag>(),
];

/// A registry of the reference subsystems.
pub fn registry() -> Registry<'static> {
    Registry::new(SUBSYSTEMS)
}
