#!/usr/bin/env bash
# Makes the root filesystem of the `local` lab base image (golab.lab.baseImage = "local"), for
# machines that cannot pull `golang:` images from a registry. The extension runs it, then
# streams the directory as a tar into `docker import`.
#
#   rootfs.sh ROOTFS GOROOT SUITE MIRROR
#
# ROOTFS  empty directory to fill (root only: debootstrap creates device nodes and chowns)
# GOROOT  the host's Go toolchain, copied to /usr/local/go (the lab runs the same Go as the host)
# SUITE   the host's Debian release (VERSION_CODENAME), so gcc/libc match what cgo expects
# MIRROR  a Debian mirror URL, read by the caller from the host's apt sources: the host can
#         already reach it, which is the one network access this script is sure of.
set -euo pipefail

rootfs="$1" goroot="$2" suite="$3" mirror="$4"

command -v debootstrap >/dev/null \
  || { echo "debootstrap is not installed: run as root 'apt-get install -y debootstrap'" >&2; exit 3; }
[ "$(id -u)" = 0 ] || { echo "building the local base image needs root (debootstrap)" >&2; exit 4; }
[ -x "$goroot/bin/go" ] || { echo "no Go toolchain at $goroot" >&2; exit 5; }

# minbase: dpkg, apt and essentials only. gcc + libc6-dev because `go test -race` needs cgo;
# ca-certificates so that `golab.lab.network` downloads of modules over HTTPS work.
echo "step: debootstrap $suite"
debootstrap --variant=minbase --include=gcc,libc6-dev,ca-certificates \
  "$suite" "$rootfs" "$mirror"

echo "step: trimming the rootfs"
# Package caches and lists are only needed to install more, which the lab never does.
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* \
  "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/locale/*

echo "step: copying Go from $goroot"
mkdir -p "$rootfs/usr/local"
cp -a "$goroot" "$rootfs/usr/local/go"
echo "step: done"
