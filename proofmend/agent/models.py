"""Models that draft proofs: any litellm model, or a ``replay:`` file.

``make_model(spec)`` picks the backend from the plain table :data:`MODELS`;
``check_model`` is a cheap preflight (API key set, server answering, replay file
readable) so a misconfiguration is one clear line before any work starts.

Every litellm call goes through one disk cache (:class:`ResponseCache`) keyed by
model, messages, parameters and sample index, so a re-run costs nothing, and is
retried with exponential backoff on transient errors only.  The built-in tactic
search (``--model search``) is not a model: the caller handles it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import socket
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ..protocols import Completion, Model

__all__ = [
    "Completion",
    "LiteLLMModel",
    "MODELS",
    "MODEL_FORMS",
    "Model",
    "ModelCallError",
    "ModelConfigError",
    "ModelError",
    "ModelSettings",
    "ReplayExhausted",
    "ReplayModel",
    "ResponseCache",
    "check_model",
    "default_cache_dir",
    "make_model",
]

MODEL_FORMS = (
    "replay:FILE.jsonl (recorded replies, served in order)",
    "PROVIDER/MODEL (any litellm model: openai/gpt-4o-mini, anthropic/claude-3-5-haiku-latest, "
    "ollama/qwen2.5-coder:7b, hosted_vllm/NAME with --api-base)",
)


# ---------------------------------------------------------------- values, errors


class ModelError(Exception):
    """Base of every model failure."""


class ModelConfigError(ModelError):
    """The model cannot be used as configured (unknown form, missing key, server down)."""


class ModelCallError(ModelError):
    """A call failed for good: auth, not found, context length, or retries exhausted."""


class ReplayExhausted(ModelError):
    """A replay file has no more replies; the loop stops cleanly."""


def default_cache_dir() -> Path | None:
    """``$PROOFMEND_CACHE_DIR`` if set (empty disables), else ``~/.cache/proofmend/model-calls``."""
    env = os.environ.get("PROOFMEND_CACHE_DIR")
    if env is not None:
        return Path(env).expanduser() if env.strip() else None
    return Path.home() / ".cache" / "proofmend" / "model-calls"


class ModelSettings(BaseModel):
    """How model calls are made."""

    model_config = ConfigDict(use_attribute_docstrings=True, frozen=True)

    temperature: float = 0.2
    """Sampling temperature passed to the model."""
    max_tokens: int = 1024
    """Upper bound on tokens in one reply."""
    api_base: str | None = None
    """Base URL of an OpenAI-compatible server (vLLM, Ollama, a proxy); None uses the provider's."""
    request_timeout_s: float = 120
    """Seconds before one request is abandoned (and retried as a transient failure)."""
    retries: int = 4
    """Retries after the first try, on transient errors only (rate limit, timeout, 5xx, connection)."""
    retry_base_delay_s: float = 1.0
    """First backoff delay in seconds; each further retry doubles it."""
    retry_max_delay_s: float = 30.0
    """Longest backoff delay in seconds."""
    cache_dir: Path | None = Field(default_factory=default_cache_dir)
    """Folder of the response cache; None disables caching. Default from ``default_cache_dir``."""


# ---------------------------------------------------------------- cache


class ResponseCache:
    """Completions on disk, one JSON file per key.

    Safe under concurrent writers, in one process or many, on one machine or on
    several sharing the folder (NFS and the like): an entry is written whole to
    a private temporary file, synced, and renamed into place, so a reader sees
    either no entry or a whole one; two writers of one key both leave a whole
    entry and the last rename wins.  An entry that does not name its own key (a
    damaged file) counts as a miss.
    """

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    @staticmethod
    def key(model: str, messages: list[dict], params: dict[str, Any], sample: int) -> str:
        blob = json.dumps(
            {"model": model, "messages": messages, "params": params, "sample": sample},
            sort_keys=True,
            ensure_ascii=False,
        )
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def get(self, key: str) -> Completion | None:
        """The stored completion marked ``cached`` with ~0 seconds, or None."""
        try:
            data = json.loads(self._path(key).read_text(encoding="utf-8"))
            if data.get("key", key) != key:
                return None
            stored = Completion(**{k: data[k] for k in ("content", "tokens_in", "tokens_out", "cost_usd", "seconds")})
            if data.get("logprobs") is not None:
                stored = replace(stored, logprobs=tuple((str(t), float(lp)) for t, lp in data["logprobs"]))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None
        return replace(stored, seconds=0.0, cached=True)

    def put(self, key: str, completion: Completion) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {**asdict(replace(completion, cached=False)), "key": key}
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(data, f, ensure_ascii=False)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


# ---------------------------------------------------------------- litellm


def _litellm():
    """Import litellm lazily (it takes seconds) and keep it quiet and offline."""
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    litellm.suppress_debug_info = True
    litellm.telemetry = False
    logging.getLogger("LiteLLM").setLevel(logging.ERROR)
    return litellm


def _token_logprobs(choice: Any) -> tuple[tuple[str, float], ...] | None:
    """(token, log-probability) pairs of a reply (OpenAI's chat form), or None where the server gave none."""
    lp = getattr(choice, "logprobs", None)
    if lp is None and isinstance(choice, dict):
        lp = choice.get("logprobs")
    content = getattr(lp, "content", None) if lp is not None and not isinstance(lp, dict) else (lp or {}).get("content")
    if not content:
        return None
    out = []
    for item in content:
        token = item.get("token") if isinstance(item, dict) else getattr(item, "token", None)
        value = item.get("logprob") if isinstance(item, dict) else getattr(item, "logprob", None)
        if token is None or value is None:
            return None
        out.append((str(token), float(value)))
    return tuple(out)


def _is_transient(exc: BaseException) -> bool:
    """Worth retrying: rate limits, timeouts, lost connections, server errors."""
    litellm = _litellm()
    permanent = (
        litellm.AuthenticationError,
        litellm.PermissionDeniedError,
        litellm.NotFoundError,
        litellm.ContextWindowExceededError,
        litellm.BadRequestError,
        litellm.UnprocessableEntityError,
    )
    if isinstance(exc, permanent):
        return False
    transient = (
        litellm.RateLimitError,
        litellm.Timeout,
        litellm.APIConnectionError,
        litellm.InternalServerError,
        litellm.ServiceUnavailableError,
        litellm.BadGatewayError,
    )
    if isinstance(exc, transient):
        return True
    status = getattr(exc, "status_code", None)
    return isinstance(status, int) and status >= 500


def _one_line(exc: BaseException, limit: int = 300) -> str:
    """A short message for a litellm exception: class, status, first line."""
    text = " ".join(str(exc).split())
    # litellm prefixes "litellm.NotFoundError: NotFoundError: OpenAIException - ..."
    for _ in range(3):
        head, sep, rest = text.partition(": ")
        if sep and (head.startswith("litellm.") or head.endswith(("Error", "Exception"))):
            text = rest
    text = text.removeprefix("OpenAIException - ")
    status = getattr(exc, "status_code", None)
    label = type(exc).__name__ + (f" ({status})" if isinstance(status, int) else "")
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return f"{label}: {text}"


class LiteLLMModel:
    """Any model litellm can call, with cache and retries."""

    def __init__(self, name: str, settings: ModelSettings):
        self.name = name
        self.settings = settings
        self.cache = ResponseCache(settings.cache_dir) if settings.cache_dir else None

    @classmethod
    def from_spec(cls, spec: str, settings: ModelSettings) -> LiteLLMModel:
        try:
            _litellm().get_llm_provider(spec, api_base=settings.api_base)
        except Exception:
            raise ModelConfigError(_unknown_form(spec)) from None
        return cls(spec, settings)

    def _params(self, max_tokens: int | None = None, logprobs: bool = False) -> dict[str, Any]:
        s = self.settings
        params: dict[str, Any] = {"temperature": s.temperature, "max_tokens": max_tokens or s.max_tokens,
                                  "api_base": s.api_base}
        if logprobs:  # only then: the keys of calls without it stay what they were
            params["logprobs"] = True
        return params

    def complete(self, messages: list[dict], sample: int = 0, *, max_tokens: int | None = None,
                 logprobs: bool = False, timeout_s: float | None = None) -> Completion:
        params = self._params(max_tokens, logprobs)
        key = ResponseCache.key(self.name, messages, params, sample)
        if self.cache and (hit := self.cache.get(key)) is not None:
            return hit
        completion = self._call_with_retries(messages, sample, params, timeout_s)
        if self.cache:
            self.cache.put(key, completion)
        return completion

    def _call_with_retries(self, messages: list[dict], sample: int, params: dict[str, Any],
                           timeout_s: float | None = None) -> Completion:
        import tenacity

        s = self.settings
        stop = tenacity.stop_after_attempt(s.retries + 1)
        if timeout_s is not None:
            stop = stop | tenacity.stop_after_delay(timeout_s)
        retrying = tenacity.Retrying(
            stop=stop,
            wait=tenacity.wait_exponential(multiplier=s.retry_base_delay_s, min=s.retry_base_delay_s, max=s.retry_max_delay_s),
            retry=tenacity.retry_if_exception(_is_transient),
            reraise=True,
        )
        deadline = None if timeout_s is None else time.monotonic() + timeout_s

        def attempt() -> Completion:
            # each try gets what is left of the caller's time, not all of it again (a local server that took
            # the whole budget to time out was asked once more for as long)
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                raise TimeoutError("no time left for another try")
            return self._call(messages, sample, params, left)

        try:
            return retrying(attempt)
        except ModelError:
            raise
        except Exception as exc:
            if _is_transient(exc):
                raise ModelCallError(f"{self.name}: gave up after {s.retries + 1} tries: {_one_line(exc)}") from exc
            raise ModelCallError(f"{self.name}: {_one_line(exc)}") from exc

    def _call(self, messages: list[dict], sample: int, params: dict[str, Any],
              timeout_s: float | None = None) -> Completion:
        litellm = _litellm()
        s = self.settings
        extra: dict[str, Any] = {"seed": sample} if sample > 0 else {}
        if params.get("logprobs"):
            extra.update(logprobs=True, top_logprobs=1)  # some servers (llama.cpp) give none without top_logprobs
        start = time.monotonic()
        response = litellm.completion(
            model=self.name,
            messages=messages,
            temperature=s.temperature,
            max_tokens=params["max_tokens"],
            api_base=s.api_base,
            timeout=s.request_timeout_s if timeout_s is None else max(1.0, min(s.request_timeout_s, timeout_s)),
            max_retries=0,  # retries are ours, on transient errors only
            num_retries=0,
            drop_params=True,  # e.g. seed where the provider has none
            **extra,
        )
        seconds = time.monotonic() - start
        content = response.choices[0].message.content or ""
        usage = getattr(response, "usage", None)
        return Completion(
            content=content,
            tokens_in=int(getattr(usage, "prompt_tokens", 0) or 0),
            tokens_out=int(getattr(usage, "completion_tokens", 0) or 0),
            cost_usd=self._cost(response),
            seconds=seconds,
            logprobs=_token_logprobs(response.choices[0]),
        )

    def _cost(self, response: Any) -> float | None:
        try:
            return float(_litellm().completion_cost(completion_response=response, model=self.name))
        except Exception:
            return None  # no price known for this model

    def check(self) -> None:
        """Raise ModelConfigError if a key is unset or the server does not answer."""
        litellm = _litellm()
        _, provider, _, _ = litellm.get_llm_provider(self.name, api_base=self.settings.api_base)
        try:
            env = litellm.validate_environment(self.name, api_base=self.settings.api_base)
        except Exception:
            env = {}  # litellm cannot tell for this provider; the first call will
        missing = env.get("missing_keys") or []
        keys = [k for k in missing if not k.endswith(("_API_BASE", "_BASE_URL", "_API_URL"))]
        if keys:
            raise ModelConfigError(
                f"model {self.name} needs the environment variable {' and '.join(keys)} (it is not set)"
            )
        base = self.settings.api_base
        if base is None and provider == "ollama":
            base = os.environ.get("OLLAMA_API_BASE", "http://localhost:11434")
        if base is None and provider == "hosted_vllm":
            base = os.environ.get("HOSTED_VLLM_API_BASE")
            if not base:
                raise ModelConfigError(f"model {self.name} needs --api-base (the URL of the vLLM server)")
        if base is not None:
            _probe(base.rstrip("/") + "/models")


def _probe(url: str, timeout: float = 3.0) -> None:
    """Any HTTP answer (even 401 or 404) means the server is there; so does a connection it accepts but does
    not answer in time (a local server answers one request at a time: it is busy with another client's)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout):
            return
    except urllib.error.HTTPError:
        return
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, TimeoutError) and _accepts(url, timeout):
            return
        raise ModelConfigError(f"cannot reach the model server at {url}: {reason}") from None


def _accepts(url: str, timeout: float) -> bool:
    """Whether the server of ``url`` accepts a TCP connection."""
    parts = urllib.parse.urlsplit(url)
    if not parts.hostname:
        return False
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname, port), timeout=timeout):
            return True
    except OSError:
        return False


# ---------------------------------------------------------------- replay


def _estimate_tokens(text: str) -> int:
    return max(1, len(text) // 4) if text else 0


class ReplayModel:
    """Recorded replies from a JSONL file, served in order whatever is asked."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.name = f"replay:{path}"
        self.replies = self._load()
        self._next = 0
        self._lock = threading.Lock()

    @classmethod
    def from_spec(cls, spec: str, settings: ModelSettings) -> ReplayModel:
        return cls(spec)

    def _load(self) -> list[dict]:
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise ModelConfigError(f"cannot read replay file {self.path}: {exc.strerror or exc}") from None
        replies = []
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except ValueError as exc:
                raise ModelConfigError(f"replay file {self.path}, line {number}: not JSON ({exc.msg})") from None
            if not isinstance(item, dict) or not isinstance(item.get("content"), str):
                raise ModelConfigError(f'replay file {self.path}, line {number}: needs a "content" string')
            replies.append(item)
        return replies

    def check(self) -> None:
        """The file was read and parsed when the model was made; read it again."""
        self._load()

    def complete(self, messages: list[dict], sample: int = 0, *, max_tokens: int | None = None,
                 logprobs: bool = False, timeout_s: float | None = None) -> Completion:
        """The next recorded reply; an item's ``logprobs`` ([[token, logprob], ...]) is given back when asked for."""
        with self._lock:
            if self._next >= len(self.replies):
                raise ReplayExhausted(f"replay file {self.path} exhausted after {len(self.replies)} replies")
            item = self.replies[self._next]
            self._next += 1
        content = item["content"]
        prompt = "".join(str(m.get("content", "")) for m in messages)
        cost = item.get("cost_usd")
        return Completion(
            content=content,
            tokens_in=int(item.get("tokens_in", _estimate_tokens(prompt))),
            tokens_out=int(item.get("tokens_out", _estimate_tokens(content))),
            cost_usd=float(cost) if cost is not None else None,
            seconds=0.0,
            logprobs=tuple((str(t), float(v)) for t, v in item["logprobs"]) if logprobs and item.get("logprobs") else None,
        )


# ---------------------------------------------------------------- choosing


MODELS: dict[str, type] = {"replay": ReplayModel, "litellm": LiteLLMModel}
"""Spec prefix → model class; a spec without a known ``PREFIX:`` goes to litellm."""


def _unknown_form(spec: str) -> str:
    hint = " ('search' is the built-in tactic search, not a model)" if spec == "search" else ""
    return f"unknown model {spec!r}{hint}; use one of: " + "; ".join(MODEL_FORMS)


def make_model(spec: str, settings: ModelSettings | None = None) -> Model:
    """The model named by ``spec`` (see :data:`MODEL_FORMS`)."""
    settings = settings if settings is not None else ModelSettings()
    spec = spec.strip()
    if not spec or spec == "search":
        raise ModelConfigError(_unknown_form(spec))
    prefix, sep, rest = spec.partition(":")
    if sep and prefix in MODELS:
        if not rest:
            raise ModelConfigError(_unknown_form(spec))
        return MODELS[prefix].from_spec(rest, settings)
    return LiteLLMModel.from_spec(spec, settings)


def check_model(model: Model) -> None:
    """Cheap preflight; raises ModelConfigError with one line naming what is wrong."""
    check = getattr(model, "check", None)
    if check is not None:
        check()
