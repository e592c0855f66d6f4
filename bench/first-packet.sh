#!/usr/bin/env bash
# Benchmark 6: first packet. Time from `hostnet vm start` returning to computer X's first ping
# reply from the (netns) VM, beside the same routed VM made by hand with iproute2 and the kernel's
# defaults (proxy_delay left at its default, a random 0-800 ms; no gratuitous ARP). Computer X's
# ARP cache is empty before each sample: its first packet waits for the server's proxy ARP answer.
#   bench/first-packet.sh [SAMPLES=8]
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
K=${1:-8}
need_root; build_cli
GW=169.255.30.1
lan_up
H=$P-hsrv; M=$P-msrv
lan_server "$H" 192.168.200.1
lan_server "$M" 192.168.200.2

# first_reply IP T0: seconds from T0 to computer X's first echo reply from IP (one request; it waits for ARP).
first_reply() {
  local ip=$1 t0=$2 ts
  ts=$(ip netns exec "$CX" ping -n -D -c 1 -W 3 "$ip" | sed -n 's/^\[\([0-9.]*\)\] .* bytes from.*/\1/p' | head -1)
  [ -n "$ts" ] || { echo "first-packet: no reply from $ip" >&2; exit 1; }
  awk -v a="$t0" -v b="$ts" 'BEGIN { printf "%.4f", b - a }'
}

# --- Hostnet: K netns VMs, stopped; each started in turn.
python3 - "$WORK/fp.json" "$K" "$P" <<'PY'
import json, sys
f, k, p = sys.argv[1], int(sys.argv[2]), sys.argv[3]
vms = [{"name": "fp%d" % i, "uuid": "%08x-0000-4000-8000-00000000f00d" % (0x100 + i), "guest": "netns:%s-hg%d" % (p, i), "running": False,
        "adapters": [{"network": "Routed", "ips": ["192.168.200.%d" % (100 + i)], "mac": "02:00:00:00:f0:%02x" % i}]} for i in range(1, k + 1)]
json.dump({"networks": [{"name": "Routed", "mode": "host-routed", "uplink": "eth0", "gateway": "169.255.30.1"}], "vms": vms}, open(f, "w"))
PY
HN=("$HOSTNET" --state-dir "$WORK/st" --netns "$H")
"${HN[@]}" import "$WORK/fp.json" >/dev/null
hostnet_ms=()
for ((i = 1; i <= K; i++)); do
  ip -n "$CX" neigh flush all
  "${HN[@]}" vm start "fp$i" >/dev/null; t0=$(now)
  hostnet_ms+=("$(awk -v s="$(first_reply "192.168.200.$((100 + i))" "$t0")" 'BEGIN { printf "%.2f", s * 1000 }')")
done

# --- By hand, kernel defaults: forwarding on, proxy_delay untouched, no gratuitous ARP.
ip netns exec "$M" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.send_redirects=0
hand_ms=()
for ((i = 1; i <= K; i++)); do
  ip=192.168.200.$((150 + i)); g=$P-mg$i; vme=vmef00d$(printf %04x $i).0
  ip -n "$CX" neigh flush all
  ip netns add "$g"
  ip link add "$vme" netns "$M" type veth peer name eth0 netns "$g"
  ip -n "$M" link set "$vme" up
  ip -n "$M" addr add $GW/32 dev "$vme"
  ip netns exec "$M" sysctl -qw "net/ipv4/conf/$vme/proxy_arp=1" "net/ipv4/conf/$vme/rp_filter=1"
  ip -n "$M" route add "$ip/32" dev "$vme" scope link
  mac=$(ip -n "$g" -o link show eth0 | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2)
  ip -n "$M" neigh add "$ip" lladdr "$mac" dev "$vme" nud permanent
  ip -n "$g" link set lo up; ip -n "$g" link set eth0 up
  ip -n "$g" addr add "$ip/32" dev eth0
  ip -n "$g" route add $GW dev eth0 scope link
  ip -n "$g" route add default via $GW
  ip -n "$M" neigh add proxy "$ip" dev eth0; t0=$(now)
  hand_ms+=("$(awk -v s="$(first_reply "$ip" "$t0")" 'BEGIN { printf "%.2f", s * 1000 }')")
done

echo "machine: $(machine); proxy_delay of the hand-made server: $(ip netns exec "$M" cat /proc/sys/net/ipv4/neigh/eth0/proxy_delay) (in 1/100 s: the kernel waits a random time up to that before a proxy answer)"
echo "hostnet samples (ms): ${hostnet_ms[*]}"
echo "by hand samples (ms): ${hand_ms[*]}"
report "6. first ping reply after vm start: hostnet (median of $K)" "$(median "${hostnet_ms[@]}") ms"
report "6. first ping reply after the last ip command: by hand, kernel defaults (median of $K)" "$(median "${hand_ms[@]}") ms"
report "6. first ping reply: by hand, kernel defaults (max of $K)" "$(printf '%s\n' "${hand_ms[@]}" | sort -g | tail -1) ms"
