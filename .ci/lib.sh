# Helpers for .ci/run (sourced; also sourced by tests/unit/ops/test_ci_run.py).

# wait_for SECONDS WHAT COMMAND...: run COMMAND once a second until it succeeds; after SECONDS
# tries, say what never became ready and fail (a loop that falls through would let the run go on
# and fail later, somewhere confusing).
wait_for() {
  local seconds=$1 what=$2
  shift 2
  local _
  for _ in $(seq "$seconds"); do
    "$@" && return 0
    sleep 1
  done
  echo "✗ $what not ready after ${seconds}s" >&2
  return 1
}

# ensure_tools TOOL...: apt-get install the tools that are not on PATH (Debian package = tool name).
ensure_tools() {
  local missing=() tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
  done
  (( ${#missing[@]} )) || return 0
  echo "installing ${missing[*]} (apt-get)"
  local sudo=()
  [[ $(id -u) == 0 ]] || sudo=(sudo)
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
}
