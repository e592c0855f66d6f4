#!/usr/bin/env bash
# Benchmark 1: start N host-routed VMs (tap guests) on an empty server namespace,
# Hostnet (import + apply, with the ARP probe: one window) beside the same kernel
# operations by iproute2 — one `ip -batch`, and one `ip` process per operation.
#   bench/routed-start.sh [N=1000] [PER_OP_N=100]
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
N=${1:-1000}; PER_OP_N=${2:-100}
need_root; build_cli
GW=169.255.30.1

# The ip twin: per VM, tuntap add, link up with its host-side MAC (fe:…), gateway /32, route /32, permanent neighbour,
# proxy entry, then proxy_arp and rp_filter — what Hostnet's plan holds for a routed tap adapter.
twin_batch() {
  local n=$1 out=$2 i ip vme mac
  : > "$out"
  for ((i = 1; i <= n; i++)); do
    ip=$(vm_ip $i); vme=$(printf 'vme%08x.0' $i); mac=$(printf '02:00:%02x:%02x:%02x:%02x' $((i>>24&255)) $((i>>16&255)) $((i>>8&255)) $((i&255)))
    printf 'tuntap add dev %s mode tap\nlink set %s address fe%s up\naddress add %s/32 dev %s\nroute add %s/32 dev %s scope link\nneigh add %s lladdr %s dev %s nud permanent\nneigh add proxy %s dev eth0\n' \
      "$vme" "$vme" "${mac:2}" "$GW" "$vme" "$ip" "$vme" "$ip" "$mac" "$vme" "$ip" >> "$out"
  done
}
twin_sysctls() {  # one shell in the namespace, builtin writes: no process per value
  local srv=$1 n=$2
  ip netns exec "$srv" bash -c '
    echo 1 > /proc/sys/net/ipv4/ip_forward; echo 0 > /proc/sys/net/ipv4/neigh/eth0/proxy_delay
    for ((i = 1; i <= '"$n"'; i++)); do printf -v d "vme%08x.0" $i
      echo 1 > /proc/sys/net/ipv4/conf/$d/proxy_arp; echo 1 > /proc/sys/net/ipv4/conf/$d/rp_filter; done'
}

run_hostnet() {  # prints "import apply" seconds
  local S=$P-r1 st=$WORK/st-$RANDOM t ti ta
  server_up "$S"
  t=$(now); "$HOSTNET" --state-dir "$st" --netns "$S" import "$WORK/routed.json" >/dev/null; ti=$(since "$t")
  t=$(now); "$HOSTNET" --state-dir "$st" --netns "$S" apply >/dev/null; ta=$(since "$t")
  local links; links=$(ip -n "$S" -o link show | grep -c ' vme' || true)
  [ "$links" -eq "$N" ] || { echo "routed-start: expected $N vme links, found $links" >&2; exit 1; }
  server_down "$S"; rm -rf "$st"
  echo "$ti $ta"
}
run_batch() {
  local S=$P-r2 t
  server_up "$S"
  t=$(now); ip -n "$S" -batch "$WORK/twin.batch"; twin_sysctls "$S" "$N"; since "$t"; echo
  server_down "$S"
}

gen_import "$WORK/routed.json" "$N" host-routed
twin_batch "$N" "$WORK/twin.batch"
ops=$(wc -l < "$WORK/twin.batch")
REPEAT=${REPEAT:-3}
ti=(); ta=(); th=(); tb=()
for ((r = 0; r < REPEAT; r++)); do   # alternated, so that a busy moment hits both alike
  read -r a b < <(run_hostnet); ti+=("$a"); ta+=("$b"); th+=("$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.3f", a + b }')")
  tb+=("$(run_batch)")
done
t_import=$(median "${ti[@]}"); t_apply=$(median "${ta[@]}"); t_hostnet=$(median "${th[@]}"); t_batch=$(median "${tb[@]}")

# --- one ip process per operation (on PER_OP_N VMs, extrapolated linearly to N)
S=$P-r3; server_up "$S"
twin_batch "$PER_OP_N" "$WORK/perop.batch"
t=$(now)
while read -r line; do ip -n "$S" $line; done < "$WORK/perop.batch"
for ((i = 1; i <= PER_OP_N; i++)); do d=$(printf 'vme%08x.0' $i)
  ip netns exec "$S" sysctl -qw "net/ipv4/conf/$d/proxy_arp=1"; ip netns exec "$S" sysctl -qw "net/ipv4/conf/$d/rp_filter=1"; done
t_perop=$(since "$t"); t_perop_n=$(awk -v a="$t_perop" -v n="$N" -v m="$PER_OP_N" 'BEGIN { printf "%.3f", a * n / m }')
server_down "$S"

echo "machine: $(machine); median of $REPEAT runs"
report "1. $N routed VMs: hostnet import (state only)" "${t_import}s"
report "1. $N routed VMs: hostnet apply (plan, one probe window, batches)" "${t_apply}s"
report "1. $N routed VMs: hostnet import+apply" "${t_hostnet}s"
report "1. $N routed VMs: ip -batch ($ops ops) + sysctl writes" "${t_batch}s"
report "1. $N routed VMs: one ip/sysctl process per op (${PER_OP_N} VMs, x$((N / PER_OP_N)))" "${t_perop_n}s"
report "1. $N routed VMs: hostnet / ip -batch" "$(ratio "$t_hostnet" "$t_batch")x"
