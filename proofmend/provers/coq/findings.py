"""Why the audit refuses a candidate: one reason code per rule, with Coq's words."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Reason(str, Enum):
    PARSE_ERROR = "parse_error"
    OUTSIDE_CHANGED = "outside_changed"
    STATEMENT_CHANGED = "statement_changed"
    PROOFS_CHANGED = "proofs_added_or_removed"
    VERNACULAR_IN_BODY = "vernacular_in_body"
    ADMIT_IN_BODY = "admit_in_body"
    BAD_TERMINATOR = "bad_terminator"
    INCOMPLETE = "incomplete"  # a target is still a hole, or nothing was proven
    NOT_A_TARGET = "not_a_target"  # the body of a proof that was complete in the original changed
    COMPILE_FAILED = "compile_failed"
    COMPILE_TIMEOUT = "compile_timeout"
    ADMITTED_DEPENDENCY = "admitted_dependency"
    AXIOM_NOT_ALLOWED = "axiom_not_allowed"
    UNSAFE_ASSUMPTION = "unsafe_assumption"
    ELABORATION_CHANGED = "elaboration_changed"  # a global name or a later statement means something else
    GLOBAL_NAME_ADDED = "global_name_added"  # a proof body declared a name that already names something
    COQCHK_FAILED = "coqchk_failed"
    AUDIT_FAILED = "audit_failed"  # Coq could not be asked (a query failed)
    CANNOT_AUDIT = "cannot_audit"  # Coq keeps no account that could vouch for the proof (the message says what)


@dataclass(frozen=True)
class Finding:
    reason: Reason
    message: str
    theorem: str = ""
    line: int = 0

    def __str__(self) -> str:
        where = f" [{self.theorem}]" if self.theorem else ""
        at = f" line {self.line}:" if self.line else ""
        return f"{self.reason.value}{where}:{at} {self.message}"
