#!/usr/bin/env bash
# Benchmark 7: data plane. iperf3 TCP from computer X to a routed VM and to a bridged VM (netns
# guests) on a mixed Hostnet server, beside the same world made by hand with iproute2 by the
# reference script (handmade-lab.sh: VM #1 routed .201, VM #3 bridged .203), each on a LAN of its own.
#   bench/dataplane.sh [SECONDS=10]
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
T=${1:-10}
HANDMADE=${HANDMADE:-/work/shared/lab/handmade-lab.sh}
need_root; build_cli
[ -x "$HANDMADE" ] || [ -f "$HANDMADE" ] || { echo "dataplane: the hand-made twin script is missing: set HANDMADE=…/handmade-lab.sh" >&2; exit 1; }
command -v iperf3 >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -q iperf3 >/dev/null

# --- Hostnet's world: LAN, computer X, server .1; routed VM .201 and bridged VM .203 (netns guests).
lan_up
H=$P-hsrv; mixed_lab "$H"
"$HOSTNET" --state-dir "$WORK/st" --netns "$H" apply >/dev/null

# --- The hand-made twin: its own LAN, computer X and server (namespaces $P-hm-*).
bash "$HANDMADE" up "$P-hm" >/dev/null


ip netns exec "$CX" ping -c1 -W2 192.168.200.201 >/dev/null && ip netns exec "$CX" ping -c1 -W2 192.168.200.203 >/dev/null \
  || { echo "dataplane: Hostnet's VMs do not answer" >&2; exit 1; }
r_h=$(iperf "$CX" "$P-hvm1" 192.168.200.201); r_m=$(iperf "$P-hm-cx" "$P-hm-vm1" 192.168.200.201)
b_h=$(iperf "$CX" "$P-hvm3" 192.168.200.203); b_m=$(iperf "$P-hm-cx" "$P-hm-vm3" 192.168.200.203)

echo "machine: $(machine); iperf3 TCP, ${T} s each, one stream"
report "7. routed VM: hostnet" "$r_h Gbit/s"
report "7. routed VM: by hand (handmade-lab.sh)" "$r_m Gbit/s"
report "7. routed VM: hostnet / by hand" "$(pct "$r_h" "$r_m")"
report "7. bridged VM: hostnet" "$b_h Gbit/s"
report "7. bridged VM: by hand (handmade-lab.sh)" "$b_m Gbit/s"
report "7. bridged VM: hostnet / by hand" "$(pct "$b_h" "$b_m")"
