#!/usr/bin/env bash
# Sets up a fresh machine for this project: a virtual environment with the project and
# its dev tools, the demo's identity provider (Node), plus what the tests use (a PostgreSQL
# server's binaries, Debian's Chromium, and the DfE's CIN census validator in an environment
# of its own, .venv-cin: it pins pandas 1.5 and needs numpy < 2). Safe to run again: it
# only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}
CIN_VENV=${CIN_VENV:-.venv-cin}
# pandas 1.5 (the validator's pin) has wheels up to Python 3.11 only.
CIN_PYTHON=${CIN_PYTHON:-$(command -v python3.11 || echo "$PYTHON")}

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

apt_install() {
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "apt-get is not available: install $* by hand" >&2
    return 1
  fi
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  if [ -z "${APT_UPDATED:-}" ]; then
    $sudo apt-get update -qq
    APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

if [ ! -x "$VENV/bin/python" ]; then
  say "creating $VENV"
  "$PYTHON" -m venv "$VENV"
fi
say "installing the project and its dev tools"
"$VENV/bin/python" -m pip install -q --upgrade pip >/dev/null
"$VENV/bin/python" -m pip install -q -e ".[dev]"

# The demo's identity provider (scripts/oidc: oidc-provider on Node, from the npm registry,
# at the version package-lock.json pins): make run signs people in through it.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  say "installing Node.js (Debian package) for the demo's identity provider"
  apt_install nodejs npm
fi
if [ ! -d scripts/oidc/node_modules/oidc-provider ]; then
  say "installing the demo's identity provider (scripts/oidc)"
  npm ci --prefix scripts/oidc --no-audit --no-fund --loglevel=error >/dev/null
fi

if [ "${1:-}" = "--with-test-services" ]; then
  if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null 2>&1; then
    say "installing PostgreSQL (Debian package)"
    apt_install postgresql
  fi
  if ! command -v chromium >/dev/null 2>&1; then
    say "installing Chromium (Debian package) for the UI tests"
    apt_install chromium
  fi
  if ! "$CIN_VENV/bin/python" -c "import cin_validator, pytest" >/dev/null 2>&1; then
    say "installing the DfE's CIN census validator in $CIN_VENV"
    rm -rf "$CIN_VENV"
    "$CIN_PYTHON" -m venv "$CIN_VENV"
    "$CIN_VENV/bin/python" -m pip install -q --upgrade pip >/dev/null
    # numpy 2 breaks pandas 1.5 at import; the validator's __main__ imports pytest.
    "$CIN_VENV/bin/python" -m pip install -q "csc-validator-be-cin==0.1.13" "numpy<2" pytest
  fi
fi
say "ready"
