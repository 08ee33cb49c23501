#!/usr/bin/env bash
# Set up proofmend on a fresh Debian machine: Coq from Debian, the package and
# its test and nn extras in ./.venv.  Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
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
echo "proofmend is set up in .venv ($(.venv/bin/proofmend --version 2>/dev/null || echo ok))"
