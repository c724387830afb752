#!/bin/sh
# Runs the bundle once under crun or runc with a container id no other run uses, so hyperfine's
# back-to-back runs (and a run left over from an interrupted benchmark) never collide.
#
#   bench/runtime/oci-run.sh crun|runc|crun-wrapper-only BUNDLE
#
# crun refuses the hybrid cgroup layout of the host, so it runs in a private mount namespace with
# cgroup2 mounted over /sys/fs/cgroup and its cgroup manager disabled. crun-wrapper-only is that
# same wrapper exec'ing the rootfs's /bin/true instead of crun: its time is the wrapper's share of
# crun's. POSIX sh (dash) and the shell's own `read`, so the wrapper adds no more than it must.
set -eu
runtime=$1
bundle=$2
read -r uuid </proc/sys/kernel/random/uuid
id="bulkhead-bench-$uuid"
# The inner scripts take their operands as "$1", "$2" (not spliced into the text), so quoting in
# paths cannot change what runs.
# shellcheck disable=SC2016
case "$runtime" in
  crun)
    exec unshare --mount --propagation private sh -c \
      'mount -t cgroup2 none /sys/fs/cgroup && exec crun --cgroup-manager=disabled run -b "$1" "$2"' \
      sh "$bundle" "$id" </dev/null
    ;;
  crun-wrapper-only)
    exec unshare --mount --propagation private sh -c \
      'mount -t cgroup2 none /sys/fs/cgroup && exec "$1/rootfs/bin/true"' sh "$bundle" </dev/null
    ;;
  runc)
    exec runc run -b "$bundle" "$id" </dev/null
    ;;
  *)
    echo "oci-run.sh: unknown runtime '$runtime' (crun, runc or crun-wrapper-only)" >&2
    exit 2
    ;;
esac
