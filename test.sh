#!/usr/bin/env bash
# The one command that runs every Hostnet test: unit tests, the codec fuzz,
# the built CLI as a process, and (as root) the kernel tests in network
# namespaces that the tests create and remove.
#   ./test.sh [extra dotnet test arguments, e.g. --filter FullyQualifiedName~Store]
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here"

# The observers the tests call (ip, ping, arp, QEMU, …): installed when missing and root.
if [ "$(id -u)" = 0 ]; then tests/install-deps.sh || exit 1; fi

# The CLI tests run the real native binary: build it first (the launcher
# rebuilds only when sources changed).
./hostnet --version >/dev/null || { echo "test.sh: the CLI did not build" >&2; exit 1; }

# This machine's own network, as an independent observer sees it: the tests must
# leave it exactly as they found it (they work only in namespaces they create).
own_network() {
  ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1 | grep -E '^(vme|br)' || true
  ip neigh show proxy 2>/dev/null || true
  ip route show proto 77 2>/dev/null || true
  ls /etc/iproute2/rt_protos.d 2>/dev/null || true
  for k in ip_forward conf/all/send_redirects neigh/default/proxy_delay; do
    echo "$k=$(cat /proc/sys/net/ipv4/$k 2>/dev/null)"
  done
}

log=$(mktemp)
trap 'rm -f "$log"' EXIT
before=$(own_network)
dotnet test Hostnet.slnx -c Release --nologo "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
after=$(own_network)
if [ "$before" != "$after" ]; then
  echo "test.sh: the tests changed this machine's own network namespace:" >&2
  diff <(echo "$before") <(echo "$after") >&2
  rc=1
fi

# One closing line for the whole suite, summed over the test projects.
awk '
  /(Passed|Failed)!  *-  *Failed:/ {
    for (i = 1; i <= NF; i++) {
      if ($i == "Failed:")  f += $(i+1) + 0
      if ($i == "Passed:")  p += $(i+1) + 0
      if ($i == "Skipped:") s += $(i+1) + 0
    }
  }
  END { printf "tests: %d passed, %d failed, %d skipped\n", p, f, s }
' "$log"
exit "$rc"
