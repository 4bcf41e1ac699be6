#!/usr/bin/env bash
# Engine throughput against peers: the cleanup storm in seeds per second on our engine, on
# tokio current_thread with paused time (the same code through `rt`, and the storm written
# directly against tokio), and on madsim, with the ratios, in one table.
#
#   benches/peers.sh [N ...]        (default: 10 100 1000)
#
# SEEDS_10, SEEDS_100, SEEDS_1000 (or SEEDS for every N) set how many seeds each runtime
# runs. Our engine and tokio come from `examples/storm_rate.rs` (one process, same run);
# madsim from `benches/peers/madsim-storm`, a standalone project built with
# `--cfg madsim` in its own target directory (PEERS_TARGET_DIR, default target/peers), so
# that the flag never reaches the workspace's build. The first build downloads madsim.
#
# The first table joins the sessions in completion order everywhere (our `JoinSet`, tokio's,
# and `FuturesUnordered` on madsim, which has no `JoinSet`). The second joins them in spawn
# order, one handle at a time, on our engine and on madsim: less work, the same on both.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10 100 1000)
target="${CARGO_TARGET_DIR:-$root/target}"
peers_target="${PEERS_TARGET_DIR:-$target/peers}"

echo "== building examples/storm_rate (workspace, release)" >&2
cargo build --release --quiet --example storm_rate
echo "== building benches/peers/madsim-storm (--cfg madsim, $peers_target)" >&2
RUSTFLAGS="--cfg madsim" CARGO_TARGET_DIR="$peers_target" \
    cargo build --release --quiet --manifest-path benches/peers/madsim-storm/Cargo.toml

ours="$target/release/examples/storm_rate"
madsim="$peers_target/release/madsim-storm"

seeds_for() {
    local var="SEEDS_$1"
    if [ -n "${!var:-}" ]; then echo "${!var}"
    elif [ -n "${SEEDS:-}" ]; then echo "$SEEDS"
    else case "$1" in 10) echo 10000 ;; 100) echo 2000 ;; *) echo 200 ;; esac
    fi
}

# "runtime=X ... seeds_per_second=R" lines -> "X R"
rates() { sed -n 's/^runtime=\([^ ]*\) .*seeds_per_second=\([0-9.]*\)$/\1 \2/p'; }

declare -A rate
for n in "${sizes[@]}"; do
    seeds="$(seeds_for "$n")"
    echo "== N=$n, $seeds seeds per runtime" >&2
    while read -r name r; do rate["$name/$n"]="$r"; done < <(
        "$ours" "$n" "$seeds" | rates
        "$madsim" "$n" "$seeds" | rates
    )
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }'; }

echo
echo "cleanup storm, seeds per second ($(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')):"
echo
echo "| N | asynclife | asynclife (hash only) | tokio-paused (same code) | tokio (native) | madsim | asynclife / tokio-paused | asynclife / tokio native | asynclife / madsim |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for n in "${sizes[@]}"; do
    a="${rate[asynclife/$n]}"; h="${rate[asynclife-hash-only/$n]}"
    t="${rate[tokio-paused/$n]}"; v="${rate[tokio-native/$n]}"; m="${rate[madsim/$n]}"
    printf '| %s | %.0f | %.0f | %.0f | %.0f | %.0f | %s | %s | %s |\n' "$n" "$a" "$h" "$t" "$v" "$m" \
        "$(ratio "$a" "$t")" "$(ratio "$a" "$v")" "$(ratio "$a" "$m")"
done

echo
echo "the same storm with its sessions joined in spawn order, seeds per second:"
echo
echo "| N | asynclife | madsim | asynclife / madsim |"
echo "|---:|---:|---:|---:|"
for n in "${sizes[@]}"; do
    a="${rate[asynclife-spawn-order/$n]}"; m="${rate[madsim-spawn-order/$n]}"
    printf '| %s | %.0f | %.0f | %s |\n' "$n" "$a" "$m" "$(ratio "$a" "$m")"
done
