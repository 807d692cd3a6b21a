#!/usr/bin/env bash
# Brings jobflow up on this machine, everything bound to 127.0.0.1:
#   - the Temporal dev server (pinned CLI, installed if missing) with its UI,
#     state in .data/temporal.db (survives restarts), our search attributes;
#   - the outreach sandbox (fake Twilio/SendGrid with an outbox), unless real
#     TWILIO_ACCOUNT_SID / SENDGRID_API_KEY are configured;
#   - the worker, then the starter's HTTP API (`starter serve`) when built.
# Logs go to .data/logs/<name>.log. Ctrl-C stops everything.
#
# Environment: TEMPORAL_CLI (use this CLI binary), TEMPORAL_PORT (7233),
# TEMPORAL_UI_PORT (8233), JOBFLOW_DATA (.data), plus anything the binaries
# read (see README "Configuration").
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

# Local defaults for every binary (your environment wins): deploy/local.env.
load_env_defaults deploy/local.env

HOST=127.0.0.1
TEMPORAL_PORT="${TEMPORAL_PORT:-7233}"
TEMPORAL_UI_PORT="${TEMPORAL_UI_PORT:-8233}"
API_PORT="${API_ADDR:-127.0.0.1:8080}"; API_PORT="${API_PORT##*:}"
SANDBOX_PORT="${SANDBOX_ADDR:-127.0.0.1:8025}"; SANDBOX_PORT="${SANDBOX_PORT##*:}"
DATA="${JOBFLOW_DATA:-.data}"
LOGS="$DATA/logs"

require_go
mkdir -p "$DATA" "$LOGS" bin

# --- children and clean shutdown -------------------------------------------
PIDS=()   # started processes, in start order
NAMES=()
OPTIONAL=() # 1: may exit without stopping the rest
stopping=0
stop_all() {
  local code=${1:-0}
  (( stopping )) && return; stopping=1
  trap - INT TERM
  say "stopping..."
  local i pid
  for (( i=${#PIDS[@]}-1; i>=0; i-- )); do
    pid=${PIDS[$i]}
    [[ -n "$pid" ]] || continue
    if kill -0 "$pid" 2>/dev/null; then
      kill -INT "$pid" 2>/dev/null || true
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      if kill -0 "$pid" 2>/dev/null; then
        warn "${NAMES[$i]} did not stop in 10 s; killing it"
        kill -KILL "$pid" 2>/dev/null || true
      fi
      wait "$pid" 2>/dev/null || true
    fi
    say "stopped ${NAMES[$i]}"
  done
  exit "$code"
}
trap 'stop_all 130' INT
trap 'stop_all 143' TERM
trap 'stop_all $?' EXIT

# start NAME CMD...: runs CMD in the background, logging to $LOGS/NAME.log.
# start_optional is start for a service whose failure leaves the rest up.
start() {
  local name=$1; shift
  "$@" >"$LOGS/$name.log" 2>&1 &
  PIDS+=("$!"); NAMES+=("$name"); OPTIONAL+=(0)
  say "started $name (pid $!), log: $LOGS/$name.log"
}

start_optional() {
  start "$@"
  OPTIONAL[${#OPTIONAL[@]}-1]=1
}

# ready NAME SECONDS CHECK...: like wait_for, but returns 1 instead of dying.
ready() {
  local name=$1 secs=$2; shift 2
  local pid=${PIDS[${#PIDS[@]}-1]}
  for (( i=0; i<secs*5; i++ )); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  warn "$name did not come up; last lines of $LOGS/$name.log:"
  tail -n 15 "$LOGS/$name.log" >&2 || true
  kill -INT "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  PIDS[${#PIDS[@]}-1]=""
  return 1
}

# wait_for NAME SECONDS CHECK...: waits until CHECK succeeds while NAME runs.
wait_for() {
  local name=$1 secs=$2; shift 2
  local pid=${PIDS[${#PIDS[@]}-1]}
  for (( i=0; i<secs*5; i++ )); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 30 "$LOGS/$name.log" >&2 || true
      die "$name exited during start-up (see $LOGS/$name.log)"
    fi
    sleep 0.2
  done
  tail -n 30 "$LOGS/$name.log" >&2 || true
  die "$name not ready after ${secs}s (see $LOGS/$name.log)"
}

# --- tools and binaries ----------------------------------------------------
TEMPORAL="$(ensure_temporal_cli)"
say "Temporal CLI: $TEMPORAL"

mapfile -t PKGS < <(main_packages worker starter sandbox)
say "building ${PKGS[*]} into ./bin"
go build -o bin/ "${PKGS[@]}" ./internal/temporalx/cmd/searchattrs

mapfile -t ATTRS < <(bin/searchattrs)
SA_ARGS=()
for a in "${ATTRS[@]}"; do SA_ARGS+=(--search-attribute "$a"); done

# --- Temporal dev server ---------------------------------------------------
for p in "$TEMPORAL_PORT" "$TEMPORAL_UI_PORT"; do
  if port_in_use "$HOST" "$p"; then
    die "port $HOST:$p is already in use (another Temporal dev server or ./scripts/up.sh running?). Stop it, or set TEMPORAL_PORT/TEMPORAL_UI_PORT."
  fi
done
start temporal "$TEMPORAL" server start-dev \
  --ip "$HOST" --port "$TEMPORAL_PORT" \
  --ui-ip "$HOST" --ui-port "$TEMPORAL_UI_PORT" \
  --db-filename "$DATA/temporal.db" \
  --namespace default --log-level warn \
  "${SA_ARGS[@]}"
wait_for temporal 120 "$TEMPORAL" operator cluster health --address "$HOST:$TEMPORAL_PORT"
say "Temporal is healthy on $HOST:$TEMPORAL_PORT"

export TEMPORAL_ADDRESS="$HOST:$TEMPORAL_PORT"
export TEMPORAL_NAMESPACE="${TEMPORAL_NAMESPACE:-default}"
export PUBLIC_BASE_URL="${PUBLIC_BASE_URL:-http://$HOST:$API_PORT}"

# --- outreach sandbox ------------------------------------------------------
SANDBOX=0
if [[ -x bin/sandbox && -z "${TWILIO_ACCOUNT_SID:-}" && -z "${SENDGRID_API_KEY:-}" ]]; then
  if port_in_use "$HOST" "$SANDBOX_PORT"; then
    die "port $HOST:$SANDBOX_PORT (sandbox) is already in use"
  fi
  start_optional sandbox bin/sandbox
  if ready sandbox 30 port_in_use "$HOST" "$SANDBOX_PORT"; then SANDBOX=1; else
    warn "continuing without the sandbox: outreach is only logged"
  fi
fi
if (( SANDBOX )); then
  export TWILIO_API_BASE="http://$HOST:$SANDBOX_PORT"
  export SENDGRID_API_BASE="http://$HOST:$SANDBOX_PORT"
  export TWILIO_ACCOUNT_SID="AC00000000000000000000000000000000"
  export TWILIO_AUTH_TOKEN="sandboxtoken"
  export TWILIO_FROM="+46700000000"
  export SENDGRID_API_KEY="SGsandbox"
  export SENDGRID_FROM="noreply@jobflow.local"
fi

# --- worker ----------------------------------------------------------------
start worker bin/worker
wait_for worker 60 grep -q "worker connected" "$LOGS/worker.log"
say "worker connected to $TEMPORAL_ADDRESS"

# --- starter HTTP API ------------------------------------------------------
API=0
if [[ -x bin/starter ]] && bin/starter -h 2>&1 | grep -qw serve; then
  if port_in_use "$HOST" "$API_PORT"; then
    die "port $HOST:$API_PORT (API) is already in use"
  fi
  start_optional starter bin/starter serve
  if ready starter 30 port_in_use "$HOST" "$API_PORT"; then API=1; else
    warn "continuing without the API (fix the configuration above; defaults live in deploy/local.env)"
  fi
fi

{
  echo
  echo "  jobflow is up. Ctrl-C stops everything."
  echo
  echo "    Temporal UI    http://$HOST:$TEMPORAL_UI_PORT   (namespace default)"
  echo "    Temporal gRPC  $HOST:$TEMPORAL_PORT"
  if (( API )); then echo "    API            http://$HOST:$API_PORT"; fi
  if (( SANDBOX )); then echo "    Outbox         http://$HOST:$SANDBOX_PORT   (SMS, calls and e-mails the sandbox caught)"; fi
  echo "    Logs           $LOGS/*.log"
  echo "    State          $DATA/temporal.db (kept across restarts; delete it to start afresh)"
  if [[ -x bin/starter ]]; then echo; echo "  Start a visit:  see README \"Start a visit\" (bin/starter -h)"; fi
  echo
} >&2

# --- supervise ---------------------------------------------------------------
while true; do
  for i in "${!PIDS[@]}"; do
    [[ -n "${PIDS[$i]}" ]] || continue
    if ! kill -0 "${PIDS[$i]}" 2>/dev/null; then
      wait "${PIDS[$i]}" 2>/dev/null || true
      warn "${NAMES[$i]} exited; last lines of $LOGS/${NAMES[$i]}.log:"
      tail -n 20 "$LOGS/${NAMES[$i]}.log" >&2 || true
      if (( OPTIONAL[i] )); then PIDS[$i]=""; continue; fi
      stop_all 1
    fi
  done
  sleep 1 &
  wait $! || true
done
