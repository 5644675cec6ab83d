#!/usr/bin/env bash
# `make install` (so `make run`, `make test`, ...): a working virtualenv made by a Python the pinned
# requirements support, before pip installs into it.
#
#   ops/ensure_venv.sh PYTHON VENV
#
# - VENV works (its python has pip) and its Python is supported: nothing to do (a symlinked,
#   shared VENV included).
# - VENV is broken — a failed `python3 -m venv` (Debian without python3-venv) leaves bin/python
#   without pip, and every later make would fail with "No module named pip" — or was made by an
#   unsupported Python: it is recreated. A symlinked VENV is never deleted: that is reported.
# - PYTHON must be CPython 3.11 (what the pins are tested on) or 3.12; PINGJIAN_ANY_PYTHON=1 lets
#   any Python try.
set -euo pipefail

python=${1:?usage: ops/ensure_venv.sh PYTHON VENV}
venv=${2:?usage: ops/ensure_venv.sh PYTHON VENV}
SUPPORTED=(3.11 3.12)
NEED="CPython 3.11 (3.12 also works)"

die() {
  echo "make: $*" >&2
  exit 1
}

# "3.11" for CPython 3.11, the implementation's name otherwise (pypy, ...), "unknown" if it cannot say.
version_of() {
  local v
  v=$("$1" -c 'import sys; print("%d.%d" % sys.version_info[:2] if sys.implementation.name == "cpython" else sys.implementation.name)' 2>/dev/null) || true
  echo "${v:-unknown}"
}

supported() {
  [[ ${PINGJIAN_ANY_PYTHON:-} == 1 ]] && return 0
  local s
  for s in "${SUPPORTED[@]}"; do [[ $1 == "$s" ]] && return 0; done
  return 1
}

# 1. An existing venv: keep it if it works and its Python is supported, else recreate it.
if [[ -e $venv || -L $venv ]]; then
  if [[ -x $venv/bin/python ]] && "$venv/bin/python" -m pip --version >/dev/null 2>&1; then
    v=$(version_of "$venv/bin/python")
    supported "$v" && exit 0
    problem="was made by Python $v, but the pinned requirements need $NEED"
  else
    problem="is broken: its python has no pip (an earlier \`python3 -m venv\` failed half-way?)"
  fi
  if [[ -L $venv ]]; then
    die "$venv $problem. It is a symlink to $(readlink -f "$venv") (a shared venv): repair that one, or remove the link (rm $venv) and make creates a venv here."
  fi
  echo "make: $venv $problem: recreating it" >&2
  rm -rf "$venv"
fi

# 2. A new venv, made by a supported Python.
command -v "$python" >/dev/null 2>&1 ||
  die "$python not found. The pinned requirements need $NEED: install it (Debian/Ubuntu: sudo apt-get install python3.11 python3.11-venv) and run e.g. make PYTHON=python3.11 run."
v=$(version_of "$python")
supported "$v" ||
  die "$python is Python $v, but the pinned requirements are tested on CPython 3.11 (3.12 also works). Install it and run e.g. make PYTHON=python3.11 run — or set PINGJIAN_ANY_PYTHON=1 to try Python $v anyway."
if ! "$python" -m venv "$venv"; then
  rm -rf "$venv"  # a half-made venv (python without pip) would break every later make
  die "\`$python -m venv $venv\` failed: install the venv module (Debian/Ubuntu: sudo apt-get install python3-venv, or python$v-venv) and run make again."
fi
