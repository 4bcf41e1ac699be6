//! The environment variables asynclife reads, in one place.

/// The Redis server real mode uses for `rt::kv` (`redis://127.0.0.1:6379/0`, for instance).
/// Unset: real mode keeps the store in memory. Point it at a scratch database, empty when a
/// run starts: a run reads every key it finds there when it checks for keys left behind, and
/// what a run leaves (pidclean's tombstones, with their scaled TTL) meets the next run's
/// sessions, whose ids start afresh.
pub const ASYNCLIFE_REDIS_URL: &str = "ASYNCLIFE_REDIS_URL";
