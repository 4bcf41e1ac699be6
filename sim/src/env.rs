//! The environment variables asynclife reads, in one place.

/// The Redis server real mode uses for `rt::kv` (`redis://127.0.0.1:6379/0`, for instance).
/// Unset: real mode keeps the store in memory. Point it at a scratch database, empty when a
/// run starts: a run reads every key it finds there when it checks for keys left behind, and
/// what a run leaves (pidclean's tombstones, with their scaled TTL) meets the next run's
/// sessions, whose ids start afresh.
pub const ASYNCLIFE_REDIS_URL: &str = "ASYNCLIFE_REDIS_URL";

/// Run just this seed of every [`Check`](crate::Check) (madsim's `MADSIM_TEST_SEED`):
/// `ASYNCLIFE_SEED=17 cargo test name`.
pub const ASYNCLIFE_SEED: &str = "ASYNCLIFE_SEED";

/// Run this many seeds in every [`Check`](crate::Check), whatever it asks for (madsim's
/// `MADSIM_TEST_NUM`): `ASYNCLIFE_SEEDS=100000 cargo test name` for a long search.
pub const ASYNCLIFE_SEEDS: &str = "ASYNCLIFE_SEEDS";

/// Replay this failure file in the [`Check`](crate::Check) that wrote it: same seed, same
/// schedule, same faults, and the trace hash compared. The `reproduce:` line of a failure
/// sets it.
pub const ASYNCLIFE_REPLAY: &str = "ASYNCLIFE_REPLAY";

/// Where a [`Check`](crate::Check) writes its failure files (default: `asynclife/failures/`
/// in the target directory of the test binary).
pub const ASYNCLIFE_FAILURES_DIR: &str = "ASYNCLIFE_FAILURES_DIR";

/// A variable's value parsed as `T`: `Ok(None)` when unset, an error naming the variable and
/// the value when it does not parse.
pub fn parsed<T>(name: &str) -> Result<Option<T>, String>
where
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    match std::env::var(name) {
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(v)) => Err(format!("{name}={v:?}: not UTF-8")),
        Ok(text) => text
            .trim()
            .parse()
            .map(Some)
            .map_err(|e| format!("{name}={text:?}: {e}")),
    }
}

/// Run every seed of every [`Check`](crate::Check) twice and compare the traces event by
/// event (`1` or `true`): a difference is a `nondeterminism` finding naming the first event
/// that differs (madsim's `MADSIM_TEST_CHECK_DETERMINISM`).
pub const ASYNCLIFE_CHECK_DETERMINISM: &str = "ASYNCLIFE_CHECK_DETERMINISM";

/// Whether a switch variable is on: `1`, `true`, `yes` or `on` (any case); unset or anything
/// else is off.
pub fn switch(name: &str) -> bool {
    std::env::var(name).is_ok_and(|v| {
        matches!(
            v.trim().to_ascii_lowercase().as_str(),
            "1" | "true" | "yes" | "on"
        )
    })
}
