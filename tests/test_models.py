"""Models: litellm against a real local OpenAI-compatible server, cache, replay, preflight.

No network, no API key, no GPU: the server is ``http.server`` on 127.0.0.1.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from proofmend.agent.models import (
    MODEL_FORMS,
    Completion,
    LiteLLMModel,
    ModelCallError,
    ModelConfigError,
    ModelSettings,
    ReplayExhausted,
    ReplayModel,
    check_model,
    make_model,
)

SLOW = -1  # a script entry (SLOW, {"sleep": seconds}) delays the reply
MESSAGES = [{"role": "system", "content": "You prove lemmas."}, {"role": "user", "content": "Prove 1 + 1 = 2."}]


def _ok(content: str = "```coq\nreflexivity.\n```", model: str = "test") -> tuple[int, dict]:
    return 200, {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1700000000,
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 17, "completion_tokens": 5, "total_tokens": 22},
    }


def _error(status: int, message: str, code: str | None = None) -> tuple[int, dict]:
    return status, {"error": {"message": message, "type": "invalid_request_error", "code": code}}


class ScriptedServer:
    """Answers chat completions with scripted (status, body) pairs, then 200s."""

    def __init__(self) -> None:
        self.script: list[tuple[int, dict]] = []
        self.requests: list[dict] = []
        self.default = _ok()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep test output clean
                pass

            def _send(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                if self.path.rstrip("/").endswith("/models"):
                    self._send(200, {"object": "list", "data": [{"id": "test", "object": "model"}]})
                else:
                    self._send(404, {"error": {"message": "no such path"}})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                if not self.path.endswith("/chat/completions"):
                    self._send(404, {"error": {"message": "no such path"}})
                    return
                server.requests.append(body)
                status, reply = server.script.pop(0) if server.script else server.default
                if status == SLOW:  # answer late, after the client has given up
                    time.sleep(reply["sleep"])
                    status, reply = server.default
                self._send(status, reply)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    s = ScriptedServer()
    yield s
    s.close()


@pytest.fixture
def settings(server: ScriptedServer, tmp_path: Path, monkeypatch) -> ModelSettings:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key")
    return ModelSettings(
        api_base=server.url,
        cache_dir=tmp_path / "cache",
        retries=3,
        retry_base_delay_s=0.01,
        retry_max_delay_s=0.02,
        request_timeout_s=10,
    )


def test_plain_call_reports_tokens_and_unknown_cost(server, settings):
    model = make_model("openai/test", settings)
    c = model.complete(MESSAGES)
    assert c.content == "```coq\nreflexivity.\n```"
    assert (c.tokens_in, c.tokens_out) == (17, 5)
    assert c.cost_usd is None  # litellm has no price for "test": unknown, not 0
    assert not c.cached and c.seconds > 0
    assert server.requests[0]["messages"] == MESSAGES
    assert server.requests[0]["temperature"] == 0.2


def test_known_model_has_a_price(server, settings):
    server.default = _ok(model="gpt-4o-mini")
    c = make_model("openai/gpt-4o-mini", settings).complete(MESSAGES)
    assert c.cost_usd is not None and c.cost_usd > 0


def test_rate_limit_is_retried(server, settings):
    server.script = [_error(429, "Rate limit reached, slow down", "rate_limit_exceeded")]
    c = make_model("openai/test", settings).complete(MESSAGES)
    assert c.content.startswith("```coq")
    assert len(server.requests) == 2


def test_server_errors_are_retried(server, settings):
    server.script = [_error(500, "internal error"), _error(500, "internal error")]
    c = make_model("openai/test", settings).complete(MESSAGES)
    assert c.tokens_out == 5
    assert len(server.requests) == 3


def test_timeouts_are_retried(server, settings):
    server.script = [(SLOW, {"sleep": 1.0})]
    quick = settings.model_copy(update={"request_timeout_s": 0.3})
    c = make_model("openai/test", quick).complete(MESSAGES)
    assert c.content.startswith("```coq")
    assert len(server.requests) == 2


def test_retries_run_out(server, settings):
    server.script = [_error(503, "overloaded")] * 10
    with pytest.raises(ModelCallError, match="gave up after 4 tries") as info:
        make_model("openai/test", settings).complete(MESSAGES)
    assert "\n" not in str(info.value)
    assert len(server.requests) == 4


def test_auth_error_is_not_retried(server, settings):
    server.script = [_error(401, "Incorrect API key provided: sk-test***", "invalid_api_key")]
    with pytest.raises(ModelCallError, match="Incorrect API key") as info:
        make_model("openai/test", settings).complete(MESSAGES)
    assert "\n" not in str(info.value)
    assert len(server.requests) == 1


def test_context_length_is_not_retried(server, settings):
    server.script = [
        _error(
            400,
            "This model's maximum context length is 8192 tokens. However, your messages resulted in 9000 tokens.",
            "context_length_exceeded",
        )
    ]
    with pytest.raises(ModelCallError, match="maximum context length"):
        make_model("openai/test", settings).complete(MESSAGES)
    assert len(server.requests) == 1


def test_not_found_is_not_retried(server, settings):
    server.script = [_error(404, "The model `test` does not exist", "model_not_found")]
    with pytest.raises(ModelCallError):
        make_model("openai/test", settings).complete(MESSAGES)
    assert len(server.requests) == 1


def test_cache_serves_identical_calls(server, settings):
    model = make_model("openai/test", settings)
    first = model.complete(MESSAGES)
    again = make_model("openai/test", settings).complete(MESSAGES)  # a fresh process would see the same
    assert len(server.requests) == 1
    assert again.cached and again.seconds == 0.0
    assert (again.content, again.tokens_in, again.tokens_out, again.cost_usd) == (
        first.content,
        first.tokens_in,
        first.tokens_out,
        first.cost_usd,
    )


def test_cache_key_includes_sample_messages_and_parameters(server, settings):
    make_model("openai/test", settings).complete(MESSAGES)
    make_model("openai/test", settings).complete(MESSAGES, sample=1)
    assert len(server.requests) == 2
    assert server.requests[1].get("seed") == 1
    make_model("openai/test", settings).complete(MESSAGES + [{"role": "user", "content": "again"}])
    assert len(server.requests) == 3
    hotter = settings.model_copy(update={"temperature": 0.9})
    make_model("openai/test", hotter).complete(MESSAGES)
    assert len(server.requests) == 4


def test_cache_can_be_disabled(server, settings):
    off = settings.model_copy(update={"cache_dir": None})
    make_model("openai/test", off).complete(MESSAGES)
    c = make_model("openai/test", off).complete(MESSAGES)
    assert not c.cached and len(server.requests) == 2


def test_cache_dir_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("PROOFMEND_CACHE_DIR", str(tmp_path / "elsewhere"))
    assert ModelSettings().cache_dir == tmp_path / "elsewhere"
    monkeypatch.setenv("PROOFMEND_CACHE_DIR", "")
    assert ModelSettings().cache_dir is None
    monkeypatch.delenv("PROOFMEND_CACHE_DIR")
    assert ModelSettings().cache_dir == Path.home() / ".cache" / "proofmend" / "model-calls"


def test_failed_calls_are_not_cached(server, settings):
    server.script = [_error(401, "bad key")]
    with pytest.raises(ModelCallError):
        make_model("openai/test", settings).complete(MESSAGES)
    assert make_model("openai/test", settings).complete(MESSAGES).cached is False
    assert len(server.requests) == 2


# ---------------------------------------------------------------- replay


def _replay(tmp_path: Path, *items: dict) -> Path:
    path = tmp_path / "replies.jsonl"
    path.write_text("".join(json.dumps(i) + "\n" for i in items), encoding="utf-8")
    return path


def test_replay_serves_in_order_then_is_exhausted(tmp_path):
    path = _replay(
        tmp_path,
        {"content": "first"},
        {"content": "second", "tokens_in": 100, "tokens_out": 7, "cost_usd": 0.25},
    )
    model = make_model(f"replay:{path}")
    assert isinstance(model, ReplayModel)
    a = model.complete(MESSAGES)
    b = model.complete([{"role": "user", "content": "anything"}], sample=3)
    assert a.content == "first" and a.cost_usd is None and a.tokens_in > 0 and a.tokens_out > 0
    assert (b.content, b.tokens_in, b.tokens_out, b.cost_usd) == ("second", 100, 7, 0.25)
    with pytest.raises(ReplayExhausted, match=r"exhausted after 2 replies"):
        model.complete(MESSAGES)


def test_replay_does_not_use_the_cache(tmp_path):
    path = _replay(tmp_path, {"content": "x"})
    assert make_model(f"replay:{path}").complete(MESSAGES).cached is False


def test_replay_file_problems_are_config_errors(tmp_path):
    with pytest.raises(ModelConfigError, match="missing.jsonl"):
        make_model(f"replay:{tmp_path / 'missing.jsonl'}")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"content": "ok"}\nnot json\n', encoding="utf-8")
    with pytest.raises(ModelConfigError, match="line 2"):
        make_model(f"replay:{bad}")
    nocontent = tmp_path / "nocontent.jsonl"
    nocontent.write_text('{"text": "ok"}\n', encoding="utf-8")
    with pytest.raises(ModelConfigError, match='"content"'):
        make_model(f"replay:{nocontent}")


def test_check_replay_rereads_the_file(tmp_path):
    path = _replay(tmp_path, {"content": "x"})
    model = make_model(f"replay:{path}")
    check_model(model)
    path.unlink()
    with pytest.raises(ModelConfigError, match="cannot read replay file"):
        check_model(model)


# ---------------------------------------------------------------- forms and preflight


@pytest.mark.parametrize("spec", ["search", "nonsense", "foo/bar", "", "replay:"])
def test_unknown_forms_list_the_forms(spec):
    with pytest.raises(ModelConfigError) as info:
        make_model(spec)
    message = str(info.value)
    assert "replay:FILE.jsonl" in message and "openai/gpt-4o-mini" in message
    assert "\n" not in message
    if spec == "search":
        assert "tactic search" in message


def test_litellm_forms_are_accepted(tmp_path):
    s = ModelSettings(cache_dir=tmp_path)
    for spec in ["openai/gpt-4o-mini", "anthropic/claude-3-5-haiku-latest", "ollama/qwen2.5-coder:7b", "hosted_vllm/x"]:
        assert isinstance(make_model(spec, s), LiteLLMModel)
    assert len(MODEL_FORMS) == 2


def test_check_names_the_missing_key(monkeypatch, tmp_path):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    s = ModelSettings(cache_dir=tmp_path)
    with pytest.raises(ModelConfigError, match="OPENAI_API_KEY"):
        check_model(make_model("openai/gpt-4o-mini", s))
    with pytest.raises(ModelConfigError, match="ANTHROPIC_API_KEY"):
        check_model(make_model("anthropic/claude-3-5-haiku-latest", s))
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    check_model(make_model("openai/gpt-4o-mini", s))  # key set, no api_base: nothing to probe


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_check_names_an_unreachable_server(monkeypatch, tmp_path):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    url = f"http://127.0.0.1:{_free_port()}/v1"
    s = ModelSettings(api_base=url, cache_dir=tmp_path)
    with pytest.raises(ModelConfigError, match=rf"{url}/models"):
        check_model(make_model("openai/test", s))
    with pytest.raises(ModelConfigError, match=rf"{url}/models"):
        check_model(make_model("hosted_vllm/qwen", s))


def test_check_passes_for_a_live_server(server, settings):
    check_model(make_model("openai/test", settings))
    check_model(make_model("hosted_vllm/test", settings))


def test_hosted_vllm_without_api_base(monkeypatch, tmp_path):
    monkeypatch.delenv("HOSTED_VLLM_API_BASE", raising=False)
    with pytest.raises(ModelConfigError, match="api-base"):
        check_model(make_model("hosted_vllm/qwen", ModelSettings(cache_dir=tmp_path)))


def test_completion_is_a_frozen_value():
    c = Completion("x", 1, 2, None, 0.5)
    with pytest.raises(AttributeError):
        c.content = "y"  # type: ignore[misc]
    assert c.cached is False


def test_settings_fields_are_documented():
    for name, field in ModelSettings.model_fields.items():
        assert field.description, f"ModelSettings.{name} has no docstring"


def test_models_meet_the_protocol(tmp_path):
    from proofmend.protocols import Model

    assert isinstance(make_model(f"replay:{_replay(tmp_path, {'content': 'x'})}"), Model)
    assert isinstance(make_model("openai/test", ModelSettings(cache_dir=tmp_path)), Model)


def test_importing_models_does_not_import_litellm():
    import subprocess
    import sys

    code = "import sys, proofmend.agent.models; print('litellm' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"  # litellm takes seconds to import: only when a call needs it


def test_check_passes_for_a_server_busy_with_another_request(monkeypatch, tmp_path):
    # a local server answers one request at a time: it accepts the connection and answers late; that is a
    # server that is there (the run's own calls wait their turn), not one that cannot be reached
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)  # accepts (the kernel completes the handshake) and never answers
    try:
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/v1"
        check_model(make_model("openai/test", ModelSettings(api_base=url, cache_dir=tmp_path)))  # no error
    finally:
        listener.close()


def test_a_retry_gets_only_the_time_that_is_left(monkeypatch, settings):
    # a local server that takes the whole request timeout to time out: the try after it had the same timeout
    # again (a 150 s repair ran 267 s); it gets what is left of the caller's time (a clock of our own: no
    # verdict here depends on how fast the machine is)
    import litellm

    import proofmend.agent.models as models

    clock = [1000.0]
    monkeypatch.setattr(models.time, "monotonic", lambda: clock[0])
    given: list[float | None] = []

    def times_out(self, messages, sample, params, timeout_s=None):
        given.append(timeout_s)
        clock[0] += min(timeout_s, 120.0)  # the call runs until its timeout
        raise litellm.Timeout("timed out", model="test", llm_provider="openai")

    monkeypatch.setattr(models.LiteLLMModel, "_call", times_out)
    with pytest.raises(ModelCallError):
        make_model("openai/test", settings.model_copy(update={"request_timeout_s": 120})).complete(
            MESSAGES, timeout_s=125)
    assert given == [125, 5], given
