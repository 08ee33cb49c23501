"""Eval samples on a Ray cluster: ``proofmend eval CORPUS --ray [ADDRESS]``.

Each task sample is one Ray task (``num_cpus=1``) running :func:`.sample.run_one`
in a Ray worker process; this process, the driver, alone writes the output
directory, so resumption, ``--fresh``, the summary, report and plot are those
of a local run.  Ray tasks rather than one actor per CPU: a sample's prover
sessions belong to its own file and cannot serve the next sample, Ray reuses
its worker processes between tasks anyway (imports are paid once), and a task
is retried by Ray when its worker or node dies, which an actor's in-flight
call is not without more machinery.

- The corpus folder is shipped once through the object store and unpacked in
  each node's temporary directory, so nodes need no shared file system.
- Faults: a worker or node that dies mid-sample costs that sample a retry
  (``retries``, bounded); after the last one it is recorded as ``error`` with
  the cause.  The driver writes one line per pair, never two.
- Every node is checked at start: ``coqc`` and ``coqidetop`` present, of the
  driver's version.  A node that fails refuses the run with one line.
- ``model_concurrency`` N above the cluster's CPUs: N samples in flight, each
  asking ``CPUs / N`` of a CPU from Ray, and each node's prover work kept to its
  CPUs by prover slots (:mod:`.slots`) given back during model calls.

Ray is imported lazily: proofmend works without it.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import math
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from ..provers.coq.batch import coqc_binary
from ..provers.coq.idetop import idetop_binary
from ..provers.errors import InputError, ProverNotInstalledError
from .pool import _error_record
from .sample import run_one, trace_name
from .schema import Corpus

RAY_HINT = "--ray needs Ray, which is not installed: pip install 'proofmend[ray]'"
TOOLS = {"coqc": coqc_binary, "coqidetop": idetop_binary}
#: Build products and hidden files are not shipped with the corpus.
SKIPPED_SUFFIXES = (".vo", ".vok", ".vos", ".glob", ".aux", ".pyc")
MAX_CORPUS_BYTES = 256 * 1024 * 1024
ENV_FORWARDED = ("PROOFMEND_CACHE_DIR",)


def ray_available() -> bool:
    return importlib.util.find_spec("ray") is not None


def import_ray():
    try:
        import ray
    except ImportError:
        raise InputError(RAY_HINT) from None
    return ray


# ------------------------------------------------------------------ tools on a node


def tool_versions() -> dict[str, str | None]:
    """The version of ``coqc`` and ``coqidetop`` on this machine (None where missing)."""
    found: dict[str, str | None] = {}
    for name, binary in TOOLS.items():
        try:
            out = subprocess.run([binary(), "--version"], capture_output=True, text=True, timeout=60).stdout
        except (ProverNotInstalledError, OSError, subprocess.TimeoutExpired):
            found[name] = None
            continue
        m = re.search(r"version\s+(\S+)", out)
        found[name] = m.group(1) if m else (out.strip().splitlines() or ["unknown"])[0]
    return found


def tools_problem(here: dict[str, str | None], expected: dict[str, str | None]) -> str | None:
    """None when ``here`` has every tool of ``expected`` at the same version, else why not."""
    wrong = [f"{name} {here.get(name) or 'missing'}" for name in expected if here.get(name) != expected[name]]
    if not wrong:
        return None
    want = ", ".join(f"{name} {v}" for name, v in expected.items())
    return f"{', '.join(wrong)} where the driver has {want}"


_checked: dict[tuple, str | None] = {}


def _problem_here(expected: dict[str, str | None]) -> str | None:
    key = tuple(sorted(expected.items()))
    if key not in _checked:  # once per worker process
        _checked[key] = tools_problem(tool_versions(), expected)
    return _checked[key]


def _node_tools() -> dict[str, str | None]:
    return tool_versions()


# ------------------------------------------------------------------ the corpus on a node


def corpus_files(root: Path) -> tuple[str, dict[str, bytes]]:
    """(digest, relative path → bytes) of the corpus folder, without build products or hidden files."""
    files: dict[str, bytes] = {}
    size = 0
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if any(part.startswith(".") for part in rel.parts) or path.suffix in SKIPPED_SUFFIXES or not path.is_file():
            continue
        data = path.read_bytes()
        size += len(data)
        if size > MAX_CORPUS_BYTES:
            raise InputError(f"the corpus folder {root} holds over {MAX_CORPUS_BYTES >> 20} MiB; "
                             "--ray ships it to every node: give a folder with the tasks only")
        files[rel.as_posix()] = data
    digest = hashlib.sha256()
    for rel, data in files.items():
        digest.update(rel.encode() + b"\0" + hashlib.sha256(data).digest())
    return digest.hexdigest()[:24], files


def _unpacked(box: list, digest: str) -> Path:
    """This node's copy of the corpus, unpacked once (the first worker to need it writes it)."""
    import ray

    dest = Path(tempfile.gettempdir()) / f"proofmend-corpus-{os.getuid()}" / digest
    if dest.is_dir():
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    files = ray.get(box[0])
    tmp = Path(tempfile.mkdtemp(dir=dest.parent, prefix=".unpack-"))
    for rel, data in files.items():
        target = tmp / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    try:
        os.rename(tmp, dest)
    except OSError:  # another worker got there first
        shutil.rmtree(tmp, ignore_errors=True)
    return dest


# ------------------------------------------------------------------ one sample, in a Ray worker


def _run_remote(job: tuple, box: list, digest: str, expected: dict, slots_by_node: dict | None) -> dict:
    """Run one sample on this node; returns its record and trace, or why this node refuses."""
    import ray

    problem = _problem_here(expected)
    if problem:
        return {"refused": f"node {ray.util.get_node_ip_address()}: {problem}"}
    task_json, rel, sample, config_json = job
    root = _unpacked(box, digest)
    slots = None
    if slots_by_node is not None:
        slots = int(slots_by_node.get(ray.get_runtime_context().get_node_id()) or os.cpu_count() or 1)
    with tempfile.TemporaryDirectory(prefix="proofmend-trace-") as tdir:
        record = run_one(task_json, str(root / rel), sample, config_json, tdir, slots)
        trace = Path(tdir) / trace_name(record["id"], sample)
        text = trace.read_text(encoding="utf-8") if trace.exists() else None
    return {"record": record, "trace": text}


# ------------------------------------------------------------------ the driver


class RayExecutor:
    """Runs samples as Ray tasks on the cluster at ``address``.

    ``address``: ``None`` or ``"local"`` starts a local instance with ``num_cpus``
    CPUs (default: all) for the run; ``"auto"`` joins the cluster this machine
    belongs to (``ray start``); ``ray://host:port`` is a Ray Client address.  When
    Ray is already initialised in this process, that instance is used as it is.
    """

    def __init__(self, address: str | None = None, model_concurrency: int | None = None,
                 num_cpus: int | None = None, retries: int = 2, object_store_mb: int = 256,
                 expected_tools: dict[str, str | None] | None = None):
        self.address = None if address in (None, "", "local") else address
        self.model_concurrency = model_concurrency
        self.num_cpus = num_cpus
        self.retries = retries
        self.object_store_mb = object_store_mb
        self.expected_tools = expected_tools
        self._owned = False
        self._described: dict = {"executor": "ray", "address": address or "local"}

    # -------------------------------------------------------------- connection
    def __enter__(self) -> RayExecutor:
        return self  # Ray starts with the first sample to run

    def __exit__(self, *exc) -> None:
        self.close()

    def connect(self):
        ray = import_ray()
        if ray.is_initialized():
            return ray
        # Ray retries a task its memory monitor killed without end unless told otherwise; the
        # submitter (this process) reads the bound from its environment.
        os.environ.setdefault("RAY_task_oom_retries", str(self.retries))
        env = {k: os.environ[k] for k in ENV_FORWARDED if k in os.environ}
        kwargs = dict(include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR,
                      runtime_env={"env_vars": env} if env else None)
        try:
            if self.address is None:
                ray.init(num_cpus=self.num_cpus, object_store_memory=self.object_store_mb << 20, **kwargs)
            else:
                ray.init(address=self.address, **kwargs)
        except (ConnectionError, ValueError, RuntimeError) as e:
            where = self.address or "a local instance"
            raise InputError(f"cannot start or reach Ray at {where}: {' '.join(str(e).split())[:300]}") from None
        self._owned = True
        return ray

    def close(self) -> None:
        if self._owned:
            import ray

            ray.shutdown()
            self._owned = False

    def describe(self) -> dict:
        return dict(self._described)

    # -------------------------------------------------------------- checks
    def check_nodes(self, expected: dict[str, str | None]) -> dict[str, float]:
        """CPUs of every alive node; InputError naming the first node without the driver's tools."""
        ray = self.connect()
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        nodes = [n for n in ray.nodes() if n.get("Alive") and n.get("Resources", {}).get("CPU", 0) > 0]
        if not nodes:
            raise InputError("the Ray cluster has no node with a CPU")
        probe = ray.remote(_node_tools)
        refs = {probe.options(num_cpus=0, scheduling_strategy=NodeAffinitySchedulingStrategy(n["NodeID"], soft=False)).remote(): n
                for n in nodes}
        try:
            answers = ray.get(list(refs), timeout=120)
        except ray.exceptions.GetTimeoutError:
            raise InputError("a Ray node did not answer the check of its Coq tools within 120 s") from None
        for (ref, node), here in zip(refs.items(), answers):
            problem = tools_problem(here, expected)
            if problem:
                raise InputError(f"node {node.get('NodeManagerAddress')}: {problem}")
        return {n["NodeID"]: float(n["Resources"]["CPU"]) for n in nodes}

    # -------------------------------------------------------------- the run
    def execute(self, jobs: list[tuple], corpus: Corpus) -> Iterator[dict]:
        if not jobs:
            return
        ray = self.connect()
        expected = self.expected_tools
        if expected is None:
            expected = tool_versions()
            missing = [name for name, v in expected.items() if v is None]
            if missing:
                raise ProverNotInstalledError(f"{' and '.join(missing)} not found on PATH of this machine "
                                              "(the nodes must match its Coq)")
        cpus = self.check_nodes(expected)
        total = sum(cpus.values())
        n = self.model_concurrency
        pooled = bool(n and n > total)
        cpu_each = math.floor(total / n * 1e4) / 1e4 if pooled else 1.0
        window = max(n or 0, int(2 * total), 1)
        self._described.update(cpus=total, model_concurrency=n, cpu_per_sample=cpu_each, retries=self.retries)

        root = corpus.root.resolve()
        digest, files = corpus_files(root)
        box = [ray.put(files)]
        remote = ray.remote(_run_remote).options(num_cpus=max(cpu_each, 1e-4), max_retries=self.retries,
                                                 retry_exceptions=False)
        slots_by_node = {node: int(c) for node, c in cpus.items()} if pooled else None

        def submit(job: tuple):
            try:
                rel = Path(job[1]).resolve().relative_to(root).as_posix()
            except ValueError:
                raise InputError(f"{job[1]} lies outside the corpus folder {root}, which is what --ray ships") from None
            return remote.remote((job[0], rel, job[2], job[3]), box, digest, expected, slots_by_node)

        queue = list(reversed(jobs))
        pending: dict = {}
        try:
            while queue or pending:
                while queue and len(pending) < window:
                    job = queue.pop()
                    pending[submit(job)] = job
                ready, _ = ray.wait(list(pending), num_returns=1)
                for ref in ready:
                    job = pending.pop(ref)
                    out = self._outcome(ray, ref, job)
                    if "refused" in out:
                        raise InputError(out["refused"])
                    if out.get("trace") is not None and job[4]:
                        _write_trace(Path(job[4]) / trace_name(out["record"]["id"], job[2]), out["trace"])
                    yield out["record"]
        except BaseException:
            for ref in pending:
                ray.cancel(ref, force=True)
            raise

    def _outcome(self, ray, ref, job: tuple) -> dict:
        try:
            return ray.get(ref)
        except ray.exceptions.RayTaskError as e:  # an exception outside run_one's own handling
            cause = e.cause if getattr(e, "cause", None) is not None else e
            return {"record": _error_record(job, f"{type(cause).__name__}: {_first_line(cause)}"[:2000])}
        except ray.exceptions.RayError as e:  # the worker or its node died, after Ray's retries
            tries = self.retries + 1
            return {"record": _error_record(job, f"the Ray worker died on this sample {tries} time"
                                                 f"{'s' if tries > 1 else ''}: {type(e).__name__}: {_first_line(e)}"[:2000])}


def _first_line(e: BaseException) -> str:
    lines = [ln.strip() for ln in str(e).splitlines() if ln.strip()]
    return lines[0] if lines else ""


def _write_trace(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
