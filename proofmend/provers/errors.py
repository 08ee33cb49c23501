"""Errors of the prover layer.

Two channels: the prover *rejecting* a step is a value (see ``results``); the
prover *failing as a program* (crash, hang, out of memory, protocol breakage)
is one of the exceptions below.  Bad user input is :class:`InputError`.
"""

from __future__ import annotations


class InputError(Exception):
    """Bad input from the user: a missing file, a broken _CoqProject, ... (exit 2)."""


class ProverError(Exception):
    """The prover process failed as a program: the family of infrastructure errors."""


class ProverCrashError(ProverError):
    """The prover process died (EOF on its channel, killed, crashed)."""


class ProverStartError(InputError, ProverCrashError):
    """The prover will not start with the project's flags (an unknown option, a library it cannot load).

    Bad input (exit 2) where it stops a run before any work; a crash where a running session is restarted.
    """


class ProverTimeoutError(ProverError):
    """The prover did not answer in time, even after an interrupt."""


class ProtocolError(ProverError):
    """The prover answered something this client cannot understand."""


class ProverNotInstalledError(ProverError):
    """The prover binary is not on PATH."""
