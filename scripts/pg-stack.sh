#!/usr/bin/env bash
# Temporal on PostgreSQL, without Docker: the production shape that
# docker-compose.yml describes, run from binaries on 127.0.0.1.
#
#   ./scripts/pg-stack.sh start    # PostgreSQL + Temporal (frontend, history,
#                                  # matching, worker in one process), schemas,
#                                  # namespace and jobflow's search attributes
#   ./scripts/pg-stack.sh stop     # stops Temporal and PostgreSQL, keeps data
#   ./scripts/pg-stack.sh restart-temporal   # kills the server, keeps the DB
#                                  # (kill-temporal, start-temporal: its halves)
#   ./scripts/pg-stack.sh env      # prints TEMPORAL_ADDRESS=... for clients
#
# PostgreSQL comes from Debian (installed with apt-get when missing and we
# are root); the Temporal server and its SQL tool are built from the Go
# module go.temporal.io/server at the version docker-compose.yml pins
# (TEMPORAL_SERVER_VERSION), once, into $PGSTACK_DIR/bin. Visibility is SQL
# on PostgreSQL, as in compose. Settings: PGSTACK_DIR (.data/pg-stack),
# PGSTACK_PG_PORT (55432), PGSTACK_PORT (frontend gRPC, 7433; the other
# services use the next ports), TEMPORAL_SERVER_VERSION (1.29.1),
# PGSTACK_FRESH=1 (start from an empty database).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

VERSION="${TEMPORAL_SERVER_VERSION:-1.29.1}"
DIR="${PGSTACK_DIR:-${JOBFLOW_DATA:-.data}/pg-stack}"
mkdir -p "$DIR"; DIR="$(cd "$DIR" && pwd)"
PG_PORT="${PGSTACK_PG_PORT:-55432}"
PORT="${PGSTACK_PORT:-7433}"
HOST=127.0.0.1
BIN="$DIR/bin"
PGDATA="$DIR/postgres"
PGRUN="$DIR/run"   # unix socket and pid of postgres
LOG="$DIR/logs"
mkdir -p "$BIN" "$LOG" "$PGRUN"

pg_bin() { # Debian keeps the server binaries under /usr/lib/postgresql/<v>/bin
  local d
  for d in /usr/lib/postgresql/*/bin; do [[ -x "$d/initdb" ]] && { printf '%s\n' "$d"; return; }; done
  command -v initdb >/dev/null 2>&1 && { dirname "$(command -v initdb)"; return; }
  return 1
}

ensure_postgres() {
  if ! pg_bin >/dev/null; then
    [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1 ||
      die "PostgreSQL is missing: install Debian's postgresql package"
    say "installing Debian's postgresql"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; } >&2 ||
      die "apt-get install postgresql failed"
  fi
  PGBIN="$(pg_bin)"
}

# PostgreSQL refuses to run as root: as root, run it as the postgres user.
as_pg() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start_postgres() {
  ensure_postgres
  if [[ ! -f "$PGDATA/PG_VERSION" ]]; then
    say "initialising PostgreSQL in $PGDATA"
    mkdir -p "$PGDATA"
    [[ $(id -u) -eq 0 ]] && chown -R postgres "$PGDATA" "$PGRUN"
    as_pg "$PGBIN/initdb" -D "$PGDATA" -U postgres --auth=trust -E UTF8 >"$LOG/initdb.log" 2>&1 ||
      die "initdb failed: $LOG/initdb.log"
  fi
  [[ $(id -u) -eq 0 ]] && chown -R postgres "$PGRUN" && touch "$LOG/postgres.log" && chown postgres "$LOG/postgres.log"
  if ! as_pg "$PGBIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; then
    as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -l "$LOG/postgres.log" -w -t 60 \
      -o "-c listen_addresses=$HOST -p $PG_PORT -k $PGRUN -c max_connections=200" start >/dev/null ||
      die "PostgreSQL did not start: $LOG/postgres.log"
  fi
  # The temporal role, as compose's POSTGRES_USER (password auth is trust on loopback here).
  psql -h "$HOST" -p "$PG_PORT" -U postgres -tAc "SELECT 1 FROM pg_roles WHERE rolname='temporal'" | grep -q 1 ||
    psql -h "$HOST" -p "$PG_PORT" -U postgres -qc "CREATE ROLE temporal LOGIN CREATEDB PASSWORD 'temporal'"
  say "PostgreSQL on $HOST:$PG_PORT ($PGDATA)"
}

build_server() {
  if [[ -x "$BIN/temporal-server" && -x "$BIN/temporal-sql-tool" && "$(cat "$BIN/version" 2>/dev/null)" == "$VERSION" ]]; then return; fi
  say "building the Temporal server $VERSION from go.temporal.io/server (once; a few minutes)"
  GOBIN="$BIN" go install "go.temporal.io/server/cmd/server@v$VERSION" "go.temporal.io/server/cmd/tools/sql@v$VERSION" >&2 ||
    die "could not build go.temporal.io/server@v$VERSION"
  mv -f "$BIN/server" "$BIN/temporal-server"; mv -f "$BIN/sql" "$BIN/temporal-sql-tool"
  echo "$VERSION" >"$BIN/version"
}

schema_dir() { printf '%s\n' "$(go env GOMODCACHE)/go.temporal.io/server@v$VERSION/schema/postgresql/v12"; }

setup_schemas() {
  local sql=("$BIN/temporal-sql-tool" --plugin postgres12 --ep "$HOST" -p "$PG_PORT" -u temporal --pw temporal)
  local db sub
  for db in temporal temporal_visibility; do
    sub=temporal; [[ $db == temporal_visibility ]] && sub=visibility
    "${sql[@]}" --db "$db" create-database >/dev/null 2>&1 || true # exists already
    # setup-schema -v 0.0 creates the version table; update-schema applies
    # every versioned step not yet applied (idempotent on a second start).
    "${sql[@]}" --db "$db" setup-schema -v 0.0 >"$LOG/schema-$db.log" 2>&1 || true
    "${sql[@]}" --db "$db" update-schema -d "$(schema_dir)/$sub/versioned" >>"$LOG/schema-$db.log" 2>&1 ||
      die "schema update of $db failed: $LOG/schema-$db.log"
  done
  say "schemas of temporal and temporal_visibility are current ($VERSION)"
}

write_config() {
  mkdir -p "$DIR/config/dynamicconfig"
  cat >"$DIR/config/dynamicconfig/jobflow.yaml" <<'EOF'
# Search attributes added at run time are visible at once (tests add them).
system.forceSearchAttributesCacheRefreshOnRead:
  - value: true
EOF
  local store
  cat >"$DIR/config/jobflow.yaml" <<EOF
log:
  stdout: true
  level: warn
persistence:
  defaultStore: postgres-default
  visibilityStore: postgres-visibility
  numHistoryShards: 4
  datastores:
$(for store in default:temporal:20 visibility:temporal_visibility:10; do
  IFS=: read -r name db conns <<<"$store"
  cat <<INNER
    postgres-$name:
      sql:
        pluginName: "postgres12"
        databaseName: "$db"
        connectAddr: "$HOST:$PG_PORT"
        connectProtocol: "tcp"
        user: "temporal"
        password: "temporal"
        maxConns: $conns
        maxIdleConns: $conns
        maxConnLifetime: "1h"
INNER
done)
global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: "$HOST"
services:
  frontend:
    rpc: {grpcPort: $PORT, membershipPort: $((PORT + 10)), bindOnIP: "$HOST", httpPort: $((PORT + 20))}
  history:
    rpc: {grpcPort: $((PORT + 1)), membershipPort: $((PORT + 11)), bindOnIP: "$HOST"}
  matching:
    rpc: {grpcPort: $((PORT + 2)), membershipPort: $((PORT + 12)), bindOnIP: "$HOST"}
  worker:
    rpc: {grpcPort: $((PORT + 3)), membershipPort: $((PORT + 13)), bindOnIP: "$HOST"}
clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: "active"
  currentClusterName: "active"
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: "frontend"
      rpcAddress: "$HOST:$PORT"
dcRedirectionPolicy:
  policy: "noop"
dynamicConfigClient:
  filepath: "$DIR/config/dynamicconfig/jobflow.yaml"
  pollInterval: "10s"
EOF
}

start_temporal() {
  if port_in_use "$HOST" "$PORT"; then say "Temporal already listens on $HOST:$PORT"; return; fi
  write_config
  "$BIN/temporal-server" --root "$DIR" --config config --env jobflow --allow-no-auth start \
    >>"$LOG/temporal.log" 2>&1 &
  echo $! >"$DIR/temporal.pid"
  local cli; cli="$(ensure_temporal_cli)"
  for _ in $(seq 1 120); do
    "$cli" operator cluster health --address "$HOST:$PORT" >/dev/null 2>&1 && break
    kill -0 "$(cat "$DIR/temporal.pid")" 2>/dev/null || die "the Temporal server exited: $LOG/temporal.log"
    sleep 1
  done
  "$cli" operator cluster health --address "$HOST:$PORT" >/dev/null 2>&1 || die "Temporal not healthy after 120 s: $LOG/temporal.log"
  say "Temporal $VERSION on $HOST:$PORT (pid $(cat "$DIR/temporal.pid"), logs $LOG/temporal.log)"
}

setup_namespace() {
  local cli; cli="$(ensure_temporal_cli)"
  local ns="${TEMPORAL_NAMESPACE:-default}"
  if ! "$cli" operator namespace describe -n "$ns" --address "$HOST:$PORT" >/dev/null 2>&1; then
    "$cli" operator namespace create -n "$ns" --retention "${TEMPORAL_RETENTION:-72h}" --address "$HOST:$PORT" >/dev/null
  fi
  # A new namespace reaches every service's cache within seconds.
  for _ in $(seq 1 60); do
    "$cli" workflow list -n "$ns" --address "$HOST:$PORT" --limit 1 >/dev/null 2>&1 && break
    sleep 1
  done
  go build -o "$BIN/searchattrs" ./internal/temporalx/cmd/searchattrs
  local a have
  have="$("$cli" operator search-attribute list -n "$ns" --address "$HOST:$PORT" 2>/dev/null || true)"
  while IFS= read -r a; do
    grep -qw "${a%%=*}" <<<"$have" && continue
    "$cli" operator search-attribute create -n "$ns" --address "$HOST:$PORT" --name "${a%%=*}" --type "${a#*=}" >/dev/null ||
      die "could not register search attribute $a"
  done < <("$BIN/searchattrs")
  say "namespace $ns with jobflow's search attributes"
}

stop_temporal() {
  local pid
  pid="$(cat "$DIR/temporal.pid" 2>/dev/null || true)"
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
    kill "${1:--TERM}" "$pid" 2>/dev/null || true
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$DIR/temporal.pid"
}

case "${1:-start}" in
  start)
    require_go
    if [[ "${PGSTACK_FRESH:-0}" == "1" ]]; then # a clean database; the built server stays
      stop_temporal; ensure_postgres
      as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -m immediate stop >/dev/null 2>&1 || true
      rm -rf "$PGDATA" "$LOG"; mkdir -p "$LOG"
    fi
    start_postgres
    build_server
    setup_schemas
    start_temporal
    setup_namespace
    echo "TEMPORAL_ADDRESS=$HOST:$PORT"
    ;;
  stop)
    stop_temporal
    ensure_postgres
    as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -m fast stop >/dev/null 2>&1 || true
    say "stopped (data kept in $DIR)"
    ;;
  restart-temporal) # a server crash: SIGKILL, the database stays
    stop_temporal -KILL
    start_temporal
    ;;
  kill-temporal) stop_temporal -KILL ;;   # the two halves of restart-temporal,
  start-temporal) start_temporal ;;       # for the fault suite's chaos
  env) echo "TEMPORAL_ADDRESS=$HOST:$PORT" ;;
  *) die "usage: $0 start|stop|restart-temporal|kill-temporal|start-temporal|env" ;;
esac
