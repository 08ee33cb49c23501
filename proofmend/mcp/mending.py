"""The ``mend`` tool: the repair loop on one proof or on every failing proof and hole of a file.

Each proof is mended by the editor's :class:`~proofmend.editor.mend_job.MendJob`:
a child process in a process group of its own running the same loop and the
same audit as ``repair``, so that a cancelled call ends every prover it
started.  Proofs are mended in file order, each on the text with the earlier
fixes applied.  Only a proof the audit accepted is returned; with ``write``
the file is written as ``repair --write`` writes it (atomically, proof bodies
only, refused when the file changed on disk meanwhile).
"""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path

import anyio

from ..agent.loop.repair import FileReport, write_back
from ..editor.api import MendResult, position_of, theorem_label
from ..editor.mend_job import MendFailed, MendJob
from ..provers.coq.locator import CoqDocument, parse_document
from ..provers.deadline import Deadline
from ..provers.errors import InputError
from .context import Progress, Services, in_thread
from .files import find_proof
from .schemas import MendedProof, MendInput, MendOutput

GRACE_S = 60.0  # beyond a proof's budget and the audit's compile cap: process start-up, workspace copy


def _config(svc: Services, args: MendInput):
    budget = args.budget
    update = {}
    if budget is not None and budget.seconds is not None:
        update["timeout_s"] = budget.seconds
    if budget is not None and budget.attempts is not None:
        update["attempts"] = budget.attempts
    return svc.config.model_copy(update=update)


def _targets(svc: Services, path: Path, deadline: Deadline) -> list[int]:
    """Every failing proof and every hole of the file, in file order (found in its live document)."""
    with svc.live.open(path, deadline) as f:
        scan = f.scan()
        return [i for i, p in enumerate(f.doc.proofs) if (p.is_hole or i in scan.failing) and (p.name or p.qualname)]


async def mend(svc: Services, args: MendInput, progress: Progress) -> MendOutput:
    path = svc.files.resolve(args.file)
    shown = svc.files.display(path)
    original, doc = svc.files.read(path)
    config = _config(svc, args)
    if args.theorem is not None:
        targets = [find_proof(doc, args.theorem, shown)[0]]
    else:
        await progress.say(f"finding the failing proofs of {shown}")
        targets = await in_thread(progress, _targets, svc, path, Deadline(svc.call_timeout_s))
    text = original
    results: list[MendedProof] = []
    fixes: dict[int, str] = {}
    for k, index in enumerate(targets):
        current = parse_document(text)
        p = current.proofs[index]
        label = theorem_label(current, p)
        await progress.say(f"mending {label} ({k + 1} of {len(targets)})")
        line, character = position_of(text, p.statement.start)
        try:
            res = await _run_job(svc, MendJob(path, line, character, text, config,
                                              deadline_s=config.timeout_s + config.compile_timeout_s + GRACE_S))
        except MendFailed as e:  # this proof only: the others are still worked on
            results.append(MendedProof(theorem=label, line=current.line_of(p.statement.start), status="unsolved",
                                       exit="prover_error", error=str(e), seconds=0.0))
            continue
        results.append(_proof(current, index, res, label))
        if res is not None and res.status == "fixed" and res.new_text_for_range is not None:
            text = res.apply(text)
            fixes[index] = res.new_text_for_range
    written, write_error = False, None
    if args.write and fixes:
        try:
            written = write_back(FileReport(path, original, text, fixes=fixes))
        except (InputError, OSError) as e:
            write_error = str(e)
    diff = "".join(difflib.unified_diff(original.splitlines(True), text.splitlines(True),
                                        fromfile=f"a/{shown}", tofile=f"b/{shown}"))
    return MendOutput(file=shown, model=config.model, results=results, fixed=len(fixes), written=written,
                      write_error=write_error, diff=diff)


async def _run_job(svc: Services, job: MendJob) -> MendResult | None:
    """Run one mend job to its end (``MendFailed`` when it could not run or ran past its deadline); a
    cancelled call ends its whole process group and removes its files."""
    svc.mends.add(job)
    try:
        await job.start()
        return await job.result()
    except MendFailed:
        raise
    except BaseException:  # cancelled (or the server is stopping): nothing of the job may stay behind
        job.kill()
        with anyio.CancelScope(shield=True):
            if job.proc is not None:
                await job.proc.wait()
            if job.tmp is not None:
                shutil.rmtree(job.tmp, ignore_errors=True)
        raise
    finally:
        svc.mends.discard(job)


def _proof(doc: CoqDocument, index: int, res: MendResult | None, label: str) -> MendedProof:
    line = doc.line_of(doc.proofs[index].statement.start)
    if res is None:
        return MendedProof(theorem=label, line=line, status="skipped", exit="no_proof", error="no proof there", seconds=0.0)
    fixed = res.status == "fixed" and res.new_text_for_range is not None
    status = "fixed" if fixed else ("unsolved" if res.status == "fixed" else res.status)
    return MendedProof(theorem=res.theorem, line=line, status=status,
                       exit=res.exit, body=res.new_text_for_range.strip() if fixed else None,
                       error=None if fixed else res.error, seconds=round(res.elapsed_s, 3))
