#!/usr/bin/env bash
# Isolation: the cost of Hostnet's filters (README, "Tenant isolation").
#   1. iperf3 TCP from computer X to a protected routed VM and a protected bridged VM, and from the
#      routed VM to X (its packets meet every guest rule): one stream per path, during which the server
#      alternates PAIRS times between Hostnet's tables and none, PHASE seconds each (below).
#   2. One adapter's elements added and removed (one nft transaction each way, as Hostnet sends them)
#      among 100 and among 10,000 adapters' elements in Hostnet's inet table: the same work, whatever the count.
#   3. Where perf is installed: nf_tables' share of the CPU cycles of the routed VM's iperf3 path.
#   bench/isolation.sh [PAIRS=30] [N=10000] [PHASE=2]
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
PAIRS=${1:-30}; N=${2:-10000}; PH=${3:-2}; SETTLE=0.5; T=5
need_root; build_cli
command -v iperf3 >/dev/null && command -v jq >/dev/null || { echo "isolation: needs iperf3 and jq" >&2; exit 1; }

lan_up
H=$P-hsrv; mixed_lab "$H"
"$HOSTNET" --state-dir "$WORK/st" --netns "$H" apply --no-probe >/dev/null
ip netns exec "$H" nft list tables | grep -q "inet hostnet" || { echo "isolation: Hostnet made no tables" >&2; exit 1; }


# 1. Throughput through the filters and without them, paired within one stream: one iperf3 TCP stream
#    runs for the whole measurement while the server alternates, phase by phase, between Hostnet's
#    tables (made by its apply) and none (the three tables deleted), with then without, then without
#    then with, and so on. Each phase's throughput is the bytes the vme counted over PHASE seconds,
#    after a settling pause. The stream, its CPU placement and the machine's other work are the same
#    for both phases of a pair, so each pair's own ratio compares like with like; on a shared virtual
#    machine one stream's throughput swings by ±20 % from second to second, which pairs of separate
#    runs (a stream's placement, the neighbours' load) could not resolve to the few per cent measured.
with_filters() { "$HOSTNET" --state-dir "$WORK/st" --netns "$H" apply --no-probe >/dev/null; }
without_filters() {  # (the second phase without them in a row finds them gone already)
  ip netns exec "$H" nft list tables | grep -q ' hostnet$' || return 0
  printf 'delete table %s hostnet\n' bridge inet arp | ip netns exec "$H" nft -f -
}
counter() { ip netns exec "$H" cat "/sys/class/net/$1/statistics/$2"; }
phase_gbits() {  # phase_gbits IFACE COUNTER: Gbit/s the counter moved over one phase, after settling
  local b0 t0
  sleep "$SETTLE"; b0=$(counter "$1" "$2"); t0=$(now)
  sleep "$PH"
  awk -v a="$b0" -v b="$(counter "$1" "$2")" -v t="$(since "$t0")" 'BEGIN { printf "%.2f", (b - a) * 8 / t / 1e9 }'
}
# paired CLIENT_NS SERVER_NS ADDR IFACE COUNTER [-R]: "F1 … | U1 …", the phases with and without the filters
paired() {
  local c f=() u=() i
  ip netns exec "$2" iperf3 -s -1 -D -B "$3" >/dev/null 2>&1; sleep 0.3
  ip netns exec "$1" iperf3 -c "$3" -t 86400 ${6:-} >/dev/null 2>&1 & c=$!
  sleep 1
  for i in $(seq "$PAIRS"); do
    if (( i % 2 )); then
      with_filters; f+=("$(phase_gbits "$4" "$5")"); without_filters; u+=("$(phase_gbits "$4" "$5")")
    else
      without_filters; u+=("$(phase_gbits "$4" "$5")"); with_filters; f+=("$(phase_gbits "$4" "$5")")
    fi
  done
  kill "$c" 2>/dev/null || true; wait "$c" 2>/dev/null || true
  with_filters
  echo "${f[*]} | ${u[*]}"
}
# summary "F… | U…": the median of each, the median of the pairs' own ratios, and that median's 95 %
# confidence interval (distribution-free: the order statistics n/2 ∓ 0.98·√n of the sorted ratios).
summary() {
  local f u
  f=${1%|*}; u=${1#*|}
  paste -d' ' <(tr ' ' '\n' <<< "$f" | grep .) <(tr ' ' '\n' <<< "$u" | grep .) | awk '
    { q[NR] = $1 / $2; F[NR] = $1; U[NR] = $2 }
    function med(a, n,   s, i, j, t) { for (i = 1; i <= n; i++) s[i] = a[i]
      for (i = 2; i <= n; i++) for (j = i; j > 1 && s[j-1] > s[j]; j--) { t = s[j]; s[j] = s[j-1]; s[j-1] = t }
      for (i = 1; i <= n; i++) sorted[i] = s[i]; return s[int((n + 1) / 2)] }
    END { n = NR; mf = med(F, n); mu = med(U, n); mq = med(q, n)
      lo = int(n / 2 - 0.98 * sqrt(n)); if (lo < 1) lo = 1; hi = int(n / 2 + 0.98 * sqrt(n)) + 1; if (hi > n) hi = n
      printf "%.2f|%.2f|%.0f%%|%.0f%%–%.0f%%", mf, mu, 100 * mq, 100 * sorted[lo], 100 * sorted[hi] }'
}

vme() { ip -n "$H" -o link show | grep -o "vme$1[^:@]*" | head -1; }
V1=$(vme 7b9a73a1); V3=$(vme 7b9a73a3)
r=$(summary "$(paired "$CX" "$P-hvm1" 192.168.200.201 "$V1" tx_bytes)")
o=$(summary "$(paired "$CX" "$P-hvm1" 192.168.200.201 "$V1" rx_bytes -R)")
b=$(summary "$(paired "$CX" "$P-hvm3" 192.168.200.203 "$V3" tx_bytes)")

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
if command -v perf >/dev/null; then p_r=$(nft_share); p_o=$(nft_share -R); else p_r=-; p_o=-; fi

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

echo "machine: $(machine); one iperf3 TCP stream per path, $PAIRS pairs of ${PH} s phases with and without the filters"
row() {  # row NAME "F|U|RATIO|CI"
  local f u q ci; IFS='|' read -r f u q ci <<< "$2"
  report "iso 1. $1: protected" "$f Gbit/s"
  report "iso 1. $1: no filters" "$u Gbit/s"
  report "iso 1. $1: protected / no filters" "$q (median of the pairs' ratios; 95 % interval $ci)"
}
row "routed VM" "$r"
row "routed VM to X" "$o"
row "bridged VM" "$b"
report "iso 3. nf_tables' share of the path's cycles: X to routed VM" "$p_r"
report "iso 3. nf_tables' share of the path's cycles: routed VM to X" "$p_o"
report "iso 2. one adapter in+out among 100 (2 nft transactions)" "$c_small ms"
report "iso 2. one adapter in+out among $N" "$c_large ms"
report "iso 2. among $N / among 100" "$(ratio "$c_large" "$c_small")"
