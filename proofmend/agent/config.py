"""Limits and settings of the repair agent: every limit lives here, none in the loop."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class SearchConfig(BaseModel):
    """The offline best-first tactic search."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_nodes: int = Field(400, ge=1, description="Proof states expanded at most per search.")
    max_depth: int = Field(6, description="Tactic steps along one branch at most.")
    step_timeout_s: float = Field(2.0, gt=0, description="Seconds one search step (a tactic tried at a node) may run before it is interrupted.")
    closer_timeout_s: float = Field(0.5, gt=0, description="Seconds an automation closer (auto, firstorder, ...) may run on one node.")
    time_s: float = Field(20.0, gt=0, description="Wall-clock seconds one search may take.")
    use_hammer: bool = Field(True, description="Try CoqHammer's sauto/hauto where installed.")
    lemmas: int = Field(12, description="Retrieved lemmas tried with apply/rewrite.")
    query_timeout_s: float = Field(5.0, gt=0, description="Seconds one Search query (for lemmas and names) may take.")
    suggestions: int = Field(4, ge=1, le=16, description="Next tactics asked of the model in one call at a node of the step search (llm-search).")
    suggestion_tokens: int = Field(128, ge=16, description="Most tokens of one reply in the step search.")
    step_max_depth: int = Field(12, ge=1, description="Steps along one branch of the step search at most.")
    step_node_calls: int = Field(2, ge=1, description="Model calls at one node of the step search at most (a second call hears why the first suggestions failed).")


class AgentConfig(BaseModel):
    """How hard to try on each hole, and with what."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    model: str = Field("search", description="'search' (offline tactic search), 'replay:FILE.jsonl', or a litellm model string.")
    api_base: str | None = Field(None, description="Base URL of an OpenAI-compatible server (vLLM, llama.cpp, ...).")
    attempts: int = Field(8, ge=1, description="Candidate proofs asked of the model per hole.")
    samples: int = Field(1, ge=1, description="Independent samples per model round.")
    sample_index: int = Field(0, ge=0, description="Offset of the sample indices (distinct runs get distinct samples).")
    temperature: float = Field(0.2, description="Model sampling temperature.")
    max_tokens: int = Field(1024, description="Most tokens per model reply.")
    max_total_tokens: int | None = Field(None, description="Most tokens (in + out) per hole; None for no limit.")
    max_cost_usd: float | None = Field(None, description="Most dollars per hole; None for no limit.")
    timeout_s: float = Field(60.0, gt=0, description="Wall-clock seconds of work on one hole (loading the file up to it not included: see load_timeout_s).")
    load_timeout_s: float | None = Field(300.0, gt=0, description="Seconds loading one file in the live session (and finding its failing proofs) may take in all, apart from the holes' time: up to each hole just before the work on it, the rest after the last; None: no limit.")
    tactic_timeout_s: float = Field(10.0, gt=0, description="Seconds a whole candidate (a model's proof, a replayed old proof) may run in the live session; search steps have search.step_timeout_s.")
    compile_timeout_s: float = Field(300.0, gt=0, description="Seconds the audit's fresh compile may take.")
    memory_mb: int = Field(8192, description="Address-space limit of each prover process, in MiB.")
    prover_retries: int = Field(1, ge=0, description="Fresh starts of a hole after the prover crashed or hung.")
    continue_from_prefix: bool = Field(True, description="Ask the model only for the rest after the longest prefix that checks.")
    stale_repair: bool = Field(True, description="Start from the old proof when a proof broke after a change.")
    read_changes: bool = Field(True, description="In a git project, compare a broken proof's file and what it requires with their version before the change (--since, or the last commit where they differed) and mend the old proof with the change map.")
    context_chars: int = Field(6000, description="Characters of the file before the theorem shown to the model.")
    search_first_s: float = Field(5.0, ge=0, description="Seconds of tactic search tried before a model is asked (0: none).")
    repair_rounds: bool = Field(True, description="Feed each failure back to the model (False: independent fresh drafts).")
    search_after_model: bool = Field(True, description="Let the tactic search close goals the model leaves open.")
    use_user_build: bool = Field(True, description="Load the project's compiled files where they are up to date (False: compile every dependency afresh in the private workspace).")
    allow_admitted: bool = Field(False, description="Accept a proof that rests on other holes of the same project as conditional (reported with the holes it rests on, written only with this flag); never counted as solved by eval.")
    strategy: tuple[str, ...] | None = Field(None, description="Proposers tried in turn on each hole, by name (stale, search, llm, llm-search). None: stale,search offline; stale,search,llm-search,llm with a model (the search then runs search_first_s seconds; the step search takes half the model calls, the drafts the rest).")
    search: SearchConfig = Field(default_factory=SearchConfig, description="Settings of the offline search.")
    allowed_axioms: tuple[str, ...] | None = Field(None, description="Axioms a proof may use, besides the standard library's reals axioms where the file loads Coq.Reals (None: any already declared, never an Admitted lemma).")

    def model_settings(self):
        """How model calls are made (the one place they are built from the configuration)."""
        from .models import ModelSettings

        return ModelSettings(temperature=self.temperature, max_tokens=self.max_tokens, api_base=self.api_base)

    def make_model(self):
        """The configured model, or None for the built-in search (``model = "search"``)."""
        if self.offline:
            return None
        from .models import make_model

        return make_model(self.model, self.model_settings())

    def limits(self):
        """Resource limits of every prover process started for the work."""
        from ..provers.limits import Limits

        return Limits(timeout_s=self.compile_timeout_s, memory_mb=self.memory_mb)

    def axiom_policy(self, admitted: frozenset[str] = frozenset()):
        """What a proof may rest on: ``allowed_axioms`` (None: any already declared), never an admitted lemma."""
        from ..provers.coq.audit import AxiomPolicy

        allowed = frozenset(self.allowed_axioms) if self.allowed_axioms is not None else None
        return AxiomPolicy(allowed, admitted, conditional=self.allow_admitted)

    def strategy_for(self, has_model: bool) -> tuple[str, ...]:
        """The proposers to run, in order."""
        if self.strategy is not None:
            return self.strategy
        return ("stale", "search", "llm-search", "llm") if has_model else ("stale", "search")

    @property
    def offline(self) -> bool:
        return self.model == "search"


CONFIG_FILE = "proofmend.toml"


def find_config_file(start: Path) -> tuple[Path, dict] | None:
    """The nearest ``proofmend.toml``, or ``pyproject.toml`` with a ``[tool.proofmend]`` table, at or above ``start``."""
    start = start.resolve()
    for d in ([start] if start.is_dir() else []) + list(start.parents):
        own = d / CONFIG_FILE
        if own.is_file():
            return own, _read_toml(own)
        py = d / "pyproject.toml"
        if py.is_file():
            table = _read_toml(py).get("tool", {}).get("proofmend")
            if table is not None:
                return py, table
    return None


def _read_toml(path: Path) -> dict:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise ConfigError(f"cannot read {path}: {e}") from None


class ConfigError(ValueError):
    """A configuration file or value that cannot be used (one line, for the user)."""


def load_config(start: Path | None = None, overrides: dict | None = None) -> AgentConfig:
    """The configuration of a run: defaults, then the project's file, then ``PROOFMEND_MODEL``, then ``overrides``.

    ``start`` is the file or folder worked on (the file is looked for there and
    in the parents); ``overrides`` are the values given on the command line or
    by an editor (None values are ignored; ``search`` may be a dict of
    :class:`SearchConfig` fields).
    """
    values: dict = {}
    source = "defaults"
    if start is not None:
        found = find_config_file(Path(start))
        if found is not None:
            path, table = found
            values = dict(table)
            source = str(path)
    if os.environ.get("PROOFMEND_MODEL") and "model" not in (overrides or {}):
        values["model"] = os.environ["PROOFMEND_MODEL"]
    search = dict(values.pop("search", {}) or {})
    for key, value in (overrides or {}).items():
        if value is None:
            continue
        if key == "search":
            search.update({k: v for k, v in value.items() if v is not None})
        else:
            values[key] = value
    try:
        return AgentConfig(**values, search=SearchConfig(**search))
    except ValidationError as e:
        err = e.errors()[0]
        where = ".".join(str(x) for x in err.get("loc", ()))
        raise ConfigError(f"{source}: {where}: {err.get('msg')}") from None
