//! Appending a task's slot, join state and trace entry, built in the vector's own memory.
//!
//! `Vec::push` of a struct with fields of mixed widths builds it on the stack first (its value
//! must outlive the call that grows the buffer) and copies it in with wide loads of narrow
//! stores, which stalls the store forwarding (5.7% of the cleanup storm went there, in
//! `spawn`). Reserving first leaves no call between building the value and writing it.

/// Appends `make()` to `list`, built in the list's memory.
#[inline(always)]
pub(crate) fn push_in_place<T>(list: &mut Vec<T>, make: impl FnOnce() -> T) {
    list.reserve(1);
    list.spare_capacity_mut()[0].write(make());
    // SAFETY: the element at the old length was just written, within the capacity.
    unsafe { list.set_len(list.len() + 1) };
}
