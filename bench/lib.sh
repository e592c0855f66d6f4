# Shared by the end-to-end benchmarks: a lab of network namespaces of their own
# (LAN bridge, computer X, a server whose eth0 plugs into the LAN), the import
# file generator, timing, and cleanup on exit or failure. Sourced, not run.
#
# Every namespace a benchmark makes starts with $P (hnE2E-<pid>-…): cleanup
# removes exactly those. The machine's own namespace is never touched; all
# addresses live inside these namespaces.
set -euo pipefail
BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH/.." && pwd)
P=${BENCH_PREFIX:-hnE2E-$$}
LAN=$P-lan; CX=$P-cx; SRV=$P-srv
WORK=$(mktemp -d /tmp/hnE2E.XXXXXX)
HOSTNET="$WORK/cli/hostnet"   # a copy: a rebuild during a run does not change the binary under test

cleanup() {
  local rc=$?
  # Guest namespaces first, then the lab; only names with our prefix.
  { ip netns list 2>/dev/null | awk '{print $1}' | grep -F -- "$P-" | while read -r n; do ip netns del "$n" 2>/dev/null || true; done; } || true

  rm -rf "$WORK"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

need_root() { [ "$(id -u)" = 0 ] || { echo "$0: run as root (it makes network namespaces)" >&2; exit 1; }; }

# The CLI under test: this tree's (built by the launcher), or HOSTNET_DIR (another build's publish directory, for before/after).
build_cli() {
  if [ -n "${HOSTNET_DIR:-}" ]; then cp -r "$HOSTNET_DIR" "$WORK/cli"; return; fi
  "$ROOT/hostnet" --version >/dev/null; cp -r "$ROOT/.build/hostnet" "$WORK/cli"
}

# lan_up: the LAN (a bridge in $LAN) with computer X at 192.168.200.10/24.
lan_up() {
  ip netns add "$LAN"; ip netns add "$CX"
  ip -n "$LAN" link add lanbr type bridge; ip -n "$LAN" link set lanbr up
  ip link add cx-port netns "$LAN" type veth peer name eth0 netns "$CX"
  ip -n "$LAN" link set cx-port master lanbr up
  ip -n "$CX" link set lo up; ip -n "$CX" link set eth0 up; ip -n "$CX" addr add 192.168.200.10/24 dev eth0
}

# lan_server NAME ADDR: a server namespace whose eth0 plugs into the LAN, with ADDR/24 on it.
lan_server() {
  local srv=$1 addr=$2 port="p$RANDOM"
  ip netns add "$srv"
  ip link add "$port" netns "$LAN" type veth peer name eth0 netns "$srv"
  ip -n "$LAN" link set "$port" master lanbr up
  ip -n "$srv" link set lo up; ip -n "$srv" link set eth0 up
  ip -n "$srv" addr add "$addr/24" dev eth0
}

# A fresh server namespace with only the uplink (no LAN behind it): for pure kernel-programming figures.
server_up() {
  local srv=$1
  ip netns add "$srv"
  ip netns add "$srv-peer"
  ip link add eth0 netns "$srv" type veth peer name eth0 netns "$srv-peer"
  ip -n "$srv" link set lo up; ip -n "$srv" link set eth0 up; ip -n "$srv-peer" link set eth0 up
  ip -n "$srv" addr add 10.0.0.1/8 dev eth0
}

server_down() { ip netns del "$1" 2>/dev/null || true; ip netns del "$1-peer" 2>/dev/null || true; }

# The i-th VM's address in 10.0.0.0/8 (i from 1), its MAC and its host interface.
vm_ip()  { echo "10.$(( ($1 >> 16) & 255 )).$(( ($1 >> 8) & 255 )).$(( $1 & 255 ))"; }

# gen_import FILE N MODE [GUEST] [FIRST]: N VMs on network "Net" (host-routed or bridged),
# uuid 0000iiii-…, so that their host interface is vme0000iiii.0 — the same names the ip twin uses.
gen_import() {
  local file=$1 n=$2 mode=$3 guest=${4:-tap} first=${5:-1}
  python3 - "$file" "$n" "$mode" "$guest" "$first" <<'PY'
import json, sys
f, n, mode, guest, first = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])
net = {"name": "Net", "mode": mode, "uplink": "eth0"}
if mode == "bridged": net["bridge"] = "br1"
else: net["gateway"] = "169.255.30.1"
vms = []
for i in range(first, first + n):
    a = {"network": "Net", "ips": ["10.%d.%d.%d" % ((i >> 16) & 255, (i >> 8) & 255, i & 255) + ("/8" if mode == "bridged" else "")],
         "mac": "02:00:%02x:%02x:%02x:%02x" % ((i >> 24) & 255, (i >> 16) & 255, (i >> 8) & 255, i & 255)}
    vms.append({"name": "vm%d" % i, "uuid": "%08x-0000-4000-8000-%012x" % (i, i), "guest": guest, "running": True, "adapters": [a]})
json.dump({"networks": [net] if first == 1 else [], "vms": vms}, open(f, "w"))
PY
}

# now: seconds since the epoch with nanoseconds; since T0: seconds elapsed, 3 decimals.
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }

# report NAME FIGURE: one result line, also appended to $BENCH_RESULTS when set (run-all.sh collects them).
report() {
  printf '%-58s %s\n' "$1" "$2"
  if [ -n "${BENCH_RESULTS:-}" ]; then printf '%s\t%s\n' "$1" "$2" >> "$BENCH_RESULTS"; fi
}

# median V...: the middle value (the lower middle for an even count).
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# The machine: printed once by each benchmark, kept beside its figures.
machine() { echo "$(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), Linux $(uname -r); load average $(cut -d' ' -f1-3 /proc/loadavg)"; }

# mixed_lab NS: the seed's mixed server in namespace NS on the LAN (lan_up first): networks Routed and
# Bridged, routed VM vm1 (.201, netns $P-hvm1) and bridged VM vm3 (.203, netns $P-hvm3), imported running
# into $WORK/st; the caller applies.
mixed_lab() {
  lan_server "$1" 192.168.200.1
  cat > "$WORK/lab.json" <<JSON
{"networks":[{"name":"Routed","mode":"host-routed","uplink":"eth0","gateway":"169.255.30.1"},
             {"name":"Bridged","mode":"bridged","bridge":"br1","uplink":"eth0"}],
 "vms":[{"name":"vm1","uuid":"7b9a73a1-0000-4000-8000-000000000001","guest":"netns:$P-hvm1","running":true,
         "adapters":[{"network":"Routed","ips":["192.168.200.201"],"mac":"02:00:00:00:00:01"}]},
        {"name":"vm3","uuid":"7b9a73a3-0000-4000-8000-000000000003","guest":"netns:$P-hvm3","running":true,
         "adapters":[{"network":"Bridged","ips":["192.168.200.203/24"],"gateway":"192.168.200.1","mac":"02:00:00:00:00:03"}]}]}
JSON
  "$HOSTNET" --state-dir "$WORK/st" --netns "$1" import "$WORK/lab.json" >/dev/null
}

# iperf CLIENT_NS SERVER_NS ADDR [-R]: Gbit/s received, one TCP stream for $T seconds from CLIENT_NS to
# an iperf3 server at ADDR in SERVER_NS (-R: the other way).
iperf() {
  local cx=$1 vm=$2 ip=$3 out
  ip netns exec "$vm" iperf3 -s -1 -D -B "$ip" >/dev/null 2>&1
  sleep 0.3
  out=$(ip netns exec "$cx" iperf3 -c "$ip" -t "$T" -J ${4:-})
  jq -r '.end.sum_received.bits_per_second / 1e9 | . * 100 | round / 100' <<< "$out"
}
pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f%%", 100 * a / b }'; }
