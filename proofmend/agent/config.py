"""Limits and settings of the repair agent: every limit lives here, none in the loop."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class SearchConfig(BaseModel):
    """The offline best-first tactic search."""

    model_config = ConfigDict(frozen=True)

    max_nodes: int = Field(400, description="Proof states expanded at most per search.")
    max_depth: int = Field(6, description="Tactic steps along one branch at most.")
    tactic_timeout_s: float = Field(2.0, description="Seconds one tactic may run before it is interrupted.")
    closer_timeout_s: float = Field(0.5, description="Seconds an automation closer (auto, firstorder, ...) may run on one node.")
    time_s: float = Field(20.0, description="Wall-clock seconds one search may take.")
    use_hammer: bool = Field(True, description="Try CoqHammer's sauto/hauto where installed.")
    lemmas: int = Field(12, description="Retrieved lemmas tried with apply/rewrite.")


class AgentConfig(BaseModel):
    """How hard to try on each hole, and with what."""

    model_config = ConfigDict(frozen=True)

    model: str = Field("search", description="'search' (offline tactic search), 'replay:FILE.jsonl', or a litellm model string.")
    api_base: str | None = Field(None, description="Base URL of an OpenAI-compatible server (vLLM, llama.cpp, ...).")
    attempts: int = Field(8, ge=1, description="Candidate proofs asked of the model per hole.")
    samples: int = Field(1, ge=1, description="Independent samples per model round.")
    sample_index: int = Field(0, ge=0, description="Offset of the sample indices (distinct runs get distinct samples).")
    temperature: float = Field(0.2, description="Model sampling temperature.")
    max_tokens: int = Field(1024, description="Most tokens per model reply.")
    max_total_tokens: int | None = Field(None, description="Most tokens (in + out) per hole; None for no limit.")
    max_cost_usd: float | None = Field(None, description="Most dollars per hole; None for no limit.")
    timeout_s: float = Field(60.0, description="Wall-clock seconds of work on one hole.")
    tactic_timeout_s: float = Field(10.0, description="Seconds a candidate may run in the live session.")
    compile_timeout_s: float = Field(300.0, description="Seconds the audit's fresh compile may take.")
    memory_mb: int = Field(8192, description="Address-space limit of each prover process, in MiB.")
    prover_retries: int = Field(1, ge=0, description="Fresh starts of a hole after the prover crashed or hung.")
    continue_from_prefix: bool = Field(True, description="Ask the model only for the rest after the longest prefix that checks.")
    stale_repair: bool = Field(True, description="Start from the old proof when a proof broke after a change.")
    context_chars: int = Field(6000, description="Characters of the file before the theorem shown to the model.")
    search_first_s: float = Field(5.0, ge=0, description="Seconds of tactic search tried before a model is asked (0: none).")
    repair_rounds: bool = Field(True, description="Feed each failure back to the model (False: independent fresh drafts).")
    search_after_model: bool = Field(True, description="Let the tactic search close goals the model leaves open.")
    use_user_build: bool = Field(True, description="Load the project's compiled files where they are up to date (False: compile every dependency afresh in the private workspace).")
    search: SearchConfig = Field(default_factory=SearchConfig, description="Settings of the offline search.")
    allowed_axioms: tuple[str, ...] | None = Field(None, description="Axioms a proof may use, besides the standard library's reals axioms where the file loads Coq.Reals (None: any already declared, never an Admitted lemma).")

    @property
    def offline(self) -> bool:
        return self.model == "search"
