#!/usr/bin/env bash
# Builds the tiny QEMU test guest that proves Hostnet's tap path:
#   OUTDIR/vmlinuz            Debian's cloud kernel (linux-image-cloud-amd64)
#   OUTDIR/initramfs.cpio.gz  busybox-static + the virtio-net modules + tests/guest/init
#
#   tests/guest/build-guest.sh [OUTDIR]     (default: <repo>/.cache/guest)
#
# Both Debian packages are fetched with `apt-get download` and unpacked with
# `dpkg -x`; nothing is installed. The outputs are cached: a second run does
# nothing while they exist and are newer than this script and the init. A
# flock serialises concurrent builds (parallel test processes).
# Needs on the host: apt-get, dpkg, cpio, gzip (and zstd only if the kernel's
# modules are .ko.zst). QEMU itself: qemu-system-x86.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
out=${1:-$repo/.cache/guest}
self="$here/build-guest.sh"
init_src="$here/init"

# The modules init loads, in load order. Some may be built into the kernel:
# those are skipped (init skips a module that is not in the image).
modules=(virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci failover net_failover virtio_net)

mkdir -p "$out"
out=$(cd "$out" && pwd)

up_to_date() {
  local f
  for f in "$out/vmlinuz" "$out/initramfs.cpio.gz"; do
    [[ -s $f && $f -nt $self && $f -nt $init_src ]] || return 1
  done
}

up_to_date && exit 0

exec 9>"$out/.build.lock"
flock 9
# Another process may have built it while this one waited.
up_to_date && exit 0

work=$(mktemp -d "$out/.build.XXXXXX")
trap 'rm -rf "$work"' EXIT
log="$work/apt.log"

# apt-get download prints a harmless warning when run as root in a directory
# the _apt user cannot write; keep its chatter out of the test output.
download() {
  (cd "$work" && apt-get download "$@") >>"$log" 2>&1 || {
    cat "$log" >&2
    echo "build-guest: apt-get download $* failed (run apt-get update?)" >&2
    exit 1
  }
}

# The metapackage only depends on the real, versioned image package.
kpkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null \
  | awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }')
if [[ -z $kpkg ]]; then
  echo "build-guest: cannot resolve linux-image-cloud-amd64 to a versioned kernel package (run apt-get update?)" >&2
  exit 1
fi

download busybox-static "$kpkg"
dpkg -x "$work"/busybox-static_*.deb "$work/bb"
dpkg -x "$work"/"$kpkg"_*.deb "$work/k"

kver=${kpkg#linux-image-}
vmlinuz="$work/k/boot/vmlinuz-$kver"
moddir="$work/k/lib/modules/$kver"
[[ -f $vmlinuz && -d $moddir ]] || { echo "build-guest: $kpkg has no /boot/vmlinuz-$kver or /lib/modules/$kver" >&2; exit 1; }
bb="$work/bb/bin/busybox"
[[ -x $bb ]] || { echo "build-guest: busybox-static has no /bin/busybox" >&2; exit 1; }

root="$work/root"
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,run,etc,lib/modules}
cp "$bb" "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
install -m 0755 "$init_src" "$root/init"

# Copy each module that exists as a file, uncompressed: busybox insmod passes
# the file to init_module(2) as it is.
for m in "${modules[@]}"; do
  src=$(find "$moddir/kernel" \( -name "$m.ko" -o -name "$m.ko.xz" -o -name "$m.ko.zst" -o -name "$m.ko.gz" \) -print -quit)
  if [[ -z $src ]]; then
    grep -q "/$m.ko" "$moddir/modules.builtin" 2>/dev/null \
      || echo "build-guest: note: module $m is neither a module file nor listed as built in" >&2
    continue
  fi
  dst="$root/lib/modules/$m.ko"
  case $src in
    *.ko) cp "$src" "$dst" ;;
    *.ko.xz) "$bb" xzcat "$src" >"$dst" ;;
    *.ko.gz) "$bb" zcat "$src" >"$dst" ;;
    *.ko.zst)
      command -v zstd >/dev/null || { echo "build-guest: $src is zstd-compressed: install zstd" >&2; exit 1; }
      zstd -q -d -c "$src" >"$dst" ;;
  esac
done

# mknod needs no privilege here: devtmpfs provides the nodes at boot; the
# console node lets the kernel open /dev/console before init mounts devtmpfs
# (only when we may create it, i.e. as root).
mknod -m 600 "$root/dev/console" c 5 1 2>/dev/null || true

(cd "$root" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet) | gzip -9 >"$work/initramfs.cpio.gz"
cp "$vmlinuz" "$work/vmlinuz"

mv -f "$work/vmlinuz" "$out/vmlinuz"
mv -f "$work/initramfs.cpio.gz" "$out/initramfs.cpio.gz"
echo "$kpkg" >"$out/kernel-package"
