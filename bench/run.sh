#!/usr/bin/env bash
# Runs every benchmark that BENCHMARKS.md reports, on a fresh dev server each,
# and appends the tables to $OUT (default bench/results-<date>.md).
# Waits (bounded) for the load average to fall below 1.5 before each step:
# numbers from a busy machine are noise.
#
#   ./bench/run.sh                 # all
#   STEPS="intake lifecycle" ./bench/run.sh
#   JOBFLOW_SCALE_N=2000 STEPS=scale ./bench/run.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
OUT="${OUT:-bench/results-$(date -u +%Y%m%dT%H%M).md}"
STEPS="${STEPS:-calendar intake lifecycle scale}"
case "$OUT" in /*) ;; *) OUT="$PWD/$OUT" ;; esac # an absolute OUT stays as given
export JOBFLOW_BENCH_OUT="$OUT"

quiet() { # wait up to QUIET_TRIES x 10 s (default 10 min) for load < 1.5
  for _ in $(seq 1 "${QUIET_TRIES:-60}"); do
    awk '{exit !($1 < 1.5)}' /proc/loadavg && return 0
    echo "load $(cut -d' ' -f1-3 /proc/loadavg); waiting..." >&2; sleep 10
  done
  echo "WARNING: load still $(cut -d' ' -f1-3 /proc/loadavg); measuring anyway" | tee -a "$OUT" >&2
}

go test -c -o /tmp/jobflow-bench.test ./bench/   # build first, measure after
{
  echo "## Run $(date -u +%FT%TZ)"
  echo; echo "nproc $(nproc), $(free -m | awk '/Mem:/{print $2" MiB"}'), $(go version | cut -d' ' -f3-), SDK $(go list -m -f '{{.Version}}' go.temporal.io/sdk), CLI $(temporal --version 2>/dev/null | head -1)"; echo
} >> "$OUT"
for step in $STEPS; do
  quiet
  echo "load before $step: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT"; echo >> "$OUT"
  case $step in
    calendar) { echo '```'; go test ./rules/ -run '^$' -bench 'ReactionDeadline|NextEmailSlot|NextDigest' -benchmem; echo '```'; echo; } | tee -a "$OUT" ;;
    intake) (cd bench && /tmp/jobflow-bench.test -test.run '^$' -test.bench 'Intake' -test.benchtime 1x) ;;
    lifecycle) (cd bench && /tmp/jobflow-bench.test -test.run '^$' -test.bench 'Lifecycle' -test.benchtime 1x) ;;
    scale) (cd bench && /tmp/jobflow-bench.test -test.run '^$' -test.bench 'Scale' -test.benchtime 1x -test.timeout 60m) ;;
  esac
  echo "load after $step: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT"; echo >> "$OUT"
done
echo "results in $OUT"
