//! `ArgError`: a command-line value that clap's types accept but the command cannot use (a
//! count of 0, an empty range, a shard past the last); clap prints it after the argument's
//! name, exit code 2.

use std::fmt;
use std::num::ParseIntError;

/// Why a value of `--seeds`, `--jobs`, `--seed-range` or `--shard` is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ArgError {
    /// A number that does not parse.
    NotANumber {
        /// The text given.
        text: String,
        /// Why it is not a number.
        source: ParseIntError,
    },
    /// A count of 0: it would run nothing and report on nothing.
    Zero,
    /// A range not written `A..B`.
    NotARange {
        /// The text given.
        text: String,
    },
    /// A range with nothing in it.
    EmptyRange {
        /// Its first seed.
        start: u64,
        /// The seed past its last.
        end: u64,
    },
    /// A shard not written `I/N`.
    NotAShard {
        /// The text given.
        text: String,
    },
    /// A shard index outside `0..N`, or `N` = 0.
    NoSuchShard {
        /// `I`.
        index: u64,
        /// `N`.
        count: u64,
    },
}

impl ArgError {
    /// `text`, parsed as a number.
    pub fn number<T: std::str::FromStr<Err = ParseIntError>>(text: &str) -> Result<T, ArgError> {
        text.parse().map_err(|source| ArgError::NotANumber {
            text: text.to_string(),
            source,
        })
    }
}

impl fmt::Display for ArgError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ArgError::NotANumber { text, source } => write!(f, "'{text}': {source}"),
            ArgError::Zero => f.write_str("must be at least 1"),
            ArgError::NotARange { text } => write!(f, "expected A..B, got '{text}'"),
            ArgError::EmptyRange { start, end } => write!(f, "the range {start}..{end} is empty"),
            ArgError::NotAShard { text } => write!(f, "expected I/N, got '{text}'"),
            ArgError::NoSuchShard { index, count } => {
                write!(f, "shard {index}/{count}: need 0 <= I < N")
            }
        }
    }
}

impl std::error::Error for ArgError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ArgError::NotANumber { source, .. } => Some(source),
            _ => None,
        }
    }
}
