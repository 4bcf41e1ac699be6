//! The fast side of the fence: what the engine runs unless feature `plain-engine` is on. Each
//! file says what it saves and what its soundness rests on.

pub(crate) mod current;
pub(crate) mod kept;
pub(crate) mod push_in_place;
pub(crate) mod task_future;
