//! The webhook dispatcher's own harness: `list`, `run`, `sweep`, `replay`, `shrink`, `zoo`
//! and `trace` over its scenario files (`cargo run --bin webhooks-harness -- sweep scenarios/`).

fn main() -> std::process::ExitCode {
    asynclife::cli::main(&[asynclife::register::<own_service::harness::Webhooks>()])
}
