#!/usr/bin/env bash
# Benchmark of Hostnet.Netlink against iproute2 (ip -batch, and one ip per line), as root:
# 1,000 host-routed adapters' worth of objects (6,000 operations) into fresh namespaces.
#   bench/netlink.sh [--adapters 1000] [--per-line N (default: all)] [--runs 3]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
dotnet build "$here/Hostnet.Bench.Netlink" -c Release --nologo -v quiet >/dev/null
exec dotnet "$here/Hostnet.Bench.Netlink/bin/Release/net10.0/Hostnet.Bench.Netlink.dll" "$@"
