"""The wire types of the MCP tools, declared once: each tool's input and its structured output.

The JSON schemas the server lists are these models' schemas; arguments are
validated against the input model (unknown keys refused) and every result is
an output model.  Lines are 1-based and columns 0-based characters, as in
``proofmend check --json``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

FILE = "Path of a .v file: relative to the project folder, or absolute inside it."
THEOREM = "Name of a theorem/lemma/definition with a proof in the file (as written after Lemma, Theorem, ...)."


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Output(BaseModel):
    model_config = ConfigDict(frozen=True)


# ------------------------------------------------------------------ shared pieces

class Diagnostic(Output):
    severity: Literal["error", "warning", "info"]
    message: str = Field(description="Coq's message.")
    line: int = Field(description="1-based line (0 when Coq gave no place).")
    col: int = Field(description="0-based column, in characters.")
    end_line: int
    end_col: int


class Hole(Output):
    theorem: str
    line: int = Field(description="1-based line of the statement.")
    kind: Literal["admitted", "admit"] = Field(description="admitted: the proof ends in Admitted; admit: it uses admit/give_up.")


class Goal(Output):
    hypotheses: list[str] = Field(description="One 'name : type' per hypothesis.")
    conclusion: str


class Goals(Output):
    goals: list[Goal] = Field(description="The focused goals, first goal first.")
    unfocused: int = Field(0, description="Goals left in other bullets or braces.")
    shelved: int = 0
    text: str = Field(description="The goals as Coq shows them.")


# ------------------------------------------------------------------ check

class CheckInput(Input):
    file: str = Field(description=FILE)


class CheckOutput(Output):
    file: str
    ok: bool = Field(description="True only if the file compiles and has no Admitted/admit hole.")
    compiled: bool
    diagnostics: list[Diagnostic]
    holes: list[Hole]
    seconds: float


# ------------------------------------------------------------------ outline

class OutlineInput(Input):
    file: str = Field(description=FILE)


class OutlineItem(Output):
    kind: str = Field(description="The keyword: Lemma, Theorem, Definition, Fixpoint, Inductive, Record, Axiom, ...")
    name: str
    line: int = Field(description="1-based line where it starts.")
    end_line: int = Field(description="1-based line where it ends (its Qed./Admitted. for a proof).")
    status: Literal["proved", "admitted", "failing", "unchecked", "defined", "assumed"] = Field(
        description="proved / admitted / failing for proofs (unchecked: after a load error); "
                    "defined for definitions and types; assumed for Axiom/Parameter/Variable.")
    error: str | None = Field(None, description="Coq's error, for a failing proof.")
    error_line: int | None = Field(None, description="1-based line of the failing sentence.")


class OutlineOutput(Output):
    file: str
    items: list[OutlineItem]
    load_error: str | None = Field(None, description="An error outside proofs: nothing after it could be checked.")
    load_error_line: int | None = None
    seconds: float


# ------------------------------------------------------------------ goals

class GoalsInput(Input):
    file: str = Field(description=FILE)
    theorem: str | None = Field(None, description=THEOREM + " Gives the goals at the start of its proof.")
    line: int | None = Field(None, ge=1, description="1-based line inside a proof: the goals after every sentence "
                                                      "that ends at or before (line, column).")
    column: int = Field(0, ge=0, description="0-based column (characters) on that line; default 0.")

    @model_validator(mode="after")
    def _one_place(self) -> "GoalsInput":
        if (self.theorem is None) == (self.line is None):
            raise ValueError("give either theorem or line (and optionally column), not both and not neither")
        return self


class GoalsOutput(Goals):
    file: str
    theorem: str
    line: int = Field(description="1-based line of the last sentence run (the statement or the proof's opener at a proof's start).")
    error: str | None = Field(None, description="When the proof fails before the point: Coq's error; the goals are those just before the failing sentence.")
    error_line: int | None = None


# ------------------------------------------------------------------ try

class TryInput(Input):
    file: str = Field(description=FILE)
    theorem: str = Field(description=THEOREM)
    tactics: list[str] = Field(min_length=1, max_length=16, description=(
        "Proof scripts, each run on its own from the start of the proof, e.g. "
        "[\"intros n. induction n; simpl; auto.\", \"lia.\"]. Tactic sentences only, each ending in '.'; "
        "a leading Proof. and a trailing Qed. may be included or left out."))
    timeout_s: float | None = Field(None, gt=0, le=300, description="Seconds each script may run (default 10).")


class TryResult(Output):
    script: str
    status: Literal["proved", "open", "error"] = Field(
        description="proved: no goal left and Qed accepted (still to be audited); open: goals left; error: Coq refused a sentence.")
    goals: Goals | None = Field(None, description="Goals left (open), or the goals before the failing sentence (error).")
    message: str | None = Field(None, description="Coq's error (error), or why Qed was refused.")
    failed_sentence: str | None = None
    checked: str | None = Field(None, description="The part of the script that ran before the error.")
    seconds: float


class TryOutput(Output):
    file: str
    theorem: str
    results: list[TryResult] = Field(description="One result per script, in the order given.")


# ------------------------------------------------------------------ search

class SearchInput(Input):
    file: str = Field(description=FILE)
    query: str = Field(min_length=1, max_length=2000, description=(
        "One Coq query: Search, SearchPattern, SearchRewrite, About, Locate, Print, Check, e.g. "
        "\"Search (_ + 0 = _).\", \"About percent_off.\", \"Print Assumptions foo.\""))
    theorem: str | None = Field(None, description=THEOREM + " The query runs at the start of its proof (its "
                                                           "hypotheses in scope); default: at the end of the file.")
    max_chars: int = Field(4000, ge=200, le=50000, description="Longest output returned; the rest is cut.")


class SearchOutput(Output):
    file: str
    query: str
    at: str = Field(description="Where the query ran.")
    output: str
    truncated: bool
    total_chars: int


# ------------------------------------------------------------------ mend

class Budget(Input):
    seconds: float | None = Field(None, gt=0, le=3600, description="Seconds of work on each proof (default from the project's configuration, 60).")
    attempts: int | None = Field(None, ge=1, le=64, description="Candidate proofs asked of the model per proof (default 8).")


class MendInput(Input):
    file: str = Field(description=FILE)
    theorem: str | None = Field(None, description=THEOREM + " Default: every failing proof and Admitted/admit hole of the file.")
    budget: Budget | None = None
    write: bool = Field(False, description="Write the audited proofs into the file (atomically, proof bodies only). "
                                           "Default false: the file is not touched.")


class MendedProof(Output):
    theorem: str
    line: int
    status: Literal["fixed", "unsolved", "skipped"]
    exit: str = Field(description="Why the work ended: proved, timeout, search_failed, audit_rejected, ...")
    body: str | None = Field(None, description="The audited proof body (replaces everything after the statement through Qed.); only when fixed.")
    error: str | None = None
    seconds: float


class MendOutput(Output):
    file: str
    model: str
    results: list[MendedProof]
    fixed: int
    written: bool = Field(description="Whether the file was written.")
    write_error: str | None = None
    diff: str = Field(description="Unified diff of the file with every fixed proof applied.")


# ------------------------------------------------------------------ audit

class AuditInput(Input):
    original_file: str = Field(description=FILE + " The original the candidate must agree with outside the proofs it completes.")
    candidate_text: str | None = Field(None, max_length=2_000_000, description="The whole candidate text of that file.")
    candidate_file: str | None = Field(None, description="Or a .v file holding the candidate (inside the project).")

    @model_validator(mode="after")
    def _one_candidate(self) -> "AuditInput":
        if (self.candidate_text is None) == (self.candidate_file is None):
            raise ValueError("give exactly one of candidate_text and candidate_file")
        return self


class Reason(Output):
    code: str
    message: str
    theorem: str | None = None
    line: int | None = None


class AuditOutput(Output):
    accepted: bool
    reasons: list[Reason] = Field(description="Why it was rejected (empty when accepted).")
    changed: list[str] = Field(description="Proofs whose bodies differ from the original.")
    assumptions: dict[str, list[str]] = Field(description="The axioms each proven constant rests on.")


# ------------------------------------------------------------------ errors

class ToolErrorInfo(Output):
    code: str = Field(description="bad_arguments, outside_project, not_found, parse_error, unknown_theorem, "
                                  "not_in_proof, load_error, dependency_error, timeout, prover_error, internal_error")
    message: str
