#!/usr/bin/env bash
# Isolation: the cost of Hostnet's filters (README, "Tenant isolation").
#   1. iperf3 TCP from computer X to a protected routed VM and a protected bridged VM, and from the
#      routed VM to X (its packets meet every guest rule), then the same VMs with Hostnet's tables
#      deleted (no filters), same lab, same run: ROUNDS rounds, alternately with then without the filters
#      and without then with (Hostnet's apply makes them again), the median of each.
#   2. One adapter's elements added and removed (one nft transaction each way, as Hostnet sends them)
#      among 100 and among 10,000 adapters' elements in Hostnet's inet table: the same work, whatever the count.
#   3. Where perf is installed: nf_tables' share of the CPU cycles of the routed VM's iperf3 path, and
#   4. the CPU time per GB of that path with and without the filters (alternated rounds, medians).
#   bench/isolation.sh [SECONDS=5] [N=10000] [ROUNDS=3]
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
T=${1:-5}; N=${2:-10000}; ROUNDS=${3:-3}
need_root; build_cli
command -v iperf3 >/dev/null && command -v jq >/dev/null || { echo "isolation: needs iperf3 and jq" >&2; exit 1; }

lan_up
H=$P-hsrv; mixed_lab "$H"
"$HOSTNET" --state-dir "$WORK/st" --netns "$H" apply --no-probe >/dev/null
ip netns exec "$H" nft list tables | grep -q "inet hostnet" || { echo "isolation: Hostnet made no tables" >&2; exit 1; }


r_f=(); b_f=(); o_f=(); r_n=(); b_n=(); o_n=()
filtered() { r_f+=("$(iperf "$CX" "$P-hvm1" 192.168.200.201)"); b_f+=("$(iperf "$CX" "$P-hvm3" 192.168.200.203)"); o_f+=("$(iperf "$CX" "$P-hvm1" 192.168.200.201 -R)"); }
# The peer: the same lab without Hostnet's tables (the inet table holds the server's input too).
unfiltered() {
  ip netns exec "$H" nft delete table bridge hostnet; ip netns exec "$H" nft delete table inet hostnet; ip netns exec "$H" nft delete table arp hostnet
  r_n+=("$(iperf "$CX" "$P-hvm1" 192.168.200.201)"); b_n+=("$(iperf "$CX" "$P-hvm3" 192.168.200.203)"); o_n+=("$(iperf "$CX" "$P-hvm1" 192.168.200.201 -R)")
  "$HOSTNET" --state-dir "$WORK/st" --netns "$H" apply --no-probe >/dev/null
}
# Alternated (with, without; then without, with; …): whatever drifts during the run (the load of other
# work, the CPU's clock) falls on both sides alike.
for i in $(seq "$ROUNDS"); do
  if (( i % 2 )); then filtered; unfiltered; else unfiltered; filtered; fi
done
# Each round's pair taken together (measured minutes apart at most): the median of the rounds' ratios.
pairs() {  # pairs "F..." "N...": the median of F[i] / N[i]
  local -a f=($1) n=($2) q=(); local i
  for i in "${!f[@]}"; do q+=("$(awk -v a="${f[$i]}" -v b="${n[$i]}" 'BEGIN { printf "%.3f", a / b }')"); done
  awk -v r="$(median "${q[@]}")" 'BEGIN { printf "%.0f%%", 100 * r }'
}
r_q=$(pairs "${r_f[*]}" "${r_n[*]}"); b_q=$(pairs "${b_f[*]}" "${b_n[*]}"); o_q=$(pairs "${o_f[*]}" "${o_n[*]}")
r_f=$(median "${r_f[@]}"); b_f=$(median "${b_f[@]}"); o_f=$(median "${o_f[@]}")
r_n=$(median "${r_n[@]}"); b_n=$(median "${b_n[@]}"); o_n=$(median "${o_n[@]}")

# 3. Where perf is installed: the filters' share of the path's own cycles, which other work on the machine
#    does not blur as it blurs throughput. perf samples every CPU while iperf3 runs through the filters; the
#    packets are forwarded in the senders' and receivers' own context (veths), so the iperf3 processes'
#    samples are the path, and nft_do_chain with what it calls (Hostnet's chains) is the filters' part of it.
nft_share() {  # nft_share [-R]: nft_do_chain's share of the iperf3 processes' cycles
  local vm=$P-hvm1 out
  ip netns exec "$vm" iperf3 -s -1 -D -B 192.168.200.201 >/dev/null 2>&1; sleep 0.3
  ip netns exec "$CX" iperf3 -c 192.168.200.201 -t $(( T + 2 )) ${1:-} >/dev/null &
  sleep 1
  perf record -a -g -o "$WORK/perf.data" -- sleep "$T" >/dev/null 2>&1
  wait
  out=$(perf report -i "$WORK/perf.data" --comms iperf3 --children --percentage relative --sort sym --stdio 2>/dev/null \
    | awk '$NF == "nft_do_chain" && $1 ~ /%$/ { print $1; exit }')
  echo "${out:-none sampled}"
}
# 4. Where perf is installed: the CPU time both iperf3 processes (and the forwarding done in their context)
#    spend per GB moved, with and without the filters, alternated like 1: the cost itself, not the
#    throughput that other work on the machine blurs.
cpu_per_gb() {  # cpu_per_gb [-R]: ms of CPU per GB, client and server together
  local s c ms gb
  ip netns exec "$P-hvm1" iperf3 -s -1 -B 192.168.200.201 >/dev/null 2>&1 & s=$!
  sleep 0.3
  ip netns exec "$CX" iperf3 -c 192.168.200.201 -t $(( T + 1 )) ${1:-} -J > "$WORK/cpb.json" & c=$!
  sleep 0.5
  perf stat -e task-clock -x, -p "$s,$c" -o "$WORK/cpb.txt" -- sleep "$T" >/dev/null 2>&1
  wait "$c"; wait "$s" 2>/dev/null || true
  ms=$(awk -F, '/task-clock/ { print $1 }' "$WORK/cpb.txt")
  gb=$(jq --argjson t "$T" '.end.sum_received.bits_per_second / 8e9 * $t' "$WORK/cpb.json")
  awk -v m="$ms" -v g="$gb" 'BEGIN { printf "%.0f", m / g }'
}
if command -v perf >/dev/null; then
  p_r=$(nft_share); p_o=$(nft_share -R)
  cf=(); cn=(); cfr=(); cnr=()
  for i in $(seq "$ROUNDS"); do
    (( i % 2 )) && { cf+=("$(cpu_per_gb)"); cfr+=("$(cpu_per_gb -R)"); }
    for f in bridge inet arp; do ip netns exec "$H" nft delete table "$f" hostnet; done
    cn+=("$(cpu_per_gb)"); cnr+=("$(cpu_per_gb -R)")
    "$HOSTNET" --state-dir "$WORK/st" --netns "$H" apply --no-probe >/dev/null
    (( i % 2 )) || { cf+=("$(cpu_per_gb)"); cfr+=("$(cpu_per_gb -R)"); }
  done
  c_f=$(median "${cf[@]}"); c_n=$(median "${cn[@]}"); c_fr=$(median "${cfr[@]}"); c_nr=$(median "${cnr[@]}")
else p_r=-; p_o=-; c_f=0; c_n=0; c_fr=0; c_nr=0; fi

# 2. Hostnet's inet table as it made it (empty sets), in a namespace of its own, filled with K adapters' elements.
ip netns exec "$H" nft -t list table inet hostnet > "$WORK/skeleton.nft"
elements() {  # elements FIRST COUNT: each adapter's eight elements, as Hostnet adds them
  awk -v f="$1" -v n="$2" 'BEGIN { for (i = f; i < f + n; i++) {
    v = sprintf("\"vme%08x.0\"", i); m = sprintf("02:00:%02x:%02x:%02x:%02x", int(i/16777216)%256, int(i/65536)%256, int(i/256)%256, i%256)
    a = sprintf("10.%d.%d.%d", int(i/65536)%256, int(i/256)%256, i%256)
    printf "add element inet hostnet mac { %s . %s }\nadd element inet hostnet addr4 { %s . %s }\n", v, m, v, a
    printf "add element inet hostnet ident4 { %s . %s . %s }\nadd element inet hostnet guests { %s }\n", v, m, a, v
    printf "add element inet hostnet mac_on { %s }\nadd element inet hostnet addr_on { %s }\nadd element inet hostnet guards_on { %s }\nadd element inet hostnet server_on { %s }\n", v, v, v, v } }'
}
change_ms() {  # change_ms K: median ms of one adapter's elements added then deleted (one transaction each), among K
  local ns=$P-nft$1 t0 times=()
  ip netns add "$ns"; ip netns exec "$ns" nft -f "$WORK/skeleton.nft"
  elements 1 "$1" > "$WORK/fill.nft"; ip netns exec "$ns" nft -f "$WORK/fill.nft"
  elements 999999 1 > "$WORK/one.nft"; sed 's/^add /delete /' "$WORK/one.nft" > "$WORK/one-del.nft"
  for _ in 1 2 3 4 5 6 7 8 9; do
    t0=$(now); ip netns exec "$ns" nft -f "$WORK/one.nft"; ip netns exec "$ns" nft -f "$WORK/one-del.nft"
    times+=("$(awk -v s="$(since "$t0")" 'BEGIN { printf "%.1f", s * 1000 }')")
  done
  ip netns del "$ns"
  median "${times[@]}"
}
c_small=$(change_ms 100); c_large=$(change_ms "$N")

echo "machine: $(machine); iperf3 TCP, ${T} s each, one stream, median of $ROUNDS rounds"
report "iso 1. routed VM: protected" "$r_f Gbit/s"
report "iso 1. routed VM: no filters" "$r_n Gbit/s"
report "iso 1. routed VM: protected / no filters" "$(pct "$r_f" "$r_n") (median of the rounds' own ratios: $r_q)"
report "iso 1. routed VM to X: protected" "$o_f Gbit/s"
report "iso 1. routed VM to X: no filters" "$o_n Gbit/s"
report "iso 1. routed VM to X: protected / no filters" "$(pct "$o_f" "$o_n") (median of the rounds' own ratios: $o_q)"
report "iso 1. bridged VM: protected" "$b_f Gbit/s"
report "iso 1. bridged VM: no filters" "$b_n Gbit/s"
report "iso 1. bridged VM: protected / no filters" "$(pct "$b_f" "$b_n") (median of the rounds' own ratios: $b_q)"
report "iso 3. nf_tables' share of the path's cycles: X to routed VM" "$p_r"
report "iso 3. nf_tables' share of the path's cycles: routed VM to X" "$p_o"
report "iso 4. CPU per GB, X to routed VM: protected" "$c_f ms"
report "iso 4. CPU per GB, X to routed VM: no filters" "$c_n ms"
report "iso 4. CPU per GB, X to routed VM: no filters / protected" "$(ratio "$c_n" "$c_f")"
report "iso 4. CPU per GB, routed VM to X: protected" "$c_fr ms"
report "iso 4. CPU per GB, routed VM to X: no filters" "$c_nr ms"
report "iso 4. CPU per GB, routed VM to X: no filters / protected" "$(ratio "$c_nr" "$c_fr")"
report "iso 2. one adapter in+out among 100 (2 nft transactions)" "$c_small ms"
report "iso 2. one adapter in+out among $N" "$c_large ms"
report "iso 2. among $N / among 100" "$(ratio "$c_large" "$c_small")"
