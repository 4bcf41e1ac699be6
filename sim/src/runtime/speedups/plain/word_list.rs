//! A list of words that a waker may change while the kernel's state is in use, plainly: a
//! `RefCell<Vec<T>>`, whose flag catches a re-entry in every build (see `fast/word_list.rs`).

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
