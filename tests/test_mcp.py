"""``proofmend mcp`` driven by the ``mcp`` SDK's own client: the server runs as a subprocess over stdio (once
over HTTP on loopback), with the real coqc/coqidetop on a copy of the bundled ``examples/shop`` project.

Deadlines here are generous bounds on outcomes, never timings under test.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import pytest

from proofmend.provers.coq.locator import parse_document

from .conftest import ROOT, needs_coq, run_cli

mcp = pytest.importorskip("mcp")
from mcp import Client, StdioServerParameters  # noqa: E402
from mcp.shared.exceptions import MCPError  # noqa: E402

pytestmark = needs_coq

SHOP = ROOT / "examples" / "shop"
TOOLS = {"check", "outline", "goals", "try", "search", "mend", "audit"}
DEADLINE_S = 900  # a bound on a whole test, never reached when things work

# The proofs of examples/shop/FIXES.md for Cart.v
LINE_TOTAL_FREE = "intros [s q p] Hq. simpl in Hq. subst p.\n  unfold line_total. simpl. lia."
CART_TOTAL_APP = ("induction c1 as [| l c1 IH]; intros c2.\n  - reflexivity.\n"
                  "  - rewrite <- app_comm_cons, !cart_total_cons, IH. lia.")
# A false lemma: the search cannot prove it, so a mend of it runs until its budget or a cancel.
STUCK = "\nLemma stuck : forall n : nat, n + 1 = n.\nProof.\nAdmitted.\n"


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    dest = tmp_path / "shop"
    shutil.copytree(SHOP, dest)
    return dest


def server_env(tmp_path: Path) -> dict[str, str]:
    tmp = tmp_path / "server-tmp"
    tmp.mkdir(exist_ok=True)
    return {**os.environ, "TMPDIR": str(tmp), "PROOFMEND_CACHE_DIR": str(tmp_path / "cache")}


@asynccontextmanager
async def connected(project: Path, *options: str) -> AsyncIterator[Client]:
    """An initialised SDK client of ``proofmend mcp PROJECT OPTIONS`` over stdio."""
    params = StdioServerParameters(command=sys.executable, args=["-m", "proofmend.cli", "mcp", str(project), *options],
                                   env=server_env(project.parent))
    async with Client(params, read_timeout_seconds=DEADLINE_S) as client:
        yield client


def run(test) -> None:
    async def bounded() -> None:
        with anyio.fail_after(DEADLINE_S):
            await test()

    anyio.run(bounded)


async def call(client: Client, tool: str, **arguments) -> dict:
    """The structured result of a call that must succeed."""
    result = await client.call_tool(tool, arguments)
    assert not result.is_error, result.content
    assert json.loads(result.content[0].text) == result.structured_content
    return result.structured_content


async def error_of(client: Client, tool: str, **arguments) -> dict:
    """The structured error of a call that must fail as a tool error."""
    result = await client.call_tool(tool, arguments)
    assert result.is_error, result.structured_content
    return result.structured_content["error"]


def text_outside(text: str, theorem: str) -> str:
    """The text with the body of ``theorem``'s proof cut out."""
    doc = parse_document(text)
    return doc.with_bodies({i: "" for i, p in enumerate(doc.proofs) if p.name == theorem})


# ------------------------------------------------------------------ processes, read from /proc

def _stat(pid: int) -> tuple[str, str, int, int] | None:
    """(command name, state, parent pid, process group), None when gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2:].split()
    return raw[raw.index("(") + 1:raw.rindex(")")], fields[0], int(fields[1]), int(fields[2])


def descendants(root: int) -> dict[int, tuple[str, str, int, int]]:
    stats = {pid: st for pid in (int(p) for p in os.listdir("/proc") if p.isdigit()) if (st := _stat(pid))}
    out: dict[int, tuple[str, str, int, int]] = {}
    frontier = {root}
    while frontier:
        frontier = {pid for pid, st in stats.items() if st[2] in frontier and pid not in out}
        out.update({pid: stats[pid] for pid in frontier})
    return out


def provers() -> dict[int, tuple[str, str, int, int]]:
    """The live coqidetop processes started (through the server) by this test."""
    return {pid: st for pid, st in descendants(os.getpid()).items() if st[0].startswith("coqidetop") and st[1] != "Z"}


def alive(pid: int) -> bool:
    st = _stat(pid)
    return st is not None and st[1] != "Z"


async def wait_until(condition, what: str, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"still waiting for {what} after {timeout:g} s")
        await anyio.sleep(0.05)


# ------------------------------------------------------------------ listing, check, outline, goals, search

def test_lists_the_tools_with_their_schemas(shop: Path) -> None:
    async def test() -> None:
        async with connected(shop) as client:
            assert client.server_info.name == "proofmend"
            tools = {t.name: t for t in (await client.list_tools()).tools}
            assert set(tools) == TOOLS
            for t in tools.values():
                assert t.description and len(t.description) < 600
                assert t.input_schema["type"] == "object" and "file" in str(t.input_schema["properties"])
                assert t.output_schema and t.output_schema["type"] == "object"
            assert tools["try"].input_schema["required"] == ["file", "theorem", "tactics"]
            assert tools["mend"].annotations.read_only_hint is False
            assert tools["goals"].annotations.read_only_hint is True

    run(test)


def test_check_outline_goals_and_search_on_the_example(shop: Path) -> None:
    async def test() -> None:
        async with connected(shop) as client:
            cart = await call(client, "check", file="Cart.v")
            assert not cart["ok"] and not cart["compiled"]
            [error] = [d for d in cart["diagnostics"] if d["severity"] == "error"]
            assert (error["line"], error["message"]) == (28, "Cannot find any non-recursive equality over q.")
            money = await call(client, "check", file=str(shop / "Money.v"))  # an absolute path inside the project
            assert money["ok"] and money["file"] == "Money.v"

            outline = await call(client, "outline", file="Invoice.v")
            status = {item["name"]: item["status"] for item in outline["items"]}
            assert status == {"invoice": "defined", "invoice_subtotal": "defined", "invoice_total": "defined",
                              "add_line": "defined", "invoice_percent_le": "failing",
                              "invoice_total_le": "admitted", "add_line_subtotal": "proved"}
            failing = next(i for i in outline["items"] if i["status"] == "failing")
            assert failing["error_line"] == 24 and "discount_le" in failing["error"]
            assert "load_error" not in outline

            start = await call(client, "goals", file="Invoice.v", theorem="invoice_total_le")
            assert [g["conclusion"] for g in start["goals"]] == [
                "forall i : invoice, invoice_total i <= invoice_subtotal i"]
            # after 'intros [s q p] Hq. simpl in Hq.' (line 28 up to column 33): the fields are named
            inside = await call(client, "goals", file="Cart.v", line=28, column=33)
            assert inside["theorem"] == "line_total_free" and "error" not in inside
            assert inside["goals"][0]["hypotheses"] == ["s : nat", "q : cents", "p : nat", "Hq : p = 0"]
            # the whole line: 'subst q.' fails there, and the goals are those before it
            failed = await call(client, "goals", file="Cart.v", line=29, column=0)
            assert failed["error"] == "Cannot find any non-recursive equality over q." and failed["error_line"] == 28
            assert failed["goals"][0]["hypotheses"][-1] == "Hq : p = 0"

            about = await call(client, "search", file="Invoice.v", query="About percent_off_le")
            assert "percent_off_le : forall amount pct : nat, percent_off amount pct <= amount" in about["output"]
            assert about["at"] == "the end of Invoice.v" and not about["truncated"]
            found = await call(client, "search", file="Invoice.v", theorem="invoice_total_le",
                               query="Search apply_discount.", max_chars=200)
            assert "apply_discount_le" in found["output"] or found["truncated"]
            assert found["total_chars"] >= len(found["output"]) - 80
            assert (await error_of(client, "search", file="Invoice.v", query="Axiom cheat : False."))["code"] == \
                "bad_arguments"

    run(test)


# ------------------------------------------------------------------ try

def test_try_runs_each_script_from_the_start_of_the_proof(shop: Path) -> None:
    async def test() -> None:
        async with connected(shop) as client:
            out = await call(client, "try", file="Cart.v", theorem="line_total_free", tactics=[
                LINE_TOTAL_FREE,
                f"Proof. {LINE_TOTAL_FREE} Qed.",  # Proof. and Qed. may be given
                "intros [s q p] Hq. simpl in Hq.",
                "intros [s q p] Hq. simpl in Hq. subst q.",
                "intros l Hq. exact (foo Hq).",
                "intros. admit.",
                "Axiom cheat : False. exact cheat.",
            ])
            results = out["results"]
            assert [r["status"] for r in results] == ["proved", "proved", "open", "error", "error", "error", "error"]
            assert results[2]["goals"]["goals"][0]["conclusion"] == \
                "line_total {| sku := s; unit_price := q; quantity := p |} = 0"
            assert results[3]["message"] == "Cannot find any non-recursive equality over q."
            assert results[3]["failed_sentence"] == "subst q."
            assert results[3]["checked"] == "intros [s q p] Hq. simpl in Hq."
            assert results[3]["goals"]["goals"][0]["hypotheses"][-1] == "Hq : p = 0"
            assert "foo" in results[4]["message"]
            assert "admit" in results[5]["message"] and "command" in results[6]["message"]
            assert (shop / "Cart.v").read_bytes() == (SHOP / "Cart.v").read_bytes()  # nothing written

    run(test)


def test_concurrent_calls_on_two_files(shop: Path) -> None:
    async def test() -> None:
        async with connected(shop) as client:
            answers: dict[str, dict] = {}

            async def one(name: str, **arguments) -> None:
                answers[name] = await call(client, "try", **arguments)

            async with anyio.create_task_group() as tg:
                tg.start_soon(lambda: one("cart", file="Cart.v", theorem="cart_total_app", tactics=[CART_TOTAL_APP]))
                tg.start_soon(lambda: one("invoice", file="Invoice.v", theorem="invoice_total_le", tactics=[
                    "intros i. unfold invoice_total. apply apply_discount_le.", "lia."]))
                tg.start_soon(lambda: one("cart2", file="Cart.v", theorem="line_total_free", tactics=[LINE_TOTAL_FREE]))
            assert [r["status"] for r in answers["cart"]["results"]] == ["proved"]
            assert [r["status"] for r in answers["invoice"]["results"]] == ["proved", "error"]
            assert [r["status"] for r in answers["cart2"]["results"]] == ["proved"]
            # one live prover per file
            assert len(provers()) == 2

    run(test)


def test_a_prover_that_died_is_started_again(shop: Path) -> None:
    async def test() -> None:
        async with connected(shop) as client:
            await call(client, "goals", file="Cart.v", theorem="cart_total_app")
            [pid] = provers()
            os.kill(pid, signal.SIGKILL)
            await wait_until(lambda: not alive(pid), "the killed prover to go")
            out = await call(client, "try", file="Cart.v", theorem="cart_total_app", tactics=[CART_TOTAL_APP])
            assert out["results"][0]["status"] == "proved"
            assert list(provers()) != [pid] and len(provers()) == 1

    run(test)


def test_edits_on_disk_are_seen_by_the_next_call(shop: Path) -> None:
    async def test() -> None:
        async with connected(shop) as client:
            before = await call(client, "search", file="Cart.v", query="About money_new.")
            assert "not a defined object" in before["output"] or "not found" in before["output"], before
            # a lemma added to a file that Cart.v requires: rebuilt, and Cart.v's session started again
            with (shop / "Money.v").open("a") as fh:
                fh.write("\nLemma money_new : 1 + 1 = 2.\nProof. reflexivity. Qed.\n")
            after = await call(client, "search", file="Cart.v", query="About money_new.")
            assert "money_new : 1 + 1 = 2" in after["output"]
            # the file itself, mended by hand
            cart = shop / "Cart.v"
            cart.write_text(cart.read_text().replace("subst q.\n", "subst p.\n"))
            status = {i["name"]: i["status"] for i in (await call(client, "outline", file="Cart.v"))["items"]}
            assert status["line_total_free"] == "proved"

    run(test)


def test_a_script_that_runs_forever_is_stopped(shop: Path) -> None:
    loop = "intros. do 2000000000 idtac."  # some twenty minutes of steps: stopped long before

    async def test() -> None:
        async with connected(shop, "--timeout", "30") as client:
            # past the script's own limit: an error for that script, and the session goes on
            out = await call(client, "try", file="Cart.v", theorem="line_total_free", timeout_s=1,
                             tactics=[loop, LINE_TOTAL_FREE])
            assert [r["status"] for r in out["results"]] == ["error", "proved"]
            assert "Timeout" in out["results"][0]["message"] or "interrupt" in out["results"][0]["message"].lower()
            # past the call's deadline (--timeout): a timeout error, and the server goes on
            error = await error_of(client, "try", file="Cart.v", theorem="line_total_free", timeout_s=300,
                                   tactics=[loop])
            assert error["code"] == "timeout"
            again = await call(client, "try", file="Cart.v", theorem="line_total_free", tactics=[LINE_TOTAL_FREE])
            assert again["results"][0]["status"] == "proved"

    run(test)


# ------------------------------------------------------------------ mend and audit

def test_mend_returns_an_audited_proof_and_writes_only_when_asked(shop: Path) -> None:
    async def test() -> None:
        cart = shop / "Cart.v"
        original = cart.read_text()
        async with connected(shop) as client:
            progress: list[tuple[float, str | None]] = []

            async def on_progress(value: float, total: float | None, message: str | None) -> None:
                progress.append((value, message))

            dry = await client.call_tool("mend", {"file": "Cart.v", "theorem": "line_total_free"},
                                         progress_callback=on_progress)
            assert not dry.is_error, dry.content
            [proof] = dry.structured_content["results"]
            assert (proof["theorem"], proof["status"], proof["exit"]) == ("line_total_free", "fixed", "proved")
            assert proof["body"].startswith("Proof.") and proof["body"].endswith("Qed.")
            assert not dry.structured_content["written"] and cart.read_text() == original
            assert "-  intros [s q p] Hq. simpl in Hq. subst q." in dry.structured_content["diff"]
            assert progress and any("line_total_free" in (m or "") for _, m in progress)
            assert [v for v, _ in progress] == sorted(v for v, _ in progress)

            wet = await call(client, "mend", file="Cart.v", theorem="line_total_free", write=True)
            assert wet["written"] and wet["fixed"] == 1
            mended = cart.read_text()
            assert mended != original and text_outside(mended, "line_total_free") == text_outside(original, "line_total_free")
            assert wet["results"][0]["body"] in mended
            # the file as written: the live session reads it again, and the audit of the change accepts it
            status = {i["name"]: i["status"] for i in (await call(client, "outline", file="Cart.v"))["items"]}
            assert status["line_total_free"] == "proved" and status["cart_total_app"] == "failing"
            # without a theorem: every proof of the file that fails or is admitted (one is left)
            rest = await call(client, "mend", file="Cart.v")
            assert [(r["theorem"], r["status"]) for r in rest["results"]] == [("cart_total_app", "fixed")]
            assert not rest["written"] and cart.read_text() == mended

    run(test)


def test_audit_accepts_honest_proofs_and_refuses_cheats(shop: Path) -> None:
    cart = (shop / "Cart.v").read_text()
    honest = cart.replace("intros [s q p] Hq. simpl in Hq. subst q.\n  unfold line_total. simpl. lia.", LINE_TOTAL_FREE)
    honest = honest.replace("induction c1 as [| l c1 IH]; intros c2; simpl.\n  - reflexivity.\n  - rewrite IH. lia.",
                            CART_TOTAL_APP)
    axiom = honest.replace("Lemma cart_total_app", "Axiom cheat : forall c1 c2,\n  cart_total (c1 ++ c2) = "
                           "cart_total c1 + cart_total c2.\n\nLemma cart_total_app")
    invoice = (shop / "Invoice.v").read_text()
    # invoice_percent_le by Discount's apply_discount_le: a lemma admitted there, since its proof fails
    by_admitted = invoice.replace("intros c pct. unfold invoice_total, invoice_subtotal. simpl.\n  apply (discount_le pct).",
                                  "intros c pct. apply apply_discount_le.")
    (shop / "Candidate.v").write_text(honest)

    async def test() -> None:
        async with connected(shop) as client:
            ok = await call(client, "audit", original_file="Cart.v", candidate_text=honest)
            assert ok["accepted"] and ok["reasons"] == []
            assert set(ok["changed"]) == {"line_total_free", "cart_total_app"}
            from_file = await call(client, "audit", original_file="Cart.v", candidate_file="Candidate.v")
            assert from_file["accepted"]

            cheat = await call(client, "audit", original_file="Cart.v", candidate_text=axiom)
            assert not cheat["accepted"] and cheat["reasons"][0]["code"] == "outside_changed"
            admitted = await call(client, "audit", original_file="Invoice.v", candidate_text=by_admitted)
            assert not admitted["accepted"]
            assert [r["code"] for r in admitted["reasons"]] == ["admitted_dependency"]
            assert "apply_discount_le" in admitted["reasons"][0]["message"]
            assert (await error_of(client, "audit", original_file="Cart.v", candidate_file="/etc/passwd"))["code"] == \
                "outside_project"

    run(test)


def test_a_cancelled_mend_leaves_no_prover_behind(shop: Path) -> None:
    with (shop / "Money.v").open("a") as fh:
        fh.write(STUCK)
    server_tmp = shop.parent / "server-tmp"

    async def test() -> None:
        async with connected(shop) as client:
            scope = anyio.CancelScope()
            outcome: list[object] = []

            async def mend() -> None:
                with scope:
                    outcome.append(await client.call_tool(
                        "mend", {"file": "Money.v", "theorem": "stuck", "budget": {"seconds": 600}}))

            async with anyio.create_task_group() as tg:
                tg.start_soon(mend)
                await wait_until(lambda: provers() or outcome, "the mend's prover to start")
                started = dict(provers())
                assert started and not outcome
                groups = {st[3] for st in started.values()}
                scope.cancel()
            await wait_until(lambda: not any(alive(pid) for pid in started), "the provers to end", timeout=120)
            await wait_until(lambda: not [pid for pid, st in descendants(os.getpid()).items()
                                          if st[3] in groups and st[1] != "Z"], "the mend's process group to end",
                             timeout=120)
            await wait_until(lambda: not list(server_tmp.glob("proofmend-mend-*")), "the mend's files to go", 120)
            # the server goes on: the same file, the same lemma
            out = await call(client, "try", file="Money.v", theorem="stuck", tactics=["intros n. lia."])
            assert out["results"][0]["status"] == "error"
            assert (shop / "Money.v").read_text().endswith(STUCK)

    run(test)


def test_hostile_model_replies_never_reach_the_file(shop: Path) -> None:
    replies = shop.parent / "cheats.jsonl"
    cheats = ["```coq\nProof. admit. Qed.\n```", "Proof.\nAxiom t : forall n, n + 1 = n. apply t.\nQed.",
              "Admitted.", "```coq\nProof. Unset Guard Checking. intros n. exact (stuck n). Qed.\n```"]
    replies.write_text("".join(json.dumps({"content": c}) + "\n" for c in cheats))
    with (shop / "Money.v").open("a") as fh:
        fh.write(STUCK)
    before = (shop / "Money.v").read_bytes()

    async def test() -> None:
        async with connected(shop, "--model", f"replay:{replies}") as client:
            out = await call(client, "mend", file="Money.v", theorem="stuck", write=True,
                             budget={"seconds": 300, "attempts": 4})
            [proof] = out["results"]
            assert out["model"] == f"replay:{replies}"
            assert (proof["status"], proof["exit"]) == ("unsolved", "attempts_exhausted") and "body" not in proof
            assert not out["written"] and out["diff"] == ""
            assert (shop / "Money.v").read_bytes() == before

    run(test)


# ------------------------------------------------------------------ bad requests

def test_bad_requests_are_tool_errors_and_the_server_goes_on(shop: Path) -> None:
    (shop / "Broken.v").write_text("Lemma x : True.\nProof. (* never closed\n")
    (shop / "notes.txt").write_text("not Coq")
    outside = shop.parent / "Outside.v"
    outside.write_text("Lemma y : True. Proof. exact I. Qed.\n")
    (shop / "Link.v").symlink_to(outside)

    async def test() -> None:
        async with connected(shop) as client:
            cases = [
                ("goals", {"file": "../Outside.v", "theorem": "y"}, "outside_project"),
                ("goals", {"file": str(outside), "theorem": "y"}, "outside_project"),
                ("check", {"file": "Link.v"}, "outside_project"),
                ("check", {"file": "notes.txt"}, "bad_arguments"),
                ("check", {"file": "Nope.v"}, "not_found"),
                ("outline", {"file": "Broken.v"}, "parse_error"),
                ("try", {"file": "Cart.v", "theorem": "no_such_lemma", "tactics": ["lia."]}, "unknown_theorem"),
                ("goals", {"file": "Cart.v", "line": 15}, "not_in_proof"),
                ("try", {"file": "Cart.v", "theorem": "line_total_free", "tactics": "lia."}, "bad_arguments"),
                ("try", {"file": "Cart.v", "theorem": "line_total_free", "tactics": []}, "bad_arguments"),
                ("goals", {"file": "Cart.v"}, "bad_arguments"),
                ("goals", {"file": "Cart.v", "theorem": "line_total_free", "line": 3}, "bad_arguments"),
                ("mend", {"file": "Cart.v", "unknown": 1}, "bad_arguments"),
                ("mend", {"file": "Cart.v", "theorem": "no_such_lemma"}, "unknown_theorem"),
                ("audit", {"original_file": "Cart.v"}, "bad_arguments"),
            ]
            for tool, arguments, code in cases:
                error = await error_of(client, tool, **arguments)
                assert error["code"] == code, (tool, arguments, error)
                assert error["message"]
            with pytest.raises(MCPError):
                await client.call_tool("no_such_tool", {})
            assert {t.name for t in (await client.list_tools()).tools} == TOOLS
            assert (await call(client, "goals", file="Money.v", theorem="percent_off_0"))["goals"]

    run(test)


def test_a_malformed_message_on_the_wire_is_dropped_and_the_server_answers(shop: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "proofmend.cli", "mcp", str(shop)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=server_env(shop.parent))
    try:
        def send(message) -> None:
            proc.stdin.write((message if isinstance(message, str) else json.dumps(message)) + "\n")
            proc.stdin.flush()

        send("{this is not json")
        send({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "raw", "version": "0"}}})
        assert json.loads(proc.stdout.readline())["result"]["serverInfo"]["name"] == "proofmend"
        send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        send({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "goals", "arguments": [1, 2]}})
        answer = json.loads(proc.stdout.readline())
        assert answer["id"] == 2 and ("error" in answer or answer["result"]["isError"])
        send({"jsonrpc": "2.0", "id": 3, "method": "tools/list"})
        assert {t["name"] for t in json.loads(proc.stdout.readline())["result"]["tools"]} == TOOLS
        proc.stdin.close()
        assert proc.wait(timeout=60) == 0
    finally:
        proc.kill()
        proc.wait()


# ------------------------------------------------------------------ HTTP

def test_the_http_transport_on_loopback(shop: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "proofmend.cli", "mcp", str(shop), "--http", "0"],
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=server_env(shop.parent))
    try:
        line = proc.stderr.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+/mcp", line)
        assert url, line

        async def test() -> None:
            async with Client(url.group(0), read_timeout_seconds=DEADLINE_S) as client:
                assert {t.name for t in (await client.list_tools()).tools} == TOOLS
                out = await call(client, "try", file="Cart.v", theorem="line_total_free", tactics=[LINE_TOTAL_FREE])
                assert out["results"][0]["status"] == "proved"
                assert (await error_of(client, "goals", file="../x.v", theorem="x"))["code"] == "outside_project"

        run(test)
        taken = run_cli("mcp", str(shop), "--http", url.group(0).split(":")[-1].split("/")[0], timeout=120)
        assert taken.returncode == 2 and "cannot listen on 127.0.0.1" in taken.stderr, taken.stderr
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    assert not provers()


def test_command_line_errors_are_one_line(tmp_path: Path) -> None:
    missing = run_cli("mcp", str(tmp_path / "nowhere"))
    assert missing.returncode == 2 and missing.stderr.count("\n") == 1 and "not a folder" in missing.stderr
    port = run_cli("mcp", str(tmp_path), "--http", "70000")
    assert port.returncode == 2 and "--http" in port.stderr
