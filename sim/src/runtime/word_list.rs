//! A list of words that a waker may change while the kernel's state is in use: the wake list
//! and the live-waker counts, in a `RefCell` of their own, whose flag catches a re-entry.
//!
//! The closures given to [`WordList::with`] are this crate's own and call no code that could
//! reach the list again: they push, index, swap and compare plain integers. An unchecked list
//! (an `UnsafeCell`) was the engine's until the speed-ups were fenced (`speedups/`): against
//! this one it made no difference the storm bench could see (`benches/README.md`).

use std::cell::RefCell;

pub(crate) struct WordList<T> {
    words: RefCell<Vec<T>>,
}

impl<T: Copy> WordList<T> {
    pub(crate) fn new(words: Vec<T>) -> WordList<T> {
        WordList {
            words: RefCell::new(words),
        }
    }

    /// Runs `f` on the list.
    ///
    /// # Panics
    /// If `f` reaches the list again.
    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut Vec<T>) -> R) -> R {
        let mut words = self
            .words
            .try_borrow_mut()
            .unwrap_or_else(|_| panic!("a word list was re-entered"));
        f(&mut words)
    }

    pub(crate) fn into_inner(self) -> Vec<T> {
        self.words.into_inner()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_word_list_keeps_its_words_in_order() {
        let list = WordList::new(vec![1u32]);
        list.with(|words| words.push(2));
        assert_eq!(list.with(|words| words.len()), 2);
        assert_eq!(list.into_inner(), vec![1, 2]);
    }

    #[test]
    #[should_panic(expected = "re-entered")]
    fn a_word_list_entered_twice_panics() {
        let list = WordList::new(vec![0u32]);
        list.with(|_| list.with(|_| ()));
    }
}
