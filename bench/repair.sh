#!/usr/bin/env bash
# Benchmark: how fast the daemon's watch loop puts back what was deleted by hand, on a server namespace
# with N host-routed VMs (tap guests) that it keeps. Two figures, each beside its peer in the same run:
#  - a single route deleted (D times, a quiet spell between them) on a server of SMALL VMs (10): from the
#    kernel's deletion event to the route's new add event, both timestamped by `ip -ts monitor route`:
#    p50/p99 (every apply observes the whole server, so its cost grows with N: at N it is measured too);
#  - a flap of the uplink (eth0 down, up: the kernel flushes every proxy entry on it): from the down until
#    all N proxy entries are back, and how many applies it cost.
# The peer: `hostnet watch` of an older build (its 150 ms debounce) when OLD_HOSTNET_DIR names its publish
# directory (default /work/wt/old/.build/hostnet, when there), on the same server and state.
#   bench/repair.sh [N=1000] [D=20] [SMALL=10]
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
N=${1:-1000}; D=${2:-20}; SMALL=${3:-10}
need_root; build_cli
OLD_DIR=${OLD_HOSTNET_DIR:-/work/wt/old/.build/hostnet}
OLD=""
if [ -x "$OLD_DIR/hostnet" ]; then cp -r "$OLD_DIR" "$WORK/old"; OLD="$WORK/old/hostnet"; fi

SOCK=$WORK/h.sock
# setup K: a server of K routed VMs, applied; sets S, ST, VMS.
setup() {
  S=$P-w$1; ST=$WORK/state-$1; VMS=$1
  rm -rf "$ST" "$ST-old"; server_up "$S"
  gen_import "$WORK/routed.json" "$1" host-routed
  "$HOSTNET" --state-dir "$ST" --netns "$S" import "$WORK/routed.json" >/dev/null
  "$HOSTNET" --state-dir "$ST" --netns "$S" apply --no-probe >/dev/null
}

WATCH_PID=""
stop_watch() { if [ -n "$WATCH_PID" ]; then kill -TERM "$WATCH_PID" 2>/dev/null || true; wait "$WATCH_PID" 2>/dev/null || true; WATCH_PID=""; fi; }
trap 'stop_watch; cleanup' EXIT
start_daemon() {
  "$HOSTNET" --state-dir "$ST" --netns "$S" daemon --socket "$SOCK" > "$WORK/daemon.out" 2>&1 & WATCH_PID=$!
  while ! grep -q '^serving' "$WORK/daemon.out"; do sleep 0.05; kill -0 "$WATCH_PID" || { cat "$WORK/daemon.out" >&2; exit 1; }; done
}
start_old_watch() {  # with a state of its own making: an older build may not read a newer database
  "$OLD" --state-dir "$ST-old" --netns "$S" import "$WORK/routed.json" >/dev/null || return 1
  "$OLD" --state-dir "$ST-old" --netns "$S" apply --no-probe >/dev/null || return 1
  "$OLD" --state-dir "$ST-old" --netns "$S" watch > "$WORK/watch.out" 2>&1 & WATCH_PID=$!
  while ! grep -q '^watching' "$WORK/watch.out"; do sleep 0.05; kill -0 "$WATCH_PID" || { cat "$WORK/watch.out" >&2; return 1; }; done
  sleep 1   # its first cycle
}

# deletions LABEL: D single route deletions, each waited back, 0.3 s apart; prints "p50 p99" in ms.
deletions() {
  local mon i k ip
  ip -n "$S" -ts monitor route > "$WORK/mon.txt" & mon=$!
  sleep 0.2
  for ((i = 0; i < D; i++)); do
    k=$(( (i * 37) % VMS + 1 )); ip=$(vm_ip "$k")
    ip -n "$S" route del "$ip/32"
    until ip -n "$S" route show "$ip/32" | grep -q .; do sleep 0.005; done
    sleep 0.3
  done
  kill "$mon"; wait "$mon" 2>/dev/null || true
  python3 - "$WORK/mon.txt" <<'PY'
import re, sys, datetime
deleted, lat = {}, []
for line in open(sys.argv[1]):
    m = re.match(r"\[([^\]]+)\]\s*(Deleted )?(\S+)", line)
    if not m or not m.group(3).startswith("10."): continue
    t = datetime.datetime.fromisoformat(m.group(1)).timestamp()
    if m.group(2): deleted[m.group(3)] = t
    elif m.group(3) in deleted: lat.append((t - deleted.pop(m.group(3))) * 1000)
lat.sort()
p = lambda q: lat[min(len(lat) - 1, int(round(q * (len(lat) - 1))))]
print("%.1f %.1f %d" % (p(0.5), p(0.99), len(lat)))
PY
}

# flap: eth0 down and up; prints "seconds-until-all-proxies-back".
flap() {
  local t
  t=$(now)
  ip -n "$S" link set eth0 down; ip -n "$S" link set eth0 up
  until [ "$(ip -n "$S" neigh show proxy | grep -c ' dev eth0')" -ge "$VMS" ]; do sleep 0.005; done
  since "$t"
}

echo "machine: $(machine)"
# run WHO: deletions on the small server, deletions and a flap on the large one, by the daemon or the old watch.
run() {
  local who=$1 d50 d99 dn l50 l99 ln a0 a1 r0 r1 tf
  setup "$SMALL"
  if [ "$who" = daemon ]; then start_daemon; else start_old_watch || { server_down "$S"; return 1; }; fi
  read -r d50 d99 dn < <(deletions)
  stop_watch; server_down "$S"
  setup "$N"
  if [ "$who" = daemon ]; then start_daemon; else start_old_watch || { server_down "$S"; return 1; }; fi
  read -r l50 l99 ln < <(deletions)
  if [ "$who" = daemon ]; then a0=$(python3 "$BENCH/daemon_http.py" "$SOCK" applies); r0=$(python3 "$BENCH/daemon_http.py" "$SOCK" repairs); else a0=$(grep -c ': applied' "$WORK/watch.out" || true); fi
  tf=$(flap); sleep 2
  if [ "$who" = daemon ]; then a1=$(python3 "$BENCH/daemon_http.py" "$SOCK" applies); r1=$(python3 "$BENCH/daemon_http.py" "$SOCK" repairs); else a1=$(grep -c ': applied' "$WORK/watch.out" || true); fi
  stop_watch; server_down "$S"
  local what; [ "$who" = daemon ] && what="daemon" || what="old watch, 150 ms"
  report "R. route deleted by hand, back, $SMALL VMs ($what), p50/p99 of $dn" "${d50}/${d99} ms"
  report "R. route deleted by hand, back, $N VMs ($what), p50/p99 of $ln" "${l50}/${l99} ms"
  report "R. flap of eth0, $N proxy entries back ($what)" "${tf}s, $([ "$who" = daemon ] && echo "$((a1 - a0)) applies, $((r1 - r0)) that changed something" || echo "$((a1 - a0)) applies that changed something (its empty ones are not told)")"
}
run daemon
if [ -n "$OLD" ]; then run old || report "R. old watch (150 ms debounce)" "not run: $OLD_DIR did not start"; else report "R. old watch (150 ms debounce)" "not run: no build at $OLD_DIR"; fi
