#!/usr/bin/env bash
# Builds the minimal root filesystem behind `bulkhead run builtin:busybox`: Debian's static
# busybox, one symlink per applet, and the few directories and /etc files that containers and the
# tests expect.
#
#   scripts/make-busybox-rootfs.sh DEST
#
# BUSYBOX selects the binary (default /bin/busybox, from Debian's busybox-static; it must be
# statically linked, since nothing else is in the rootfs to load a shared library from).
#
# The result is deterministic: the same busybox and the same script give the same tree (names,
# modes, link targets, contents and mtimes; only the marker file's mtime is the build time, so
# the build system can tell when it last ran). DEST/.bulkhead-rootfs records the sha256 of the
# busybox binary and of this script; when they match, a re-run changes nothing. Otherwise the
# tree is built in DEST.tmp.PID and renamed into place, so DEST is never half-built.
set -euo pipefail

usage() { sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

if (($# != 1)); then
  usage >&2
  exit 2
fi
case "$1" in
  -h | --help)
    usage
    exit 0
    ;;
esac

DEST="${1%/}"
BUSYBOX="${BUSYBOX:-/bin/busybox}"
MARKER_NAME=".bulkhead-rootfs"
SCRIPT_PATH="$(readlink -f "${BASH_SOURCE[0]}")"

die() {
  echo "make-busybox-rootfs.sh: $*" >&2
  exit 1
}

[[ -n "$DEST" ]] || die "DEST is empty"
[[ -f "$BUSYBOX" && -x "$BUSYBOX" ]] ||
  die "$BUSYBOX is missing or not executable: install Debian's busybox-static (scripts/setup.sh)"
# A dynamically linked busybox would find no loader or libc inside the rootfs.
if readelf -l "$BUSYBOX" 2>/dev/null | grep -q 'Requesting program interpreter'; then
  die "$BUSYBOX is dynamically linked; the rootfs needs the static one (Debian busybox-static)"
fi

busybox_sha=$(sha256sum "$BUSYBOX" | cut -d' ' -f1)
script_sha=$(sha256sum "$SCRIPT_PATH" | cut -d' ' -f1)
marker_text="busybox-sha256 $busybox_sha
script-sha256 $script_sha
"

if [[ -d "$DEST" && -f "$DEST/$MARKER_NAME" ]] && [[ "$(cat "$DEST/$MARKER_NAME")
" == "$marker_text" ]]; then
  exit 0
fi

umask 022
TMP="$DEST.tmp.$$"
OLD="$DEST.old.$$"
cleanup() { rm -rf -- "$TMP" "$OLD"; }
trap cleanup EXIT
rm -rf -- "$TMP"
mkdir -p -- "$(dirname -- "$DEST")"
mkdir -- "$TMP"

for dir in bin sbin usr usr/bin usr/sbin etc proc sys dev tmp root var var/www var/www/html \
  var/log var/log/nginx run home; do
  mkdir -p -- "$TMP/$dir"
done
chmod 1777 "$TMP/tmp"
chmod 0700 "$TMP/root"

cp -- "$BUSYBOX" "$TMP/bin/busybox"
chmod 0755 "$TMP/bin/busybox"

# Relative links, so the tree also works when looked at from the host (ROOTFS/bin/true runs
# ROOTFS/bin/busybox, not whatever the host has at /bin/busybox).
while IFS= read -r applet; do
  case "$applet" in
    bin/busybox) continue ;; # the binary itself
    linuxrc) continue ;;     # the initrd boot applet: no use in a container, and it would sit in /
    */*) ;;
    *) die "unexpected applet path from busybox --list-full: $applet" ;;
  esac
  dir="${applet%/*}"
  up=""
  rest="$dir"
  while [[ -n "$rest" ]]; do
    up="../$up"
    [[ "$rest" == */* ]] && rest="${rest%/*}" || rest=""
  done
  [[ -d "$TMP/$dir" ]] || die "applet $applet is in a directory the rootfs does not have"
  ln -s -- "${up}bin/busybox" "$TMP/$applet"
done < <("$BUSYBOX" --list-full | LC_ALL=C sort)

printf '%s\n' \
  'root:x:0:0:root:/root:/bin/sh' \
  'nobody:x:65534:65534:nobody:/nonexistent:/bin/false' >"$TMP/etc/passwd"
printf '%s\n' 'root:x:0:' 'nogroup:x:65534:' >"$TMP/etc/group"
# Locked passwords. The file is root-only (0640) like a real one: tests use it as a secret a
# confined process must not read.
printf '%s\n' 'root:*:0:0:99999:7:::' 'nobody:*:0:0:99999:7:::' >"$TMP/etc/shadow"
chmod 0640 "$TMP/etc/shadow"
printf '%s\n' 'bulkhead' >"$TMP/etc/hostname"
# sed reads the whole banner: `head -n 1` would make busybox die of SIGPIPE under pipefail.
busybox_version=$("$BUSYBOX" 2>/dev/null | sed -n '1s/^BusyBox \(v[^ ]*\).*/\1/p')
printf 'PRETTY_NAME="Bulkhead builtin:busybox rootfs (BusyBox %s from Debian busybox-static)"\n' \
  "${busybox_version:-unknown}" >"$TMP/etc/os-release"

if [[ $(id -u) -eq 0 ]]; then
  chown -R -h 0:0 -- "$TMP"
fi

printf '%s' "$marker_text" >"$TMP/$MARKER_NAME"
# Fixed mtimes (the busybox binary's), so two builds are identical file for file. The marker
# keeps the build time: it is what the build system compares with its inputs.
stamp=$(stat -c %Y -- "$BUSYBOX")
find "$TMP" ! -name "$MARKER_NAME" -exec touch -h -d "@$stamp" -- {} +

if [[ -e "$DEST" || -L "$DEST" ]]; then
  # rename(2) cannot replace a non-empty directory: move the stale tree aside first. The window
  # in which DEST is missing is two renames long; a reader never sees a half-built tree.
  mv -T -- "$DEST" "$OLD"
fi
mv -T -- "$TMP" "$DEST"
