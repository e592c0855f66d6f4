#!/usr/bin/env bash
# Runs every end-to-end benchmark (not part of ./test.sh) and prints their figures as the rows of
# the table in bench/README.md. Each benchmark makes and removes its own namespaces (prefix hnE2E-).
#   sudo bench/run-all.sh [quick]      quick: smaller sizes, shorter iperf runs
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[ "$(id -u)" = 0 ] || { echo "run-all: run as root (the benchmarks make network namespaces)" >&2; exit 1; }
"$here/../hostnet" --version >/dev/null || { echo "run-all: the CLI did not build" >&2; exit 1; }
export BENCH_RESULTS; BENCH_RESULTS=$(mktemp)
trap 'rm -f "$BENCH_RESULTS"' EXIT

# shellcheck source=runs.sh
. "$here/runs.sh"
mapfile -t runs < <(bench_runs "${1:-}")
failed=0
for r in "${runs[@]}"; do
  echo "== $r"
  # shellcheck disable=SC2086
  bash "$here"/$r || { echo "run-all: $r failed" >&2; failed=1; }
done

echo
echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), Linux $(uname -r), $(date -u +%Y-%m-%d)"
echo "| benchmark | figure |"
echo "| --- | --- |"
awk -F'\t' '{ printf "| %s | %s |\n", $1, $2 }' "$BENCH_RESULTS"
exit $failed
