//! A webhook dispatcher, written as any tokio service is, with `use asynclife_sim::tokio;` for
//! its imports (the harness side, [`harness`], uses the engine's `rt` for its seeded draws):
//! a bounded queue, a pool of workers, retries with exponential backoff, and a graceful
//! shutdown that must account for every delivery it accepted.
//!
//! - [`dispatcher`]: the service ([`Dispatcher`]);
//! - [`ledger`]: where each accepted delivery ends (delivered, dead-lettered) and the
//!   conservation check;
//! - [`harness`]: the service as an asynclife subsystem, for the harness binary's scenarios.
//!
//! One lifecycle bug can be planted ([`Bug::LoseInFlightOnShutdown`]): a shutdown whose grace
//! ran out aborts the workers and forgets the deliveries they held.

pub mod dispatcher;
pub mod harness;
pub mod ledger;

pub use dispatcher::{Bug, Config, Delivery, Dispatcher, Endpoint};
pub use ledger::Ledger;
