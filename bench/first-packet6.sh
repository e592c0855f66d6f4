#!/usr/bin/env bash
# Benchmark 6 in IPv6: time from `hostnet vm start` returning to computer X's first ping reply
# from the (netns) VM's IPv6 address, beside the same routed VM made by hand with iproute2 and the
# kernel's defaults: net.ipv6.neigh.eth0.proxy_delay left at its default (a random 0-800 ms), no
# unsolicited neighbour advertisement; proxy_ndp and forwarding on (without them nothing answers).
# Addresses are added with nodad on both sides, so that the figure is NDP's and not the guest's own
# DAD second. Computer X's neighbour cache is empty before each sample.
#   bench/first-packet6.sh [SAMPLES=8]
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
K=${1:-8}
need_root; build_cli
GW6=fe80::ffff:1:1
lan_up
ip -n "$CX" addr add 2001:db8:200::10/64 dev eth0 nodad
H=$P-hsrv; M=$P-msrv
lan_server "$H" 192.168.200.1; ip -n "$H" addr add 2001:db8:200::1/64 dev eth0 nodad
lan_server "$M" 192.168.200.2; ip -n "$M" addr add 2001:db8:200::2/64 dev eth0 nodad

# first_reply IP T0: seconds from T0 to computer X's first echo reply from IP (one request; it waits for NDP).
first_reply() {
  local ip=$1 t0=$2 ts
  ts=$(ip netns exec "$CX" ping -6 -n -D -c 1 -W 3 "$ip" | sed -n 's/^\[\([0-9.]*\)\] .* bytes from.*/\1/p' | head -1)
  [ -n "$ts" ] || { echo "first-packet6: no reply from $ip" >&2; exit 1; }
  awk -v a="$t0" -v b="$ts" 'BEGIN { printf "%.4f", b - a }'
}

# --- Hostnet: K netns VMs, IPv6 only, stopped; each started in turn.
python3 - "$WORK/fp.json" "$K" "$P" <<'PY'
import json, sys
f, k, p = sys.argv[1], int(sys.argv[2]), sys.argv[3]
vms = [{"name": "fp%d" % i, "uuid": "%08x-0000-4000-8000-00000000f00d" % (0x100 + i), "guest": "netns:%s-hg%d" % (p, i), "running": False,
        "adapters": [{"network": "Routed", "ips": ["2001:db8:200::%x" % (0x100 + i)], "mac": "02:00:00:00:f0:%02x" % i}]} for i in range(1, k + 1)]
json.dump({"networks": [{"name": "Routed", "mode": "host-routed", "uplink": "eth0", "gateway": "169.255.30.1"}], "vms": vms}, open(f, "w"))
PY
HN=("$HOSTNET" --state-dir "$WORK/st" --netns "$H")
"${HN[@]}" import "$WORK/fp.json" >/dev/null
hostnet_ms=()
for ((i = 1; i <= K; i++)); do
  ip -n "$CX" -6 neigh flush all
  "${HN[@]}" vm start "fp$i" >/dev/null; t0=$(now)
  hostnet_ms+=("$(awk -v s="$(first_reply "2001:db8:200::$(printf %x $((0x100 + i)))" "$t0")" 'BEGIN { printf "%.2f", s * 1000 }')")
done

# --- By hand, kernel defaults: forwarding and proxy_ndp on, proxy_delay untouched, no unsolicited NA.
ip netns exec "$M" sysctl -qw net.ipv6.conf.all.forwarding=1 net.ipv6.conf.eth0.proxy_ndp=1
hand_ms=()
for ((i = 1; i <= K; i++)); do
  ip=2001:db8:200::$(printf %x $((0x200 + i))); g=$P-mg$i; vme=vmef00d$(printf %04x $i).0
  ip -n "$CX" -6 neigh flush all
  ip netns add "$g"
  ip link add "$vme" netns "$M" type veth peer name eth0 netns "$g"
  ip -n "$M" link set "$vme" up
  ip -n "$M" addr add $GW6/128 dev "$vme" nodad
  ip -n "$M" -6 route add "$ip/128" dev "$vme"
  mac=$(ip -n "$g" -o link show eth0 | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2)
  ip -n "$M" -6 neigh add "$ip" lladdr "$mac" dev "$vme" nud permanent
  ip -n "$g" link set lo up; ip -n "$g" link set eth0 up
  ip -n "$g" addr add "$ip/128" dev eth0 nodad
  ip -n "$g" -6 route add default via $GW6 dev eth0
  ip -n "$M" -6 neigh add proxy "$ip" dev eth0; t0=$(now)
  hand_ms+=("$(awk -v s="$(first_reply "$ip" "$t0")" 'BEGIN { printf "%.2f", s * 1000 }')")
done

echo "machine: $(machine); proxy_delay of the hand-made server: $(ip netns exec "$M" cat /proc/sys/net/ipv6/neigh/eth0/proxy_delay) (in 1/100 s: the kernel waits a random time up to that before a proxy answer)"
echo "hostnet samples (ms): ${hostnet_ms[*]}"
echo "by hand samples (ms): ${hand_ms[*]}"
report "6v6. first IPv6 ping reply after vm start: hostnet (median of $K)" "$(median "${hostnet_ms[@]}") ms"
report "6v6. first IPv6 ping reply after the last ip command: by hand, kernel defaults (median of $K)" "$(median "${hand_ms[@]}") ms"
report "6v6. first IPv6 ping reply: by hand, kernel defaults (max of $K)" "$(printf '%s\n' "${hand_ms[@]}" | sort -g | tail -1) ms"
