#!/usr/bin/env bash
# Benchmark 1 in dual stack: start N host-routed VMs (tap guests), each with an IPv4 and an IPv6
# address, on an empty server namespace: Hostnet (import + apply, with one probe window for ARP and
# DAD) beside the same kernel operations by one `ip -batch` (plus the sysctl writes).
#   bench/routed-start6.sh [N=1000]
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
N=${1:-1000}
need_root; build_cli
GW=169.255.30.1; GW6=fe80::ffff:1:1

vm_ip6() { printf '2001:db8:%x:%x::1' $(( ($1 >> 16) & 65535 )) $(( $1 & 65535 )); }

gen_import6() {
  python3 - "$1" "$2" <<'PY'
import json, sys
f, n = sys.argv[1], int(sys.argv[2])
vms = []
for i in range(1, n + 1):
    a = {"network": "Net", "ips": ["10.%d.%d.%d" % ((i >> 16) & 255, (i >> 8) & 255, i & 255), "2001:db8:%x:%x::1" % ((i >> 16) & 65535, i & 65535)],
         "mac": "02:00:%02x:%02x:%02x:%02x" % ((i >> 24) & 255, (i >> 16) & 255, (i >> 8) & 255, i & 255)}
    vms.append({"name": "vm%d" % i, "uuid": "%08x-0000-4000-8000-%012x" % (i, i), "guest": "tap", "running": True, "adapters": [a]})
json.dump({"networks": [{"name": "Net", "mode": "host-routed", "uplink": "eth0", "gateway": "169.255.30.1"}], "vms": vms}, open(f, "w"))
PY
}

# The ip twin, per VM: what Hostnet's plan holds for a dual-stack routed tap adapter, both families.
twin_batch() {
  local n=$1 out=$2 i ip ip6 vme mac
  : > "$out"
  for ((i = 1; i <= n; i++)); do
    ip=$(vm_ip $i); ip6=$(vm_ip6 $i); vme=$(printf 'vme%08x.0' $i); mac=$(printf '02:00:%02x:%02x:%02x:%02x' $((i>>24&255)) $((i>>16&255)) $((i>>8&255)) $((i&255)))
    printf 'tuntap add dev %s mode tap\nlink set %s address fe%s up\naddress add %s/32 dev %s\naddress add %s/128 dev %s nodad\nroute add %s/32 dev %s scope link\nroute add %s/128 dev %s\nneigh add %s lladdr %s dev %s nud permanent\nneigh add %s lladdr %s dev %s nud permanent\nneigh add proxy %s dev eth0\nneigh add proxy %s dev eth0\n' \
      "$vme" "$vme" "${mac:2}" "$GW" "$vme" "$GW6" "$vme" "$ip" "$vme" "$ip6" "$vme" "$ip" "$mac" "$vme" "$ip6" "$mac" "$vme" "$ip" "$ip6" >> "$out"
  done
}
twin_sysctls() {  # one shell in the namespace, builtin writes: no process per value
  local srv=$1 n=$2
  ip netns exec "$srv" bash -c '
    echo 2 > /proc/sys/net/ipv6/conf/eth0/accept_ra
    echo 1 > /proc/sys/net/ipv4/ip_forward; echo 0 > /proc/sys/net/ipv4/neigh/eth0/proxy_delay
    echo 1 > /proc/sys/net/ipv6/conf/all/forwarding; echo 1 > /proc/sys/net/ipv6/conf/all/proxy_ndp
    echo 1 > /proc/sys/net/ipv6/conf/eth0/proxy_ndp; echo 0 > /proc/sys/net/ipv6/neigh/eth0/proxy_delay
    for ((i = 1; i <= '"$n"'; i++)); do printf -v d "vme%08x.0" $i
      echo 1 > /proc/sys/net/ipv4/conf/$d/proxy_arp; echo 1 > /proc/sys/net/ipv4/conf/$d/rp_filter; echo 0 > /proc/sys/net/ipv6/conf/$d/accept_ra; done'
}

run_hostnet() {  # prints "import apply" seconds
  local S=$P-r1 st=$WORK/st-$RANDOM t ti ta
  server_up "$S"
  ip -n "$S" addr add 2001:db8:ffff::1/64 dev eth0 nodad
  t=$(now); "$HOSTNET" --state-dir "$st" --netns "$S" import "$WORK/routed6.json" >/dev/null; ti=$(since "$t")
  t=$(now); "$HOSTNET" --state-dir "$st" --netns "$S" apply >/dev/null; ta=$(since "$t")
  local proxies; proxies=$(ip -n "$S" -6 neigh show proxy | grep -c . || true)
  [ "$proxies" -eq "$N" ] || { echo "routed-start6: expected $N IPv6 proxy entries, found $proxies" >&2; exit 1; }
  server_down "$S"; rm -rf "$st"
  echo "$ti $ta"
}
run_batch() {
  local S=$P-r2 t
  server_up "$S"
  ip -n "$S" addr add 2001:db8:ffff::1/64 dev eth0 nodad
  t=$(now); ip -n "$S" -batch "$WORK/twin6.batch"; twin_sysctls "$S" "$N"; since "$t"; echo
  local proxies; proxies=$(ip -n "$S" -6 neigh show proxy | grep -c . || true)
  [ "$proxies" -eq "$N" ] || { echo "routed-start6: the twin made $proxies IPv6 proxy entries, not $N" >&2; exit 1; }
  server_down "$S"
}

gen_import6 "$WORK/routed6.json" "$N"
twin_batch "$N" "$WORK/twin6.batch"
ops=$(wc -l < "$WORK/twin6.batch")
REPEAT=${REPEAT:-1}
ti=(); ta=(); th=(); tb=()
for ((r = 0; r < REPEAT; r++)); do   # alternated, so that a busy moment hits both alike
  read -r a b < <(run_hostnet); ti+=("$a"); ta+=("$b"); th+=("$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.3f", a + b }')")
  tb+=("$(run_batch)")
done
t_import=$(median "${ti[@]}"); t_apply=$(median "${ta[@]}"); t_hostnet=$(median "${th[@]}"); t_batch=$(median "${tb[@]}")

echo "machine: $(machine); median of $REPEAT runs"
report "1v6. $N dual-stack routed VMs: hostnet import (state only)" "${t_import}s"
report "1v6. $N dual-stack routed VMs: hostnet apply (plan, one probe window, batches)" "${t_apply}s"
report "1v6. $N dual-stack routed VMs: hostnet import+apply" "${t_hostnet}s"
report "1v6. $N dual-stack routed VMs: ip -batch ($ops ops) + sysctl writes" "${t_batch}s"
report "1v6. $N dual-stack routed VMs: hostnet / ip -batch" "$(ratio "$t_hostnet" "$t_batch")x"
