#!/usr/bin/env bash
# Installs what the tests need from Debian's packages, when it is missing:
# ip (iproute2), ping (iputils-ping), arp -n (net-tools), pgrep/sysctl (procps):
# the tests' independent observers; qemu-system-x86 and cpio: the tiny QEMU test
# guest (its kernel and busybox are fetched with apt-get download by
# tests/guest/build-guest.sh); libvirt-clients and libxml2-utils:
# virt-xml-validate (the schemas come with libvirt0, so --no-install-recommends
# is enough); chromium: the console's tests drive it headless over the DevTools
# protocol, fonts-dejavu-core gives its pages a font; libnftables1: Hostnet's
# filters, nftables (nft), python3-scapy and tcpdump: the isolation tests'
# observers and forged packets; libvirt-daemon and libvirt-daemon-driver-qemu:
# the libvirt tests' own libvirtd (run in a lab namespace, never the host's);
# isc-dhcp-client (dhclient) and busybox (udhcpc): the stock DHCP clients of
# the DHCP tests.
set -euo pipefail
packages=(iproute2 iputils-ping net-tools procps qemu-system-x86 cpio libvirt-clients libxml2-utils chromium fonts-dejavu-core libnftables1 nftables python3-scapy tcpdump libvirt-daemon libvirt-daemon-driver-qemu isc-dhcp-client busybox)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "the tests need: ${missing[*]} (install them with apt-get as root)" >&2
  exit 1
fi
echo "installing what the tests need: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
