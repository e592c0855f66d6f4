#!/usr/bin/env bash
# Before and after in one run: every end-to-end benchmark of run-all.sh, each run first with another
# build of the CLI (BEFORE: its publish directory, e.g. a worktree's .build/hostnet) and then with this
# tree's, one after the other, so that both meet the same machine and the same load. Prints one table.
#   sudo bench/compare.sh BEFORE_DIR [quick]
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[ "$(id -u)" = 0 ] || { echo "compare: run as root (the benchmarks make network namespaces)" >&2; exit 1; }
before=${1:?usage: bench/compare.sh BEFORE_DIR [quick]}
[ -x "$before/hostnet" ] || { echo "compare: $before/hostnet is not a built CLI" >&2; exit 1; }
"$here/../hostnet" --version >/dev/null || { echo "compare: the CLI did not build" >&2; exit 1; }
# shellcheck source=runs.sh
. "$here/runs.sh"
mapfile -t runs < <(bench_runs "${2:-}")
res_before=$(mktemp); res_after=$(mktemp)
trap 'rm -f "$res_before" "$res_after"' EXIT
failed=0
for r in "${runs[@]}"; do
  echo "== $r (before)"
  # shellcheck disable=SC2086
  HOSTNET_DIR=$before BENCH_RESULTS=$res_before bash "$here"/$r || { echo "compare: $r failed (before)" >&2; failed=1; }
  echo "== $r (after)"
  # shellcheck disable=SC2086
  BENCH_RESULTS=$res_after bash "$here"/$r || { echo "compare: $r failed (after)" >&2; failed=1; }
done

echo
echo "machine: $(nproc) cores, Linux $(uname -r), $(date -u +%Y-%m-%d), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| benchmark | before | after |"
echo "| --- | --- | --- |"
# Rows by name: a benchmark that failed on one side shows a dash there.
awk -F'\t' 'NR == FNR { b[$1] = $2; order[++n] = $1; next } { a[$1] = $2; if (!($1 in b)) order[++n] = $1 }
  END { for (i = 1; i <= n; i++) { k = order[i]; printf "| %s | %s | %s |\n", k, (k in b ? b[k] : "–"), (k in a ? a[k] : "–") } }' \
  "$res_before" "$res_after"
exit $failed
