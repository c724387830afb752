#!/usr/bin/env bash
# Container start-to-exit latency: `bulkhead run builtin:busybox /bin/true` against crun and runc
# running an equivalent OCI bundle, bubblewrap, and a plain exec of the same /bin/true, all in one
# hyperfine run; then the peak RSS of each (median of --rss-runs runs of /usr/bin/time -f %M).
# Run as root on an otherwise idle machine.
#
#   bench/run_runtime_bench.sh [--runs N] [--warmup N] [--rss-runs N] [--out DIR] [--peers-only]
#
# stdout: hyperfine's Markdown export, then a table of medians, ratios and peak RSS. Progress and
# hyperfine's own display go to stderr. --out DIR keeps hyperfine.json, hyperfine.md, rss.tsv and
# summary.md there. --peers-only leaves out bulkhead (for when the binary is not built).
# BULKHEAD_BUILD_DIR selects the build directory (default: build/, as scripts/setup.sh).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HERE="$ROOT/bench"
BUILD_DIR="${BULKHEAD_BUILD_DIR:-$ROOT/build}"
BULKHEAD="$BUILD_DIR/src/cli/bulkhead"
PYTHON=/usr/bin/python3

runs=50
warmup=5
rss_runs=20
out_dir=""
peers_only=0

usage() { sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
die() {
  echo "run_runtime_bench.sh: $*" >&2
  exit 1
}
say() { printf '[runtime-bench] %s\n' "$*" >&2; }

while (($# > 0)); do
  case "$1" in
    --runs) runs=${2:?--runs needs a number}; shift 2 ;;
    --warmup) warmup=${2:?--warmup needs a number}; shift 2 ;;
    --rss-runs) rss_runs=${2:?--rss-runs needs a number}; shift 2 ;;
    --out) out_dir=${2:?--out needs a directory}; shift 2 ;;
    --peers-only) peers_only=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) die "unknown argument '$1' (try --help)" ;;
  esac
done
for n in "$runs" "$warmup" "$rss_runs"; do
  [[ "$n" =~ ^[0-9]+$ ]] || die "'$n' is not a number"
done
((runs >= 2 && rss_runs >= 1)) || die "--runs must be at least 2 and --rss-runs at least 1"

[[ $(id -u) -eq 0 ]] || die "run as root: crun, runc and the cgroup2 mount need it"
for tool in hyperfine crun runc bwrap unshare /usr/bin/time "$PYTHON"; do
  command -v "$tool" >/dev/null || die "$tool is missing: run scripts/setup.sh"
done

# Everything the commands touch lives in a fresh directory, removed at the end.
WORK=$(mktemp -d /tmp/bulkhead-runtime-bench.XXXXXX)
trap 'rm -rf -- "$WORK"' EXIT
# hyperfine -N splits command lines on whitespace.
[[ "$WORK$ROOT$BUILD_DIR" != *[[:space:]]* ]] || die "paths with whitespace are not supported"
if [[ -n "$out_dir" ]]; then
  mkdir -p -- "$out_dir"
  out_dir=$(cd -- "$out_dir" && pwd)
else
  out_dir="$WORK/results"
  mkdir -- "$out_dir"
fi

if ((peers_only == 0)); then
  if [[ ! -f "$BUILD_DIR/CMakeCache.txt" ]]; then
    cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >&2
  fi
  cmake --build "$BUILD_DIR" --target bulkhead >&2
  [[ -x "$BULKHEAD" ]] || die "$BULKHEAD was not built (or use --peers-only)"
fi

# One rootfs for every contender, made by the same script as the build's builtin:busybox (which
# is deterministic, so it is the same tree). bulkhead finds it through the override below; crun
# and runc get a copy in their bundle, as an OCI bundle owns its rootfs.
ROOTFS="$WORK/builtin/busybox"
say "building the busybox rootfs in $ROOTFS"
"$ROOT/scripts/make-busybox-rootfs.sh" "$ROOTFS"
export BULKHEAD_BUILTIN_ROOTFS_DIR="$WORK/builtin"

BUNDLE="$WORK/bundle"
mkdir -- "$BUNDLE"
cp -a -- "$ROOTFS" "$BUNDLE/rootfs"
(cd "$BUNDLE" && crun spec)
"$PYTHON" "$HERE/runtime/make_oci_bundle.py" "$BUNDLE" "$BUNDLE/rootfs" \
  "$ROOT/profiles/default.json"

names=()
commands=()
add() {
  names+=("$1")
  commands+=("$2")
}
if ((peers_only == 0)); then
  add "bulkhead run" "$BULKHEAD run builtin:busybox /bin/true"
fi
add "crun" "$HERE/runtime/oci-run.sh crun $BUNDLE"
add "runc" "$HERE/runtime/oci-run.sh runc $BUNDLE"
add "bwrap" "bwrap --unshare-all --die-with-parent --ro-bind $ROOTFS / --proc /proc --dev /dev /bin/true"
add "plain exec" "$ROOTFS/bin/true"
add "crun's wrapper alone" "$HERE/runtime/oci-run.sh crun-wrapper-only $BUNDLE"

# Each command once first, so a broken contender fails here with its own error message.
for i in "${!commands[@]}"; do
  # shellcheck disable=SC2086 # the command line is split on spaces, as hyperfine -N does
  ${commands[$i]} || die "'${names[$i]}' failed: ${commands[$i]}"
done

hyperfine_args=(-N --warmup "$warmup" --runs "$runs" --export-json "$out_dir/hyperfine.json"
  --export-markdown "$out_dir/hyperfine.md" --time-unit millisecond)
for i in "${!commands[@]}"; do
  hyperfine_args+=(-n "${names[$i]}" "${commands[$i]}")
done
say "hyperfine: ${#commands[@]} commands, $warmup warm-up and $runs timed runs each"
hyperfine "${hyperfine_args[@]}" >&2

# Peak RSS: ru_maxrss from wait4, i.e. the largest single process of the tree (not the sum), in
# KiB. Round-robin, so drift over time hits every contender alike.
say "peak RSS: $rss_runs runs each"
: >"$out_dir/rss.tsv"
for ((round = 0; round < rss_runs; round++)); do
  for i in "${!commands[@]}"; do
    # shellcheck disable=SC2086
    /usr/bin/time -f %M -o "$WORK/rss" ${commands[$i]} >/dev/null ||
      die "'${names[$i]}' failed under /usr/bin/time"
    printf '%s\t%s\n' "${names[$i]}" "$(tail -n 1 "$WORK/rss")" >>"$out_dir/rss.tsv"
  done
done

machine="$(date -u '+%Y-%m-%d %H:%M UTC'); $(uname -r); nproc $(nproc); load average \
$(cut -d' ' -f1-3 /proc/loadavg); $(crun --version | head -n 1); $(runc --version | head -n 1); \
bwrap $(bwrap --version | cut -d' ' -f2); $(hyperfine --version)"
"$PYTHON" - "$out_dir/hyperfine.json" "$out_dir/rss.tsv" "$machine" >"$out_dir/summary.md" <<'EOF'
import json
import statistics
import sys

hyperfine_json, rss_tsv, machine = sys.argv[1:]
results = {r["command"]: r for r in json.load(open(hyperfine_json))["results"]}
rss = {}
for line in open(rss_tsv):
    name, kib = line.rstrip("\n").split("\t")
    rss.setdefault(name, []).append(int(kib))

print(f"Machine: {machine}.")
print()
print("| command | median ms | mean ± σ ms | min ms | max ms | peak RSS median KiB |")
print("|---|---|---|---|---|---|")
for name, r in results.items():
    ms = {k: r[k] * 1000 for k in ("median", "mean", "stddev", "min", "max")}
    print(f"| {name} | {ms['median']:.2f} | {ms['mean']:.2f} ± {ms['stddev']:.2f} "
          f"| {ms['min']:.2f} | {ms['max']:.2f} | {statistics.median(rss[name]):.0f} |")

subject = "bulkhead run"
if subject in results:
    print()
    print("| ratio of medians | time | peak RSS |")
    print("|---|---|---|")
    for peer in ("crun", "runc", "bwrap", "plain exec"):
        t = results[subject]["median"] / results[peer]["median"]
        m = statistics.median(rss[subject]) / statistics.median(rss[peer])
        print(f"| bulkhead / {peer} | {t:.2f} | {m:.2f} |")
EOF

cat "$out_dir/hyperfine.md"
echo
cat "$out_dir/summary.md"
