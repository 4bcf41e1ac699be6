//! The plain side of the fence: the same interfaces as `fast/`, built on `Box`, `RefCell` and
//! `Vec` alone, keeping nothing from one run to the next. Feature `plain-engine` runs it, to
//! check that the fast side changes no trace; no `unsafe` here.

#![deny(unsafe_code)]

pub(crate) mod current;
pub(crate) mod kept;
pub(crate) mod push_in_place;
pub(crate) mod task_future;
