#!/usr/bin/env bash
# Benchmark 2: attach N network-namespace guests, Hostnet (host-routed netns VMs: import + apply,
# with the ARP probe) beside the CNI `ptp` plugin with host-local IPAM (one plugin process per
# namespace, CNI_COMMAND=ADD), both into namespaces that exist beforehand (their creation is not
# timed). The plugin runs inside a server namespace of our own: its host side lands there.
#   bench/netns-start.sh [N...]   (default: 100 1000)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need_root; build_cli
SIZES=("$@"); [ ${#SIZES[@]} -gt 0 ] || SIZES=(100 1000)
if [ ! -x /usr/lib/cni/ptp ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q containernetworking-plugins >/dev/null
fi

make_guests() {  # make_guests TAG N: namespaces $P-TAG1..N with lo up
  local i
  for ((i = 1; i <= $2; i++)); do ip netns add "$P-$1$i"; done
}

echo "machine: $(machine)"
for N in "${SIZES[@]}"; do
  # --- Hostnet
  S=$P-h$N; server_up "$S"; make_guests "hg$N-" "$N"
  gen_import "$WORK/netns$N.json" "$N" host-routed "netns" 1
  # each VM into its own existing namespace
  python3 - "$WORK/netns$N.json" "$P-hg$N-" <<'PY'
import json, sys
f, prefix = sys.argv[1], sys.argv[2]
d = json.load(open(f))
for i, vm in enumerate(d["vms"], 1): vm["guest"] = "netns:%s%d" % (prefix, i)
json.dump(d, open(f, "w"))
PY
  t=$(now)
  "$HOSTNET" --state-dir "$WORK/st$N" --netns "$S" import "$WORK/netns$N.json" >/dev/null
  "$HOSTNET" --state-dir "$WORK/st$N" --netns "$S" apply >/dev/null
  t_h=$(since "$t")
  ok=$(ip netns exec "$P-hg$N-$N" ip -o addr show dev eth0 | grep -c 'inet ' || true)
  [ "$ok" -ge 1 ] || { echo "netns-start: guest $N has no address" >&2; exit 1; }

  # --- CNI ptp
  C=$P-c$N; server_up "$C"; make_guests "cg$N-" "$N"
  mkdir -p "$WORK/ipam$N"
  conf='{"cniVersion":"1.0.0","name":"hnbench","type":"ptp","ipMasq":false,"ipam":{"type":"host-local","subnet":"10.128.0.0/16","dataDir":"'"$WORK/ipam$N"'"}}'
  t=$(now)
  for ((i = 1; i <= N; i++)); do
    CNI_COMMAND=ADD CNI_CONTAINERID="hnbench$i" CNI_NETNS="/run/netns/$P-cg$N-$i" CNI_IFNAME=eth0 CNI_PATH=/usr/lib/cni \
      ip netns exec "$C" /usr/lib/cni/ptp <<< "$conf" >/dev/null
  done
  t_c=$(since "$t")
  ok=$(ip netns exec "$P-cg$N-$N" ip -o addr show dev eth0 | grep -c 'inet ' || true)
  [ "$ok" -ge 1 ] || { echo "netns-start: CNI guest $N has no address" >&2; exit 1; }

  report "2. $N netns guests: hostnet import+apply (probe on)" "${t_h}s"
  report "2. $N netns guests: CNI ptp + host-local, one ADD each" "${t_c}s"
  report "2. $N netns guests: CNI ptp / hostnet" "$(ratio "$t_c" "$t_h")x faster"
  # free the namespaces before the next size
  ip netns list | awk '{print $1}' | grep -E -- "^$P-(hg|cg)$N-" | while read -r n; do ip netns del "$n"; done
  server_down "$S"; server_down "$C"
done
