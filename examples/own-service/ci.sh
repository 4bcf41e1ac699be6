#!/usr/bin/env bash
# CI for the example user crate, as its user would run it: its tests pass; its planted-bug
# test fails with a report whose reproduce line, run as printed, reproduces the failure bit for
# bit; its own harness binary sweeps its own scenario files (the planted variant's scenario
# expects the failure, so the sweep passes).
set -euo pipefail
cd "$(dirname "$0")"
# Share the workspace's target directory: the engine is built once.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$(cd ../.. && pwd)/target/own-service}"
export ASYNCLIFE_FAILURES_DIR="$CARGO_TARGET_DIR/asynclife/failures"

cargo fmt --check
cargo clippy --all-targets --locked -- -D warnings
cargo test --locked

echo "== the planted bug fails, with a reproduce line"
if out=$(cargo test --locked --test dispatch -- --ignored planted 2>&1); then
    echo "the planted-bug test passed: the invariant missed the bug" >&2
    exit 1
fi
line=$(printf '%s\n' "$out" | sed -n 's/^reproduce: //p' | head -n 1)
[ -n "$line" ] || { printf '%s\n' "$out" >&2; echo "no reproduce line" >&2; exit 1; }
echo "reproduce: $line"

echo "== the reproduce line, run as printed, reproduces it bit for bit"
if again=$(eval "$line" 2>&1); then
    echo "the replay passed: it did not reproduce the failure" >&2
    exit 1
fi
printf '%s\n' "$again" | grep -q "replay reproduced seed .* bit for bit" || {
    printf '%s\n' "$again" >&2
    echo "the replay did not say it reproduced the run bit for bit" >&2
    exit 1
}
printf '%s\n' "$again" | grep "replay reproduced"

echo "== its own harness sweeps its own scenarios"
cargo run --locked --quiet --bin webhooks-harness -- sweep scenarios/
