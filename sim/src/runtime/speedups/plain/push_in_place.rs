//! Appending a task's slot, join state and trace entry, plainly: `Vec::push` (see
//! `fast/push_in_place.rs` for what the fast side saves).

/// Appends `make()` to `list`.
#[inline]
pub(crate) fn push_in_place<T>(list: &mut Vec<T>, make: impl FnOnce() -> T) {
    list.push(make());
}
