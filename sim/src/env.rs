//! The environment variables asynclife reads, in one place.

/// The Redis server real mode uses for `rt::kv` (`redis://127.0.0.1:6379/0`, for instance).
/// Unset: real mode keeps the store in memory. Point it at a scratch database: a real run
/// reads every key it finds there when it checks for keys left behind.
pub const ASYNCLIFE_REDIS_URL: &str = "ASYNCLIFE_REDIS_URL";
