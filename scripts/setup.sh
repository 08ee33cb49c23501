#!/usr/bin/env bash
# Set up proofmend on a fresh Debian machine: Coq from Debian, the package and
# its test and nn extras in ./.venv, and what the editor tests drive (Neovim,
# Emacs with eglot, npm and the VS Code extension's packages; --no-editors
# leaves these out, and those tests then skip).  Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
EDITORS=1
for arg in "$@"; do
  case "$arg" in
    --no-editors) EDITORS=0 ;;
    *) echo "usage: $0 [--no-editors]" >&2; exit 2 ;;
  esac
done
SUDO=""
if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null; then SUDO="sudo"; fi
if ! command -v coqc >/dev/null || ! command -v coqidetop.opt >/dev/null; then
  $SUDO apt-get update -qq
  # coq: coqc and coqidetop; libcoq-hammer: sauto/hauto for the offline search.
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq coq libcoq-hammer >/dev/null
fi
python3 -m venv .venv
.venv/bin/pip install -q --upgrade pip
# The CPU build of torch (only the nn_proofs commands need it); pinned so pip
# takes the local wheel instead of downloading a CUDA build.
.venv/bin/pip install -q torch==2.13.0 || echo "warning: torch not installed; 'proofmend nn' will be unavailable" >&2
.venv/bin/pip install -q -e '.[test,nn,ray]'
if [ "$EDITORS" = 1 ]; then
  # The editors tests/test_editor_real.py drives, and npm for tests/test_editor_vscode.py, from Debian.
  missing=""
  command -v nvim >/dev/null || missing="$missing neovim"
  command -v emacs >/dev/null || missing="$missing emacs-nox"
  dpkg -s elpa-eglot >/dev/null 2>&1 || missing="$missing elpa-eglot"
  command -v npm >/dev/null || missing="$missing npm"
  if [ -n "$missing" ]; then
    { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null; } \
      || echo "warning:$missing not installed; the editor tests that need them will skip" >&2
  fi
  if command -v npm >/dev/null && [ ! -d editors/vscode/node_modules ]; then
    (cd editors/vscode && npm ci --no-audit --no-fund >/dev/null) \
      || echo "warning: the VS Code extension's packages not installed; tests/test_editor_vscode.py will skip" >&2
  fi
fi
echo "proofmend is set up in .venv ($(.venv/bin/proofmend --version 2>/dev/null || echo ok))"
