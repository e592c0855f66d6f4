#!/usr/bin/env bash
# Benchmark: the daemon's API beside the CLI, in the same run, on server namespaces of their own.
#  - N host-routed VMs (tap guests) created and started: POST /v1/vms for each (an export-shaped VM,
#    running) and one POST /v1/apply, vs. the CLI's import + apply;
#  - adapter add and remove among M adapters (M routed VMs running): the latency of each of K adds and
#    K removes, p50/p99, through the API vs. the CLI (`adapter add` / `adapter rm`, one process each).
#   bench/daemon-api.sh [N=1000] [M=10000] [K=50]
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
N=${1:-1000}; M=${2:-10000}; K=${3:-50}
need_root; build_cli
HTTP="python3 $BENCH/daemon_http.py"

DAEMON_PID=""
stop_daemon() { if [ -n "$DAEMON_PID" ]; then kill -TERM "$DAEMON_PID" 2>/dev/null || true; wait "$DAEMON_PID" 2>/dev/null || true; DAEMON_PID=""; fi; }
trap 'stop_daemon; cleanup' EXIT
# start_daemon SERVER STATE SOCKET: returns once it serves (after it has restored the state).
start_daemon() {
  "$HOSTNET" --state-dir "$2" --netns "$1" daemon --socket "$3" > "$WORK/daemon.out" 2>&1 & DAEMON_PID=$!
  while ! grep -q '^serving' "$WORK/daemon.out"; do sleep 0.05; kill -0 "$DAEMON_PID" || { cat "$WORK/daemon.out" >&2; exit 1; }; done
}
links() { ip -n "$1" -o link show | grep -c ' vme' || true; }

echo "machine: $(machine)"
gen_import "$WORK/routed.json" "$N" host-routed

# --- N VMs through the API
S=$P-a1; server_up "$S"
start_daemon "$S" "$WORK/st-a1" "$WORK/a1.sock"
t=$(now)
$HTTP "$WORK/a1.sock" post-vms "$WORK/routed.json"
$HTTP "$WORK/a1.sock" post /v1/apply > /dev/null
t_api=$(since "$t")
[ "$(links "$S")" -eq "$N" ] || { echo "daemon-api: expected $N vme links" >&2; exit 1; }
stop_daemon; server_down "$S"

# --- the same through the CLI
S=$P-a2; server_up "$S"
t=$(now)
"$HOSTNET" --state-dir "$WORK/st-a2" --netns "$S" import "$WORK/routed.json" > /dev/null
"$HOSTNET" --state-dir "$WORK/st-a2" --netns "$S" apply > /dev/null
t_cli=$(since "$t")
[ "$(links "$S")" -eq "$N" ] || { echo "daemon-api: expected $N vme links" >&2; exit 1; }
server_down "$S"
report "D. $N routed VMs: API (POST /v1/vms each, POST /v1/apply)" "${t_api}s"
report "D. $N routed VMs: CLI (import + apply)" "${t_cli}s"

# --- adapters among M
gen_import "$WORK/many.json" "$M" host-routed
S=$P-a3; server_up "$S"; ST=$WORK/st-a3
"$HOSTNET" --state-dir "$ST" --netns "$S" import "$WORK/many.json" > /dev/null
"$HOSTNET" --state-dir "$ST" --netns "$S" apply --no-probe > /dev/null
start_daemon "$S" "$ST" "$WORK/a3.sock"
read -r add50 add99 rm50 rm99 < <($HTTP "$WORK/a3.sock" adapters vm1 "$K" $((M + 100)))
stop_daemon
adds=(); rms=()
for ((i = 0; i < K; i++)); do
  ip=$(vm_ip $((M + 100 + i)))
  t=$(now); "$HOSTNET" --state-dir "$ST" --netns "$S" adapter add vm1 --network Net --ip "$ip" > /dev/null; adds+=("$(since "$t")")
  t=$(now); "$HOSTNET" --state-dir "$ST" --netns "$S" adapter rm vm1 net1 > /dev/null; rms+=("$(since "$t")")
done
server_down "$S"
p() { printf '%s\n' "${@:2}" | sort -g | awk -v q="$1" '{ v[NR] = $1 } END { i = int(q * (NR - 1) + 0.5) + 1; printf "%.1f", v[i] * 1000 }'; }
report "D. adapter add among $M (API), p50/p99 of $K" "${add50}/${add99} ms"
report "D. adapter rm among $M (API), p50/p99 of $K" "${rm50}/${rm99} ms"
report "D. adapter add among $M (CLI), p50/p99 of $K" "$(p 0.5 "${adds[@]}")/$(p 0.99 "${adds[@]}") ms"
report "D. adapter rm among $M (CLI), p50/p99 of $K" "$(p 0.5 "${rms[@]}")/$(p 0.99 "${rms[@]}") ms"
