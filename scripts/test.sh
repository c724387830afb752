#!/usr/bin/env bash
# Runs Bulkhead's whole test suite, in four stages:
#   1. setup     scripts/setup.sh: packages (when missing) and the release build in build/
#   2. release   every test (unit + integration) on the release build
#   3. asan      the unit tests built with ASan+UBSan in build-asan/
#   4. fuzz      the libFuzzer targets built with clang in build-fuzz/, each run for
#                FUZZ_SECONDS (default 20: sixteen targets must fit CI's time) on its seed corpus; any crash fails
# Exits non-zero when any stage fails, after printing one summary line per stage.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
FUZZ_SECONDS="${FUZZ_SECONDS:-20}"
JOBS="${JOBS:-2}"
LOG_DIR="$(mktemp -d /tmp/bulkhead-test.XXXXXX)"
trap 'rm -rf "$LOG_DIR"' EXIT

say() { printf '\n[test] %s\n' "$*"; }

declare -a SUMMARY=()
failed=0
tests_passed=0
tests_failed=0

# record STAGE STATUS SECONDS DETAIL
record() {
  SUMMARY+=("$(printf '%-8s %-4s %5ss  %s' "$1" "$2" "$3" "$4")")
  [[ "$2" == PASS ]] || failed=1
}

# Adds ctest's closing counts ("97% tests passed, 1 tests failed out of 40") in log $1 to the
# totals, and leaves a phrase for the stage summary in $counts.
ctest_counts() {
  local line total bad
  line=$(grep -E '[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$1" | tail -n 1)
  if [[ -z "$line" ]]; then
    counts="no ctest result"
    return
  fi
  bad=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$line")
  total=$(sed -E 's/.* failed out of ([0-9]+).*/\1/' <<<"$line")
  tests_passed=$((tests_passed + total - bad))
  tests_failed=$((tests_failed + bad))
  counts="$((total - bad)) of $total tests passed"
  # ctest lists the failures after "The following tests FAILED:"; name them in the summary, where
  # a reader of a truncated log still sees them.
  if ((bad > 0)); then
    local names
    names=$(sed -n '/The following tests FAILED:/,$p' "$1" | grep -E '^[[:space:]]+[0-9]+ - ' |
      sed -E 's/^[[:space:]]+[0-9]+ - ([^ ]+).*/\1/' | head -n 20 | paste -sd ' ' -)
    [[ -n "$names" ]] && counts+="; failed: $names"
  fi
}

# Keeps the last lines of each failed test's output from build dir $1's LastTest.log, to print
# just above the summary (CI logs are often read from the end).
keep_failure_excerpts() {
  local log="$1/Testing/Temporary/LastTest.log"
  [[ -f "$log" ]] || return 0
  awk '
    /^[0-9]+\/[0-9]+ Testing: / { name = $3; n = 0; next }
    /^Test Failed\./ && name != "" {
      print "--- " name " (last lines of its output)"
      start = n > 30 ? n - 30 : 0
      for (i = start; i < n; i++) print lines[i]
      name = ""; next
    }
    /^Test Passed\./ { name = ""; next }
    name != "" { lines[n++] = $0 }
  ' "$log" >>"$LOG_DIR/failure-excerpts"
}

summary_and_exit() {
  if [[ -s "$LOG_DIR/failure-excerpts" ]]; then
    echo
    echo "==================== failed tests ======================="
    cat "$LOG_DIR/failure-excerpts"
  fi
  echo
  echo "==================== test.sh summary ===================="
  printf '%s\n' "${SUMMARY[@]}"
  echo "========================================================="
  echo "tests: $tests_passed passed, $tests_failed failed"
  exit "$failed"
}

# --- 1. setup ---------------------------------------------------------------------------------
say "stage 1/4 setup: scripts/setup.sh"
start=$SECONDS
if "$ROOT/scripts/setup.sh"; then
  record setup PASS $((SECONDS - start)) "packages installed, release build in build/"
else
  record setup FAIL $((SECONDS - start)) "scripts/setup.sh failed; nothing else can run"
  summary_and_exit
fi

# --- 2. release tests -------------------------------------------------------------------------
say "stage 2/4 release: ctest (unit + integration) in build/"
start=$SECONDS
ctest --test-dir "$ROOT/build" --output-on-failure --no-tests=error -j "$JOBS" --timeout 900 \
  2>&1 | tee "$LOG_DIR/release.log"
status=${PIPESTATUS[0]}
ctest_counts "$LOG_DIR/release.log"
keep_failure_excerpts "$ROOT/build"
record release "$([[ $status -eq 0 ]] && echo PASS || echo FAIL)" $((SECONDS - start)) "$counts"

# --- 3. unit tests under ASan + UBSan ---------------------------------------------------------
say "stage 3/4 asan: unit tests built with -DBULKHEAD_SANITIZE=ON in build-asan/"
start=$SECONDS
asan_status=0
cmake -S "$ROOT" -B "$ROOT/build-asan" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DBULKHEAD_SANITIZE=ON -DBULKHEAD_BENCH=OFF >/dev/null &&
  ninja -C "$ROOT/build-asan" bulkhead_unit_tests || asan_status=$?
if [[ $asan_status -eq 0 ]]; then
  # detect_leaks needs ptrace (LeakSanitizer stops the world with it); root has it here.
  ASAN_OPTIONS=detect_leaks=1:check_initialization_order=1 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir "$ROOT/build-asan" -L unit --output-on-failure --no-tests=error -j "$JOBS" \
    --timeout 900 2>&1 | tee "$LOG_DIR/asan.log"
  asan_status=${PIPESTATUS[0]}
  ctest_counts "$LOG_DIR/asan.log"
  keep_failure_excerpts "$ROOT/build-asan"
  detail="$counts under ASan+UBSan"
else
  detail="build-asan failed to build"
fi
record asan "$([[ $asan_status -eq 0 ]] && echo PASS || echo FAIL)" $((SECONDS - start)) "$detail"

# --- 4. fuzz ----------------------------------------------------------------------------------
say "stage 4/4 fuzz: libFuzzer targets in build-fuzz/, ${FUZZ_SECONDS}s each"
start=$SECONDS
fuzz_status=0
fuzz_detail=()
cmake -S "$ROOT" -B "$ROOT/build-fuzz" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DBULKHEAD_FUZZ=ON -DBULKHEAD_TESTS=OFF -DBULKHEAD_BENCH=OFF >/dev/null &&
  ninja -C "$ROOT/build-fuzz" fuzzers || fuzz_status=$?
if [[ $fuzz_status -eq 0 ]]; then
  symbolizer=/usr/lib/llvm-14/bin/llvm-symbolizer
  [[ -x $symbolizer ]] && export ASAN_SYMBOLIZER_PATH=$symbolizer
  artifacts="$ROOT/build-fuzz/artifacts"
  mkdir -p "$artifacts"
  for target in profile_reader json_positions compiler spec landlock_policy docker_flags capture_reader \
    rules_yaml condition record_decoder audit_shell audit_compose audit_kubernetes audit_dockerfile \
    audit_oci audit_policy; do
    corpus="$LOG_DIR/corpus-$target"
    mkdir -p "$corpus"
    cp "$ROOT/fuzz/corpus/$target/"* "$corpus/" 2>/dev/null || true
    # Inputs that once broke a parser (fixed since) are seeds too, so they are re-run each time.
    cp "$ROOT/fuzz/regressions/$target/"* "$corpus/" 2>/dev/null || true
    extra=()
    if [[ $target == profile_reader || $target == json_positions ]]; then
      # Real profiles are the best seeds for both JSON readers.
      cp "$ROOT/fuzz/corpus/profile_reader/"*.json "$ROOT/profiles/"*.json "$corpus/"
      [[ -f /usr/share/containers/seccomp.json ]] &&
        cp /usr/share/containers/seccomp.json "$corpus/podman-seccomp.json"
      extra+=("-dict=$ROOT/fuzz/corpus/profile_reader.dict")
    fi
    # The shipped rules are a realistic rules file to mutate.
    [[ $target == rules_yaml ]] && cp "$ROOT/rules/"*.yaml "$corpus/"
    # The audit's fixtures (one positive and one negative per check) are its readers' seeds.
    audit_data="$ROOT/tests/data/audit"
    case $target in
      audit_shell) cp "$audit_data/docker-run/"* "$audit_data/realistic/"*.sh "$corpus/" 2>/dev/null ;;
      audit_compose) cp "$audit_data/compose/"* "$audit_data/realistic/compose"* "$corpus/" 2>/dev/null ;;
      audit_kubernetes)
        cp "$audit_data/kubernetes/"* "$audit_data/realistic/"{helm,pod}* "$corpus/" 2>/dev/null ;;
      audit_dockerfile) cp "$audit_data/dockerfile/"* "$audit_data/realistic/Dockerfile" "$corpus/" 2>/dev/null ;;
      audit_oci) cp "$audit_data/oci/"* "$corpus/" 2>/dev/null ;;
      audit_policy) cp "$ROOT/profiles/audit-policy.yaml" "$corpus/" 2>/dev/null ;;
    esac

    echo "--- fuzz_$target: ${FUZZ_SECONDS}s on $(ls "$corpus" | wc -l) seed(s)"
    # The outer timeout: a fuzzer that hits its memory limit can spend many minutes printing
    # the heap profile; CI must end anyway (a timeout counts as a failure).
    timeout --kill-after=10 $((FUZZ_SECONDS + 120)) \
      "$ROOT/build-fuzz/fuzz/fuzz_$target" -max_total_time="$FUZZ_SECONDS" -rss_limit_mb=2048 \
      -timeout=60 -print_final_stats=1 -artifact_prefix="$artifacts/fuzz_$target-" "${extra[@]}" \
      "$corpus" >"$LOG_DIR/fuzz-$target.log" 2>&1
    rc=$?
    runs=$(grep -E '^stat::number_of_executed_units:' "$LOG_DIR/fuzz-$target.log" |
      awk '{print $2}')
    if [[ $rc -eq 0 ]]; then
      tests_passed=$((tests_passed + 1))
      fuzz_detail+=("$target: ${runs:-?} runs, no crash;")
      tail -n 3 "$LOG_DIR/fuzz-$target.log"
    else
      tests_failed=$((tests_failed + 1))
      fuzz_status=1
      fuzz_detail+=("$target: FAILED;")
      # The report: the sanitizer's or the oracle's message, then the stack and the input.
      grep -m 1 -A 30 -E '^fuzz_[a-z_]+: |^==[0-9]+== ?ERROR|runtime error:|uncaught exception' \
        "$LOG_DIR/fuzz-$target.log"
      echo "..."
      tail -n 25 "$LOG_DIR/fuzz-$target.log"
      echo "fuzz_$target failed (exit $rc); crashing input saved under $artifacts/"
    fi
  done
  detail="${fuzz_detail[*]}"
else
  detail="build-fuzz failed to build"
fi
record fuzz "$([[ $fuzz_status -eq 0 ]] && echo PASS || echo FAIL)" $((SECONDS - start)) "$detail"

summary_and_exit
