"""Configuration in one place: defaults, the project's file, PROOFMEND_MODEL, then the command line."""

from __future__ import annotations

import pytest

from proofmend.agent.config import AgentConfig, ConfigError, load_config

from .conftest import needs_coq, run_cli


def test_precedence_defaults_file_environment_overrides(tmp_path, monkeypatch):
    monkeypatch.delenv("PROOFMEND_MODEL", raising=False)
    assert load_config(tmp_path) == AgentConfig()
    (tmp_path / "proofmend.toml").write_text('timeout_s = 7\nattempts = 3\nstrategy = ["search"]\n[search]\ntime_s = 4\n')
    sub = tmp_path / "theories"
    sub.mkdir()
    c = load_config(sub / "A.v")
    assert (c.timeout_s, c.attempts, c.strategy, c.search.time_s) == (7, 3, ("search",), 4)
    monkeypatch.setenv("PROOFMEND_MODEL", "replay:r.jsonl")
    assert load_config(sub).model == "replay:r.jsonl"
    c = load_config(sub, {"timeout_s": 2, "attempts": None, "model": "search", "search": {"time_s": None, "max_nodes": 9}})
    assert (c.timeout_s, c.attempts, c.model, c.search.time_s, c.search.max_nodes) == (2, 3, "search", 4, 9)


def test_pyproject_table_and_the_nearest_file_wins(tmp_path, monkeypatch):
    monkeypatch.delenv("PROOFMEND_MODEL", raising=False)
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n[tool.proofmend]\nattempts = 5\n")
    assert load_config(tmp_path).attempts == 5
    inner = tmp_path / "inner"
    inner.mkdir()
    (inner / "proofmend.toml").write_text("attempts = 6\n")
    assert load_config(inner).attempts == 6


@pytest.mark.parametrize("text, word", [("atempts = 3\n", "atempts"), ("attempts = 0\n", "attempts"),
                                        ("timeout_s = 'soon'\n", "timeout_s"), ("[search]\nnodes = 1\n", "nodes"),
                                        ("attempts = \n", "cannot read")])
def test_a_bad_file_is_one_line_naming_it(tmp_path, text, word):
    (tmp_path / "proofmend.toml").write_text(text)
    with pytest.raises(ConfigError) as e:
        load_config(tmp_path)
    assert "proofmend.toml" in str(e.value) and word in str(e.value) and "\n" not in str(e.value)


def test_derived_settings_come_from_the_config():
    c = AgentConfig(model="replay:x.jsonl", temperature=0.7, max_tokens=99, compile_timeout_s=12, memory_mb=100,
                    allowed_axioms=("Coq.Logic.Classical_Prop.classic",))
    assert (c.model_settings().temperature, c.model_settings().max_tokens) == (0.7, 99)
    assert (c.limits().timeout_s, c.limits().memory_mb) == (12, 100)
    assert c.axiom_policy().allowed == frozenset({"Coq.Logic.Classical_Prop.classic"})
    assert c.strategy_for(True) == ("stale", "search", "llm-search", "llm") and c.strategy_for(False) == ("stale", "search")
    assert AgentConfig().make_model() is None


@needs_coq
def test_command_line_refuses_a_bad_file_and_an_unknown_proposer(tmp_path):
    f = tmp_path / "a.v"
    f.write_text("Lemma a : True.\nProof.\nAdmitted.\n")
    r = run_cli("repair", str(f), "--strategy", "search,oracle")
    assert r.returncode == 2 and "oracle" in r.stderr and "stale, search, llm" in r.stderr
    (tmp_path / "proofmend.toml").write_text("strategy = ['search']\ntimeout_s = -1\n")
    r = run_cli("repair", str(f))
    assert r.returncode == 2 and "proofmend.toml" in r.stderr and "Traceback" not in r.stderr
    (tmp_path / "proofmend.toml").write_text("strategy = ['search']\n")
    r = run_cli("repair", str(f), "--json")
    assert r.returncode == 0, r.stderr
