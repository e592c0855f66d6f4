#!/usr/bin/env bash
# Benchmark 3: start N bridged VMs (tap guests) on a server namespace whose eth0 is its LAN uplink:
# Hostnet (import + apply: bridge br1 pinned to eth0's MAC, eth0 and its address moved into it, each
# tap with a high host-side MAC enslaved and up) beside the same kernel operations in one `ip -batch`.
#   bench/bridged-start.sh [N=1000]
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
N=${1:-1000}; REPEAT=${REPEAT:-3}
need_root; build_cli

twin_batch() {  # twin_batch N OUT UPLINK_MAC
  local n=$1 out=$2 mac=$3 i
  { printf 'link add br1 address %s type bridge stp_state 0 forward_delay 0\nlink set eth0 master br1\n' "$mac"
    printf 'address del 10.0.0.1/8 dev eth0\naddress add 10.0.0.1/8 dev br1\nlink set br1 up\n'
    for ((i = 1; i <= n; i++)); do
      printf 'tuntap add dev vme%08x.0 mode tap\nlink set vme%08x.0 address fe:00:%02x:%02x:%02x:%02x master br1 up\n' \
        $i $i $((i>>24&255)) $((i>>16&255)) $((i>>8&255)) $((i&255))
    done; } > "$out"
}
run_hostnet() {
  local S=$P-b1 st=$WORK/st-$RANDOM t
  server_up "$S"
  t=$(now)
  "$HOSTNET" --state-dir "$st" --netns "$S" import "$WORK/bridged.json" >/dev/null
  "$HOSTNET" --state-dir "$st" --netns "$S" apply >/dev/null
  since "$t"; echo
  local ports; ports=$(ip -n "$S" -o link show master br1 | grep -c ' vme' || true)
  [ "$ports" -eq "$N" ] || { echo "bridged-start: expected $N ports on br1, found $ports" >&2; exit 1; }
  server_down "$S"; rm -rf "$st"
}
run_batch() {
  local S=$P-b2 t mac
  server_up "$S"
  mac=$(ip -n "$S" -o link show eth0 | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2)
  twin_batch "$N" "$WORK/bridged.batch" "$mac"
  t=$(now); ip -n "$S" -batch "$WORK/bridged.batch"; since "$t"; echo
  server_down "$S"
}

gen_import "$WORK/bridged.json" "$N" bridged
th=(); tb=()
for ((r = 0; r < REPEAT; r++)); do th+=("$(run_hostnet)"); tb+=("$(run_batch)"); done
t_h=$(median "${th[@]}"); t_b=$(median "${tb[@]}")
echo "machine: $(machine); median of $REPEAT runs"
report "3. $N bridged VMs: hostnet import+apply" "${t_h}s"
report "3. $N bridged VMs: ip -batch ($((2 * N + 5)) ops)" "${t_b}s"
report "3. $N bridged VMs: hostnet / ip -batch" "$(ratio "$t_h" "$t_b")x"
