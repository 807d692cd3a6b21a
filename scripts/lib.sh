# shellcheck shell=bash
# Helpers shared by scripts/up.sh and scripts/test.sh. Source it from the
# repository root.

TEMPORAL_CLI_VERSION="v1.5.1"
TEMPORAL_CLI_MODULE="github.com/temporalio/cli/cmd/temporal"

say()  { printf '\033[1m[jobflow]\033[0m %s\n' "$*" >&2; }
warn() { printf '\033[33m[jobflow] WARNING:\033[0m %s\n' "$*" >&2; }
die()  { printf '\033[31m[jobflow] ERROR:\033[0m %s\n' "$*" >&2; exit 1; }

require_go() {
  command -v go >/dev/null 2>&1 || die "Go is not installed (need the version in go.mod); see https://go.dev/dl/"
}

# gobin prints where `go install` puts binaries.
gobin() {
  local b
  b="$(go env GOBIN)"
  if [[ -z "$b" ]]; then b="$(go env GOPATH | cut -d: -f1)/bin"; fi
  printf '%s\n' "$b"
}

# ensure_temporal_cli prints the path of the Temporal CLI, installing the
# pinned version with `go install` when none is found ($TEMPORAL_CLI, then
# GOBIN/GOPATH/bin, then PATH).
ensure_temporal_cli() {
  if [[ -n "${TEMPORAL_CLI:-}" ]]; then
    [[ -x "$TEMPORAL_CLI" ]] || die "TEMPORAL_CLI=$TEMPORAL_CLI is not an executable"
    printf '%s\n' "$TEMPORAL_CLI"; return
  fi
  local b; b="$(gobin)"
  if [[ -x "$b/temporal" ]]; then printf '%s\n' "$b/temporal"; return; fi
  if command -v temporal >/dev/null 2>&1; then command -v temporal; return; fi
  say "installing the Temporal CLI ${TEMPORAL_CLI_VERSION} (go install ${TEMPORAL_CLI_MODULE}; the first build takes a few minutes)"
  go install "${TEMPORAL_CLI_MODULE}@${TEMPORAL_CLI_VERSION}" >&2 || die "could not install the Temporal CLI"
  [[ -x "$b/temporal" ]] || die "go install finished but $b/temporal is missing"
  printf '%s\n' "$b/temporal"
}

# port_in_use HOST PORT: true when something accepts connections there.
port_in_use() {
  (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

# main_packages prints, of the given directories, those that hold a Go main
# package (so scripts build whichever binaries exist today).
main_packages() {
  local d name
  for d in "$@"; do
    [[ -d "$d" ]] || continue
    compgen -G "$d/*.go" >/dev/null || continue
    name="$(go list -f '{{.Name}}' "./$d" 2>/dev/null || true)"
    [[ "$name" == "main" ]] && printf './%s\n' "$d"
  done
  return 0
}

# load_env_defaults FILE: exports each KEY=VALUE line of FILE whose KEY is not
# set yet (comments and blank lines skipped; values taken literally).
load_env_defaults() {
  local file=$1 line key val
  [[ -f "$file" ]] || return 0
  while IFS= read -r line || [[ -n "$line" ]]; do
    line="${line%$'\r'}"
    [[ -z "${line// }" || "$line" =~ ^[[:space:]]*# ]] && continue
    [[ "$line" == *=* ]] || continue
    key="${line%%=*}"; val="${line#*=}"
    key="${key//[[:space:]]/}"
    [[ "$key" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || continue
    if [[ -z "${!key+x}" ]]; then export "$key=$val"; fi
  done <"$file"
}
