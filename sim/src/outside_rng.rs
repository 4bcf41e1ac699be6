//! The generator that seeded draws (`rt::random_*`, `select!`'s start) use outside a
//! simulation: one per thread, seeded from a fixed value, and again by each real run from its
//! seed, so that a real run's draws depend on its seed alone. Below both `rt` and `real`.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::cell::RefCell;

thread_local! {
    static OUTSIDE_RNG: RefCell<ChaCha8Rng> = RefCell::new(ChaCha8Rng::seed_from_u64(0x5eed));
}

/// Runs `f` on this thread's generator.
pub(crate) fn with<R>(f: impl FnOnce(&mut ChaCha8Rng) -> R) -> R {
    OUTSIDE_RNG.with(|rng| f(&mut rng.borrow_mut()))
}

/// Reseeds this thread's generator: a real run starts its draws afresh from its seed.
#[cfg(feature = "real")]
pub(crate) fn reseed(seed: u64) {
    OUTSIDE_RNG.with(|rng| *rng.borrow_mut() = ChaCha8Rng::seed_from_u64(seed));
}
