"""The result of checking a whole file, the same for every prover: diagnostics and holes.

Coq (``coq.batch``) and Lean (``lean.batch``) both return a :class:`CheckResult`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

__all__ = ["CheckResult", "Diagnostic", "Hole"]


@dataclass(frozen=True)
class Diagnostic:
    severity: str  # "error" | "warning" | "info"
    message: str
    line: int  # 1-based
    col: int  # 0-based, in characters
    end_line: int
    end_col: int
    file: str = ""

    def to_json(self) -> dict:
        d = asdict(self)
        d.pop("file")
        return d


@dataclass(frozen=True)
class Hole:
    theorem: str
    line: int
    kind: str  # "admitted" | "admit" (Coq), "sorry" (Lean)


@dataclass(frozen=True)
class CheckResult:
    compiled: bool
    diagnostics: tuple[Diagnostic, ...]
    holes: tuple[Hole, ...]
    stdout: str = ""
    seconds: float = 0.0
    timed_out: bool = False

    @property
    def ok(self) -> bool:
        return self.compiled and not self.holes

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]

    def to_json(self) -> dict:
        return {
            "ok": self.ok,
            "diagnostics": [d.to_json() for d in self.diagnostics],
            "holes": [asdict(h) for h in self.holes],
        }
