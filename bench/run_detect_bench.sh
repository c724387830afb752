#!/usr/bin/env bash
# Detection engine throughput: a synthetic capture of --events events (default 10 M, realistic
# mix: shells, package installs, web servers, compilers, a few attacks) replayed through the
# reader alone, the reader plus the thread table, and the whole engine with the shipped rules,
# all in one process on one core (bulkhead_detect_bench, medians of --rounds rounds); then the
# end-to-end command, `bulkhead watch --replay … -o json`, timed with its peak RSS.
# With --falco-rules DIR, Falco's upstream rule files found there (falco_rules.yaml, …) are
# measured too (they are not part of the repository).
#
#   bench/run_detect_bench.sh [--events N] [--rounds N] [--capture FILE] [--falco-rules DIR]
#
# BULKHEAD_BUILD_DIR selects the build directory (default: build/, configured with benchmarks).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${BULKHEAD_BUILD_DIR:-$ROOT/build}"
BULKHEAD="$BUILD_DIR/src/cli/bulkhead"
BENCH="$BUILD_DIR/bench/bulkhead_detect_bench"

events=10000000
rounds=5
capture=""
falco_dir=""
die() {
  echo "run_detect_bench.sh: $*" >&2
  exit 1
}
while (($# > 0)); do
  case "$1" in
    --events) events=${2:?}; shift 2 ;;
    --rounds) rounds=${2:?}; shift 2 ;;
    --capture) capture=${2:?}; shift 2 ;;
    --falco-rules) falco_dir=${2:?}; shift 2 ;;
    -h | --help) sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument $1" ;;
  esac
done
[[ -x $BULKHEAD && -x $BENCH ]] || die "build first: ninja -C $BUILD_DIR bulkhead bulkhead_detect_bench"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [[ -z $capture ]]; then
  capture="$tmp/synthetic.bhcap"
  echo "generating $events events…" >&2
  "$BULKHEAD" capture generate -o "$capture" -n "$events" --seed 1 >&2
fi
echo "## capture"
"$BULKHEAD" capture info "$capture" | sed -n '1,6p'
echo

extra=()
falco_files=()
if [[ -n $falco_dir ]]; then
  for f in falco_rules.yaml falco-incubating_rules.yaml falco-sandbox_rules.yaml; do
    [[ -f $falco_dir/$f ]] && falco_files+=("$falco_dir/$f")
  done
  ((${#falco_files[@]} > 0)) || die "no Falco rule files in $falco_dir"
  # The bench loads an extra rule set on its own; several files go in order.
  for f in "${falco_files[@]}"; do extra+=(--rules "$f"); done
fi

echo "## one core, in process (median of $rounds rounds)"
taskset -c 1 "$BENCH" --capture "$capture" --rounds "$rounds" "${extra[@]}"
echo

echo "## end to end: bulkhead watch --replay (shipped rules, JSON alerts to a file)"
for i in 1 2 3; do
  /usr/bin/time -f "%e s elapsed, %M KiB peak RSS" taskset -c 1 "$BULKHEAD" watch --replay "$capture" \
    -o json --output-file "$tmp/alerts.json" --stats 2>&1 | grep -E "^events|peak RSS"
done
echo "alerts: $(wc -l < "$tmp/alerts.json")"
