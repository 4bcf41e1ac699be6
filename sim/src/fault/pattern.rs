//! Name patterns for fault points and simulated processes: literal text with `*` wildcards.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A pattern over fault-point or process names.
///
/// `*` matches any run of characters, including none; every other character matches itself.
/// There is no escape: point and process names never contain `*`. `"kv.*"` matches `"kv.get"`
/// and `"kv."`, `"*.respond"` matches `"haystack.respond"`, `"a*b*c"` matches `"a-b-c"`, and a
/// pattern without `*` matches exactly one name.
///
/// Serialised as its text. An empty pattern parses, so that the error can name its field, and
/// is rejected by [`FaultPlan::validate`](super::FaultPlan::validate).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Pattern(String);

impl Pattern {
    /// A pattern from its text.
    pub fn new(text: impl Into<String>) -> Pattern {
        Pattern(text.into())
    }

    /// The pattern's text, as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True for the empty pattern, which matches only the empty name and is never valid.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// True when the pattern has no wildcard, so it matches exactly its own text.
    pub fn is_literal(&self) -> bool {
        !self.0.contains('*')
    }

    /// Whether `name` matches the whole pattern.
    pub fn matches(&self, name: &str) -> bool {
        wildcard_match(self.0.as_bytes(), name.as_bytes())
    }
}

/// Greedy matching with backtracking to the most recent `*`: linear for patterns with one
/// star, at worst `pattern.len() * name.len()` steps. Comparing bytes is sound for UTF-8
/// because `*` is ASCII and never part of a multi-byte character.
fn wildcard_match(pattern: &[u8], name: &[u8]) -> bool {
    let (mut p, mut n) = (0, 0);
    // After the last `*` seen: where the pattern resumes and where in `name` that star's
    // run currently ends.
    let mut last_star: Option<(usize, usize)> = None;
    while n < name.len() {
        if pattern.get(p) == Some(&b'*') {
            p += 1;
            last_star = Some((p, n));
        } else if pattern.get(p) == Some(&name[n]) {
            p += 1;
            n += 1;
        } else if let Some((resume, run_end)) = last_star {
            // Let the star swallow one more character and retry from just after it.
            p = resume;
            n = run_end + 1;
            last_star = Some((resume, n));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for Pattern {
    fn from(text: &str) -> Pattern {
        Pattern::new(text)
    }
}

impl From<String> for Pattern {
    fn from(text: String) -> Pattern {
        Pattern(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(pattern: &str, name: &str, expected: bool) {
        assert_eq!(
            Pattern::new(pattern).matches(name),
            expected,
            "pattern {pattern:?} against {name:?}"
        );
    }

    #[test]
    fn exact_name_matches_only_itself() {
        check("agent.spawn", "agent.spawn", true);
        check("agent.spawn", "agent.spawned", false);
        check("agent.spawn", "agent.spaw", false);
        check("agent.spawn", "", false);
        assert!(Pattern::new("agent.spawn").is_literal());
    }

    #[test]
    fn prefix_star() {
        check("kv.*", "kv.get", true);
        check("kv.*", "kv.", true);
        check("kv.*", "kv", false);
        check("kv.*", "xkv.get", false);
    }

    #[test]
    fn star_suffix() {
        check("*.respond", "haystack.respond", true);
        check("*.respond", ".respond", true);
        check("*.respond", "haystack.respond.now", false);
    }

    #[test]
    fn several_stars_backtrack() {
        check("a*b*c", "abc", true);
        check("a*b*c", "a-b-c", true);
        check("a*b*c", "aXbYbZc", true);
        check("a*b*c", "abcbc", true);
        check("a*b*c", "abcb", false);
        check("a*b*c", "acb", false);
        check("agent-*", "agent-7", true);
    }

    #[test]
    fn lone_star_matches_everything() {
        check("*", "", true);
        check("*", "anything.at.all", true);
        check("**", "x", true);
    }

    #[test]
    fn no_match() {
        check("redis.*", "kv.get", false);
        check("*x*", "abc", false);
        check("", "a", false);
    }

    #[test]
    fn serde_is_the_plain_text() {
        let pattern: Pattern = serde_json::from_str("\"kv.*\"").unwrap();
        assert_eq!(pattern, Pattern::new("kv.*"));
        assert_eq!(serde_json::to_string(&pattern).unwrap(), "\"kv.*\"");
    }
}
