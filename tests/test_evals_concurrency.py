"""What many processes on one machine share during an eval: the model-call cache and the prover slots."""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path

from proofmend.agent.models import Completion, ReplayModel, ResponseCache
from proofmend.evals.slots import ProverSlots, SlotReleasingModel

KEYS = [ResponseCache.key("m", [{"role": "user", "content": str(i)}], {}, 0) for i in range(8)]
PAYLOAD = 200_000  # large enough that a write is not one syscall


def _hammer(folder: str, writer: int, rounds: int, queue) -> None:
    cache = ResponseCache(Path(folder))
    bad = 0
    for r in range(rounds):
        key = KEYS[(writer + r) % len(KEYS)]
        content = f"{key}:{writer}:{r}:" + "x" * PAYLOAD
        cache.put(key, Completion(content, 1, 2, None, 0.5))
        for other in KEYS:
            got = cache.get(other)
            if got is not None and (not got.content.startswith(other + ":") or not got.content.endswith("x" * 100)
                                    or len(got.content.rsplit(":", 1)[1]) != PAYLOAD):
                bad += 1
    queue.put(bad)


def test_cache_is_safe_under_concurrent_writers(tmp_path):
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_hammer, args=(str(tmp_path), w, 25, queue)) for w in range(6)]
    for p in procs:
        p.start()
    bad = [queue.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    assert bad == [0] * len(procs)  # no reader ever saw a partial or foreign entry
    assert not list(tmp_path.rglob(".tmp-*"))  # no temporary file left behind
    cache = ResponseCache(tmp_path)
    for key in KEYS:
        got = cache.get(key)
        assert got is not None and got.cached and got.content.startswith(key + ":")


def test_a_damaged_or_misplaced_entry_is_a_miss(tmp_path):
    cache = ResponseCache(tmp_path)
    cache.put(KEYS[0], Completion("a", 1, 1, None, 0.1))
    path = tmp_path / KEYS[0][:2] / f"{KEYS[0]}.json"
    other = tmp_path / KEYS[1][:2] / f"{KEYS[1]}.json"
    other.parent.mkdir(parents=True, exist_ok=True)
    other.write_bytes(path.read_bytes())  # an entry under another key's name
    assert cache.get(KEYS[1]) is None
    path.write_text(path.read_text()[:20])  # cut short
    assert cache.get(KEYS[0]) is None
    path.write_text("[1, 2]")
    assert cache.get(KEYS[0]) is None


def _hold(folder: str, n: int, hold_s: float, queue) -> None:
    slots = ProverSlots(n, Path(folder), poll_s=0.005)
    with slots.holding():
        start = time.monotonic()
        time.sleep(hold_s)
        end = time.monotonic()
    queue.put((start, end))


def test_prover_slots_bound_holders_across_processes(tmp_path):
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_hold, args=(str(tmp_path), 2, 0.4, queue)) for _ in range(5)]
    for p in procs:
        p.start()
    spans = [queue.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    points = sorted([(s, 1) for s, _ in spans] + [(e, -1) for _, e in spans], key=lambda x: (x[0], x[1]))
    level = peak = 0
    for _, step in points:
        level += step
        peak = max(peak, level)
    assert peak == 2


def _free(folder: Path) -> bool:
    """Whether another holder can take the one slot in ``folder`` within a second."""
    import threading

    got = []

    def take():
        probe = ProverSlots(1, folder, poll_s=0.001)
        probe.acquire()
        got.append(True)
        probe.release()

    t = threading.Thread(target=take, daemon=True)
    t.start()
    t.join(timeout=1.0)
    return bool(got)


class _Observed:
    """The inner model of a wrapper: notes whether the slot is free while it is asked."""

    def __init__(self, inner, folder):
        self.inner, self.folder, self.name = inner, folder, inner.name
        self.free_during: list[bool] = []

    def complete(self, messages, sample=0):
        self.free_during.append(_free(self.folder))
        return self.inner.complete(messages, sample)


def test_a_model_call_gives_the_slot_back_while_it_waits(tmp_path):
    replay = tmp_path / "r.jsonl"
    replay.write_text('{"content": "auto."}\n{"content": "lia."}\n')
    folder = tmp_path / "slots"
    slots = ProverSlots(1, folder)
    inner = _Observed(ReplayModel(replay), folder)
    model = SlotReleasingModel(inner, slots)
    with slots.holding():
        assert not _free(folder)
        assert model.complete([{"role": "user", "content": "x"}]).content == "auto."
        assert slots.held and not _free(folder)  # taken back after the call
        assert model.complete([{"role": "user", "content": "y"}]).content == "lia."
    assert inner.free_during == [True, True]
    assert _free(folder)
