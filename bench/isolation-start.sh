#!/usr/bin/env bash
# Isolation at start: N host-routed VMs (tap guests) started on an empty server namespace with every
# protection on (Hostnet's tables and each adapter's elements), beside the same N VMs with every
# protection off (no tables), same run, alternated REPEAT times (median).
#   bench/isolation-start.sh [N=1000] [REPEAT=3]
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
N=${1:-1000}; REPEAT=${2:-3}
need_root; build_cli

gen_import "$WORK/protected.json" "$N" host-routed
python3 - "$WORK/protected.json" "$WORK/unprotected.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for vm in d["vms"]:
    for a in vm["adapters"]: a["unprotected"] = ["mac", "addresses", "arp", "guards", "server"]
json.dump(d, open(sys.argv[2], "w"))
PY

run() {  # run FILE: seconds of hostnet apply (no probe) of FILE's VMs on a fresh server; checks the filters it made
  local file=$1 S=$P-s$RANDOM st=$WORK/st-$RANDOM t ta guests
  server_up "$S"
  "$HOSTNET" --state-dir "$st" --netns "$S" import "$file" >/dev/null
  t=$(now); "$HOSTNET" --state-dir "$st" --netns "$S" apply --no-probe >/dev/null; ta=$(since "$t")
  guests=$(ip netns exec "$S" nft -j list set inet hostnet guests 2>/dev/null | jq '[.nftables[].set.elem // empty | length] | add // 0' || echo 0)
  [ "$(ip -n "$S" -o link show | grep -c ' vme')" -eq "$N" ] || { echo "isolation-start: expected $N vme links" >&2; exit 1; }
  server_down "$S"; rm -rf "$st"
  echo "$ta $guests"
}

tp=(); tu=()
for ((r = 0; r < REPEAT; r++)); do   # alternated, so that a busy moment hits both alike
  read -r a g < <(run "$WORK/protected.json"); tp+=("$a")
  [ "$g" -eq "$N" ] || { echo "isolation-start: protected run: $g guests in the inet table, expected $N" >&2; exit 1; }
  read -r a g < <(run "$WORK/unprotected.json"); tu+=("$a")
  [ "$g" -eq 0 ] || { echo "isolation-start: unprotected run: $g guests in the inet table, expected none" >&2; exit 1; }
done
t_p=$(median "${tp[@]}"); t_u=$(median "${tu[@]}")

echo "machine: $(machine); median of $REPEAT runs"
report "iso 3. $N routed VMs started, every protection on (apply)" "${t_p}s"
report "iso 3. $N routed VMs started, every protection off (apply)" "${t_u}s"
report "iso 3. protected / unprotected" "$(ratio "$t_p" "$t_u")x"
