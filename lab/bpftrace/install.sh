#!/usr/bin/env bash
# Installs a bpftrace that can put uprobes on a Go function's RET instructions, which is how
# golab's probes time calls without uretprobes (those crash Go programs). Debian 12's
# bpftrace 0.17 is built without uprobe offset support (`bpftrace --info` says `bfd: no`),
# so this unpacks Debian 13's bpftrace package and the libraries it links against into a
# private prefix, and writes a launcher that runs it on that prefix's own C library. No
# system package is installed, upgraded or removed, and the system's apt sources are not
# changed: the packages are fetched with a private apt configuration from the same Debian
# archive the system's sources name.
#
# Usage (as root): lab/bpftrace/install.sh
#   GOLAB_BPFTRACE_PREFIX    where to unpack   (default /opt/golab/bpftrace)
#   GOLAB_BPFTRACE_LAUNCHER  the launcher      (default /usr/local/bin/bpftrace, ahead of
#                                               /usr/bin on the usual PATH)
# Idempotent: a launcher that already reports offset support is kept.
set -euo pipefail

PREFIX="${GOLAB_BPFTRACE_PREFIX:-/opt/golab/bpftrace}"
LAUNCHER="${GOLAB_BPFTRACE_LAUNCHER:-/usr/local/bin/bpftrace}"
SUITE="trixie"

say() { printf 'bpftrace: %s\n' "$*"; }
die() { printf 'bpftrace: ERROR: %s\n' "$*" >&2; exit 1; }

# `--info` writes to stderr; read it whole (grep -q would close the pipe early under pipefail).
has_offsets() { local info; info="$("$1" --info 2>&1 || true)"; [[ "$info" =~ bfd:[[:space:]]*yes ]]; }

if [ -x "$LAUNCHER" ] && [ -x "$PREFIX/bpftrace" ] && has_offsets "$LAUNCHER"; then
  say "present: $LAUNCHER ($("$LAUNCHER" --version 2>/dev/null))"
  exit 0
fi
[ "$(id -u)" = 0 ] || die "run as root (it writes $PREFIX and $LAUNCHER)"
command -v apt-get >/dev/null && [ -f /etc/debian_version ] || die "needs Debian's apt; elsewhere install bpftrace >= 0.20 built with offset support (bpftrace --info: bfd: yes)"
[ "$(dpkg --print-architecture)" = amd64 ] || die "only amd64 is supported (golab's probes read Go's amd64 registers)"

# The archive the system already uses (deb822 or one-line sources).
uri="$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)"
[ -n "$uri" ] || uri="$(awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' /etc/apt/sources.list 2>/dev/null || true)"
[ -n "$uri" ] || die "no Debian archive found in /etc/apt/sources.list(.d)"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/debs"
: > "$work/status"
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri $SUITE main" > "$work/sources.list"
APT=(-o "Dir::Etc::SourceList=$work/sources.list" -o "Dir::Etc::SourceParts=$work/none"
     -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache" -o "Dir::State::status=$work/status"
     -o "Debug::NoLocking=1" -o "APT::Sandbox::User=root")

say "reading Debian $SUITE's package lists (private apt configuration)"
apt-get "${APT[@]}" update -qq >/dev/null || die "apt-get update for $SUITE failed"

# bpftrace and everything it depends on, recursively (with an empty status nothing counts as
# installed, so the closure is complete: the launcher uses none of the system's libraries).
mapfile -t pkgs < <(apt-cache "${APT[@]}" depends --recurse --no-recommends --no-suggests --no-conflicts \
  --no-breaks --no-replaces --no-enhances bpftrace | grep -E '^[a-z0-9]' | sort -u)
[ "${#pkgs[@]}" -gt 0 ] || die "could not resolve bpftrace's dependencies in $SUITE"
say "fetching ${#pkgs[@]} packages"
(cd "$work/debs" && apt-get "${APT[@]}" download "${pkgs[@]}" >/dev/null 2>"$work/download.log") \
  || { cat "$work/download.log" >&2; die "download failed"; }

rm -rf "$PREFIX.new"
mkdir -p "$PREFIX.new/root"
for deb in "$work"/debs/*.deb; do dpkg-deb -x "$deb" "$PREFIX.new/root"; done
rm -rf "$PREFIX"
mv "$PREFIX.new" "$PREFIX"

lib="$PREFIX/root/usr/lib/x86_64-linux-gnu"
[ -x "$lib/ld-linux-x86-64.so.2" ] && [ -x "$PREFIX/root/usr/bin/bpftrace" ] || die "the unpacked packages lack bpftrace or the dynamic loader"
# Two identical launchers: one on PATH, and one inside the prefix, which golab mounts into the
# sidecar container that probes processes of other containers (any image: the prefix brings its
# own C library).
mkdir -p "$(dirname "$LAUNCHER")"
for f in "$PREFIX/bpftrace" "$LAUNCHER"; do
  cat > "$f" <<LAUNCH
#!/bin/sh
# Debian $SUITE's bpftrace on its own C library, unpacked by golab's lab/bpftrace/install.sh.
exec "$lib/ld-linux-x86-64.so.2" --argv0 bpftrace --library-path "$lib:$PREFIX/root/lib/x86_64-linux-gnu" "$PREFIX/root/usr/bin/bpftrace" "\$@"
LAUNCH
  chmod 755 "$f"
done
has_offsets "$LAUNCHER" || die "$LAUNCHER does not report uprobe offset support: $("$LAUNCHER" --info 2>&1 | grep -E 'version|bfd' | tr '\n' ' ')"
say "installed $("$LAUNCHER" --version) at $LAUNCHER (files in $PREFIX)"
