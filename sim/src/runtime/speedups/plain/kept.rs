//! Buffers handed from one run to the next, plainly: none are kept, so every run grows its
//! own from empty (see `fast/kept.rs`).

/// Nothing is kept on the plain side.
pub(crate) fn take<T: 'static>() -> Option<T> {
    None
}

/// Drops `value`: the next run makes its own.
pub(crate) fn keep<T: 'static>(value: T) {
    drop(value);
}
