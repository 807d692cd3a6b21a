#!/usr/bin/env bash
# Runs every check and test of jobflow; .ci/run calls exactly this.
# On a fresh machine with only Go it installs what it needs: Go modules, the
# pinned Temporal CLI (integration tests run a real dev server), the SDK's
# determinism linter workflowcheck, Debian's docker-compose (to validate
# docker-compose.yml; needs root + apt-get) and Prism (npm, for the outreach
# contract tests) when tools/prism/package.json exists.
#
# Steps: gofmt, go vet, workflowcheck, mutation testing of rules/ (gremlins),
# docker-compose config, go test -race
# (unit + integration), then each fuzz target for a bounded time.
# Exit status is non-zero if any step fails; a summary is printed at the end.
#
# Environment: FAULTS=0 skips the fault suite, FAULTS_* scale it (faults/);
# CI (set in CI: integration tests fail instead of skipping when
# a tool is missing), FUZZ_TIME per target (20s), FUZZ_BUDGET total seconds
# for fuzzing (240), GO_TEST_TIMEOUT (30m), GO_TEST_P (2), TEMPORAL_CLI,
# PG_STACK=1 (the integration tests once more on Temporal-on-PostgreSQL),
# MUTATION=0 (skips mutation testing).
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh
set -e

WORKFLOWCHECK_VERSION="v0.6.0"
GREMLINS_VERSION="v0.6.0"
FUZZ_TIME="${FUZZ_TIME:-20s}"
FUZZ_BUDGET="${FUZZ_BUDGET:-240}"
GO_TEST_TIMEOUT="${GO_TEST_TIMEOUT:-30m}"
GO_TEST_P="${GO_TEST_P:-2}"
ROOT="$(pwd)"
START=$SECONDS

require_go
say "$(go version)"

# --- tools -------------------------------------------------------------------
say "downloading Go modules"
go mod download

TEMPORAL_CLI="$(ensure_temporal_cli)"
export TEMPORAL_CLI
say "Temporal CLI: $TEMPORAL_CLI"

WORKFLOWCHECK="$(gobin)/workflowcheck"
if [[ ! -x "$WORKFLOWCHECK" ]]; then
  if command -v workflowcheck >/dev/null 2>&1; then
    WORKFLOWCHECK="$(command -v workflowcheck)"
  else
    say "installing workflowcheck ${WORKFLOWCHECK_VERSION}"
    go install "go.temporal.io/sdk/contrib/tools/workflowcheck@${WORKFLOWCHECK_VERSION}"
  fi
fi

GREMLINS=""
if [[ "${MUTATION:-1}" != "0" ]]; then
  GREMLINS="$(gobin)/gremlins"
  if [[ ! -x "$GREMLINS" ]]; then
    if command -v gremlins >/dev/null 2>&1; then
      GREMLINS="$(command -v gremlins)"
    else
      say "installing gremlins ${GREMLINS_VERSION} (mutation testing)"
      go install "github.com/go-gremlins/gremlins/cmd/gremlins@${GREMLINS_VERSION}"
    fi
  fi
fi

COMPOSE=""
if command -v docker-compose >/dev/null 2>&1; then
  COMPOSE="docker-compose"
elif [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
  say "installing Debian's docker-compose (to validate docker-compose.yml)"
  if { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-compose; } >&2; then
    COMPOSE="docker-compose"
  fi
fi
if [[ -z "$COMPOSE" ]] && docker compose version >/dev/null 2>&1; then
  COMPOSE="docker compose"
fi
[[ -n "$COMPOSE" ]] || warn "docker-compose is not available and cannot be installed here (not root or no apt-get)"

if [[ -f tools/prism/package.json ]]; then
  if [[ ! -x tools/prism/node_modules/.bin/prism ]]; then
    if command -v npm >/dev/null 2>&1; then
      say "installing Prism (npm install --prefix tools/prism)"
      npm install --prefix tools/prism --no-audit --no-fund --loglevel=error >&2 || warn "npm install failed"
    else
      warn "npm is missing: cannot install Prism (tools/prism)"
    fi
  fi
  if [[ -x tools/prism/node_modules/.bin/prism ]]; then
    export PRISM="$ROOT/tools/prism/node_modules/.bin/prism"
    say "Prism: $PRISM"
  fi
fi
set +e

# --- steps -------------------------------------------------------------------
RESULTS=()
FAILED=0
step() { # step NAME CMD...: runs CMD, records the outcome
  local name=$1; shift
  local t0=$SECONDS
  printf '\n\033[1m=== %s\033[0m\n' "$name" >&2
  "$@"
  local rc=$?
  local took=$((SECONDS - t0))
  if (( rc == 0 )); then RESULTS+=("PASS  $name (${took}s)"); else
    RESULTS+=("FAIL  $name (${took}s, exit $rc)"); FAILED=1
  fi
  return 0
}
skip() { RESULTS+=("SKIP  $1: $2"); warn "skipping $1: $2"; }

gofmt_check() {
  local files
  files="$(find . -name '*.go' -not -path './.git/*' -not -path './tools/*' -not -path './.data/*' -not -path './bin/*' -print0 | xargs -0 gofmt -l)"
  if [[ -n "$files" ]]; then
    echo "these files need gofmt -w:" >&2; echo "$files" >&2; return 1
  fi
}

step "gofmt" gofmt_check
step "go vet" go vet ./...
step "workflowcheck (determinism)" "$WORKFLOWCHECK" -config workflowcheck.config.yaml ./workflows/...
# Mutation testing (issue 15) of the business rules only: fails below 90 %
# efficacy (killed / (killed + lived)) and lists the mutants that lived.
# Workflow packages are not covered yet. MUTATION=0 skips it.
if [[ "${MUTATION:-1}" == "0" ]]; then
  skip "mutation testing (gremlins, rules/)" "MUTATION=0"
else
  # gremlins stops a timed-out mutant's `go test` but not always the test
  # binary under it; whatever of its binaries still runs afterwards is
  # killed, so no endless mutant outlives the step (one ate the machine's
  # memory once).
  mutation_rules() {
    local rc d exe
    timeout 15m "$GREMLINS" unleash --workers 2 --threshold-efficacy 90 -S l ./rules
    rc=$?
    for d in /proc/[0-9]*; do
      exe=$(readlink "$d/exe" 2>/dev/null) || continue
      [[ $exe == "${TMPDIR:-/tmp}"/gremlins-*/rules.test* ]] && kill -9 "${d#/proc/}" 2>/dev/null
    done
    return $rc
  }
  step "mutation testing (gremlins, rules/, efficacy >= 90 %)" mutation_rules
fi
if [[ -n "$COMPOSE" ]]; then
  step "docker-compose config" $COMPOSE -f docker-compose.yml config -q
elif [[ -n "${CI:-}" ]]; then
  step "docker-compose config" false
else
  skip "docker-compose config" "docker-compose not installed"
fi
step "go test -race (unit + integration)" go test -race -count=1 -p "$GO_TEST_P" -timeout "$GO_TEST_TIMEOUT" ./...

# >>> Temporal on PostgreSQL (issue 17): scripts/pg-stack.sh runs the
# production shape from binaries (Debian's PostgreSQL, the server built from
# its Go module, SQL visibility) and every integration test runs again
# against it, each in a namespace of its own. PG_STACK=1 turns it on; it is
# off by default until its time in a fresh run is measured (README).
PGSTACK_DIR="$ROOT/.data/pg-stack-test"; export PGSTACK_DIR
pg_integration() {
  PGSTACK_FRESH=1 scripts/pg-stack.sh start || return 1
  JOBFLOW_TEST_TEMPORAL_ADDRESS="127.0.0.1:${PGSTACK_PORT:-7433}" \
    go test -count=1 -p "$GO_TEST_P" -timeout "$GO_TEST_TIMEOUT" $(go list ./... | grep -v '/faults$')
}
# The fault suite on the same stack, smaller (PG_FAULTS_* scale it), its
# server crash a SIGKILL of the Temporal process with the database kept;
# it writes RELIABILITY-postgres.md.
pg_faults() {
  FAULTS_TEMPORAL=postgres JOBFLOW_TEST_TEMPORAL_ADDRESS="127.0.0.1:${PGSTACK_PORT:-7433}" JOBFLOW_FAULTS=1 \
    FAULTS_VISITS="${PG_FAULTS_VISITS:-200}" FAULTS_KILLS="${PG_FAULTS_KILLS:-10}" FAULTS_BOOKINGS="${PG_FAULTS_BOOKINGS:-2000}" \
    go test -count=1 -timeout "${FAULTS_GO_TIMEOUT:-40m}" -run '^TestFaultSuite$' ./faults
}
if [[ "${PG_STACK:-0}" == "1" ]]; then
  step "go test (integration) on Temporal-on-PostgreSQL" pg_integration
  if [[ "${FAULTS:-1}" != "0" ]]; then
    step "fault suite on Temporal-on-PostgreSQL (RELIABILITY-postgres.md)" pg_faults
  fi
  scripts/pg-stack.sh stop || true
else
  skip "integration tests and fault suite on Temporal-on-PostgreSQL" "PG_STACK=1 runs them (scripts/pg-stack.sh)"
fi

# >>> fault suite (issue 8, owner: faults/): a real dev server on a database
# file (restarted mid-flow), the real worker process killed with SIGKILL, the
# outreach sandbox failing calls, the booking API under duplicates; rewrites
# RELIABILITY.md. Scale with FAULTS_* (see faults/faults_test.go);
# FAULTS=0 skips it.
if [[ "${FAULTS:-1}" == "0" ]]; then
  skip "fault suite" "FAULTS=0"
else
  step "fault suite (faults/, rewrites RELIABILITY.md)" \
    env JOBFLOW_FAULTS=1 go test -count=1 -timeout "${FAULTS_GO_TIMEOUT:-40m}" -run '^TestFaultSuite$' ./faults
fi
# <<< fault suite

# One fuzz target for FUZZ_TIME. Minimizing a new interesting input is capped
# (-fuzzminimizetime), else it can outlast -fuzztime and Go's coordinator
# ends with "context deadline exceeded" although nothing failed. Such a run
# (no failing input written under testdata/fuzz) is tried once more; a real
# crash writes its input and fails at once.
fuzz_one() {
  local dir=$1 name=$2 out try
  for try in 1 2; do
    out=$(mktemp)
    if go test -run='^$' -fuzz="^${name}\$" -fuzztime="$FUZZ_TIME" -fuzzminimizetime=5s -parallel 2 "$dir" 2>&1 | tee "$out"; then
      rm -f "$out"; return 0
    fi
    if grep -q "context deadline exceeded" "$out" && ! grep -q "Failing input written" "$out" && (( try == 1 )); then
      warn "$name: the fuzz coordinator timed out without a failing input; running it once more"
      rm -f "$out"; continue
    fi
    rm -f "$out"; return 1
  done
  return 1
}

# Fuzz targets: every `func FuzzXxx(f *testing.F)` in a _test.go file, each
# for FUZZ_TIME, within FUZZ_BUDGET seconds in all.
fuzz_all() {
  local file dir name rc=0 spent=0 t0 n=0
  while IFS=: read -r file name; do
    dir="./$(dirname "${file#./}")"
    if (( spent >= FUZZ_BUDGET )); then echo "fuzz budget (${FUZZ_BUDGET}s) spent; not running $dir $name" >&2; continue; fi
    t0=$SECONDS; n=$((n + 1))
    echo "--- fuzz $dir $name for $FUZZ_TIME" >&2
    fuzz_one "$dir" "$name" || rc=1
    spent=$((spent + SECONDS - t0))
  done < <(grep -rHoE --include='*_test.go' --exclude-dir=node_modules --exclude-dir=.data \
             '^func Fuzz[A-Za-z0-9_]*\(' . | sed -E 's/\($//; s/:func /:/' | sort)
  (( n > 0 )) || echo "no fuzz targets" >&2
  return $rc
}
if (( FAILED )); then
  skip "fuzz" "earlier steps failed"
else
  step "fuzz (${FUZZ_TIME} per target, ${FUZZ_BUDGET}s budget)" fuzz_all
fi

# --- summary -----------------------------------------------------------------
printf '\n\033[1m=== summary (%ss)\033[0m\n' "$((SECONDS - START))"
printf '  %s\n' "${RESULTS[@]}"
if (( FAILED )); then
  printf '\033[31mFAILED\033[0m\n'
  exit 1
fi
printf '\033[32mALL PASSED\033[0m\n'
