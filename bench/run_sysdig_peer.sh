#!/usr/bin/env bash
# Peer benchmark: the same synthetic workload (--events events, default 1 M, one --seed) filtered
# by sysdig 0.29 (libsinsp, libs 0.1.1dev+git20220316) and by `bulkhead watch --replay`, with the
# condition of the shipped "Sensitive file read" rule (its macros and lists expanded by hand into
# one filter for sysdig; the same text as a one-rule file for bulkhead).
#
# What is timed is filtering, not printing: sysdig runs with -q (no event printed; the filter is
# still evaluated on every event) and bulkhead prints its few alerts to /dev/null. Both read a
# file from the page cache (one untimed warm-up run each) and are timed end to end (wall clock,
# median of --rounds), so both include reading their capture format and maintaining their
# thread/fd tables; sysdig's .scap has two events (enter and exit) per syscall, bulkhead's
# capture one, and events/s is given per syscall for both.
#
#   bench/run_sysdig_peer.sh [--events N] [--seed N] [--rounds N]
#
# BULKHEAD_BUILD_DIR selects the build directory (default: build/, configured with benchmarks).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${BULKHEAD_BUILD_DIR:-$ROOT/build}"
BULKHEAD="$BUILD_DIR/src/cli/bulkhead"
EXPORT="$BUILD_DIR/bench/bulkhead_scap_export"

events=1000000
seed=1
rounds=3
die() {
  echo "run_sysdig_peer.sh: $*" >&2
  exit 1
}
while (($# > 0)); do
  case "$1" in
    --events) events=${2:?}; shift 2 ;;
    --seed) seed=${2:?}; shift 2 ;;
    --rounds) rounds=${2:?}; shift 2 ;;
    -h | --help) sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument $1" ;;
  esac
done
[[ -x $BULKHEAD && -x $EXPORT ]] || die "build first: ninja -C $BUILD_DIR bulkhead bulkhead_scap_export"
command -v sysdig >/dev/null || die "sysdig is not installed (apt-get install sysdig)"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The "Sensitive file read" condition with open_read, sensitive_file_names,
# sensitive_directories and trusted_credential_readers expanded (rules/bulkhead_rules.yaml).
condition='evt.type in (open, openat, openat2) and evt.is_open_read = true and fd.typechar = f and fd.num >= 0 and (fd.name in (/etc/shadow, /etc/gshadow, /etc/shadow-, /etc/gshadow-, /etc/sudoers, /etc/pam.conf, /etc/security/opasswd, /etc/master.passwd) or fd.directory pmatch (/etc/sudoers.d, /root/.ssh, /etc/ssl/private)) and not proc.name in (sshd, login, su, sudo, passwd, chpasswd, chage, unix_chkpwd, useradd, usermod, userdel, groupadd, groupmod, groupdel, gpasswd, newgrp, vipw, vigr, pwck, grpck, systemd-logind, cron, crond, atd, polkitd, accounts-daemon, nscd, sssd, visudo, pam_tally2, faillock)'
cat >"$tmp/rule.yaml" <<YAML
- rule: Sensitive file read (peer benchmark)
  desc: the shipped rule's condition, expanded
  condition: '$condition'
  output: '%evt.num %fd.name %proc.name'
  priority: WARNING
YAML

echo "generating $events events (seed $seed)..." >&2
"$BULKHEAD" capture generate -o "$tmp/w.bhcap" -n "$events" --seed "$seed" >/dev/null
"$EXPORT" --capture "$tmp/w.bhcap" -o "$tmp/w.scap"

now() { date +%s.%N; }
median() { sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
time_runs() { # command...: prints the median wall time of $rounds runs after one warm-up
  "$@" >/dev/null 2>&1
  for ((i = 0; i < rounds; i++)); do
    local start end
    start=$(now)
    "$@" >/dev/null 2>&1
    end=$(now)
    echo "$end - $start" | bc -l
  done | median
}

sysdig_matches=$(sysdig -r "$tmp/w.scap" -p '%evt.num' "$condition" | wc -l)
bulkhead_matches=$("$BULKHEAD" watch --replay "$tmp/w.bhcap" -r "$tmp/rule.yaml" | wc -l)
sysdig_s=$(time_runs sysdig -r "$tmp/w.scap" -q "$condition")
sysdig_nofilter_s=$(time_runs sysdig -r "$tmp/w.scap" -q)
bulkhead_s=$(time_runs "$BULKHEAD" watch --replay "$tmp/w.bhcap" -r "$tmp/rule.yaml")
shipped_s=$(time_runs "$BULKHEAD" watch --replay "$tmp/w.bhcap")

rate() { echo "$events / $1" | bc -l | xargs printf '%.0f'; }
printf '| run | median s | syscalls/s | matches |\n| --- | ---: | ---: | ---: |\n'
printf '| sysdig -r .scap -q, no filter | %.3f | %s | - |\n' "$sysdig_nofilter_s" "$(rate "$sysdig_nofilter_s")"
printf '| sysdig -r .scap -q "<Sensitive file read>" | %.3f | %s | %s |\n' "$sysdig_s" "$(rate "$sysdig_s")" "$sysdig_matches"
printf '| bulkhead watch --replay, that rule only | %.3f | %s | %s |\n' "$bulkhead_s" "$(rate "$bulkhead_s")" "$bulkhead_matches"
printf '| bulkhead watch --replay, all shipped rules | %.3f | %s | - |\n' "$shipped_s" "$(rate "$shipped_s")"
printf '\nbulkhead is %.1fx faster than sysdig on the same filter (%s syscalls, seed %s; .scap %s MB, .bhcap %s MB)\n' \
  "$(echo "$sysdig_s / $bulkhead_s" | bc -l)" "$events" "$seed" \
  "$(($(stat -c %s "$tmp/w.scap") / 1000000))" "$(($(stat -c %s "$tmp/w.bhcap") / 1000000))"
