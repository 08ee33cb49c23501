"""The VS Code extension: it compiles, packages into a .vsix with the right manifest, and its settings
become initializationOptions the language server reads as meant."""

from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from proofmend.editor.server import CANCEL_COMMAND, MEND_COMMAND, settings_from_options

from .conftest import ROOT

EXT = ROOT / "editors" / "vscode"
HAVE_NPM = shutil.which("npm") is not None and shutil.which("node") is not None

pytestmark = [
    pytest.mark.skipif(not HAVE_NPM, reason="node and npm are not installed"),
    pytest.mark.skipif(not (EXT / "node_modules").is_dir(),
                       reason="the extension's packages are not installed (run 'npm ci' in editors/vscode)"),
]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """A copy of the extension (sharing node_modules), built and packaged with `npm run package`."""
    work = tmp_path_factory.mktemp("vscode") / "ext"
    shutil.copytree(EXT, work, ignore=shutil.ignore_patterns("node_modules", "out", "dist", "*.vsix"))
    (work / "node_modules").symlink_to(EXT / "node_modules")
    r = subprocess.run(["npm", "run", "package"], cwd=work, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    return work


def test_the_vsix_holds_the_bundle_and_a_manifest_that_starts_on_coq_files(built):
    vsix = built / "proofmend.vsix"
    with zipfile.ZipFile(vsix) as z:
        names = set(z.namelist())
        manifest = json.loads(z.read("extension/package.json"))
        vsixmanifest = z.read("extension.vsixmanifest").decode()
        bundle = z.read("extension/dist/extension.js").decode()
    assert manifest["main"] == "./dist/extension.js" and "extension/dist/extension.js" in names
    assert not any(n.startswith(("extension/node_modules/", "extension/src/")) for n in names), sorted(names)
    assert manifest["activationEvents"] == ["onLanguage:coq"]
    assert any(lang["id"] == "coq" and ".v" in lang["extensions"] for lang in manifest["contributes"]["languages"])
    props = manifest["contributes"]["configuration"]["properties"]
    assert set(props) == {f"proofmend.{k}" for k in ("executable", "model", "apiBase", "timeout", "attempts")}
    assert props["proofmend.model"]["default"] == "search" and props["proofmend.executable"]["default"] == "proofmend"
    commands = {c["command"] for c in manifest["contributes"]["commands"]}
    assert commands == {"proofmend.cancel", "proofmend.restart"}
    # the server's own commands are registered by the language client; no clash with the contributed ones
    assert not commands & {MEND_COMMAND, CANCEL_COMMAND}
    assert manifest["engines"]["vscode"] == "^1.82.0" and 'Version="0.1.0"' in vsixmanifest
    # the language client is bundled (not left as a require), vscode is not
    assert 'require("vscode")' in bundle and 'require("vscode-languageclient' not in bundle
    assert MEND_COMMAND in bundle and "$/cancelRequest" in bundle
    # the language client it bundles accepts the VS Code versions the manifest claims
    client_pkg = json.loads((EXT / "node_modules" / "vscode-languageclient" / "package.json").read_text())
    assert client_pkg["engines"]["vscode"] == manifest["engines"]["vscode"]


def _options_from_node(built: Path, settings: dict) -> dict:
    script = ("const o = require('./out/options.js');"
              f"const s = {json.dumps(settings)};"
              "console.log(JSON.stringify({cmd: o.serverCommand(s), init: o.initializationOptions(s),"
              " mend: o.MEND_COMMAND, cancel: o.CANCEL_COMMAND, status: [o.statusText(1), o.statusText(3)]}));")
    r = subprocess.run(["node", "-e", script], cwd=built, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_settings_become_the_servers_settings(built):
    out = _options_from_node(built, {"executable": "/opt/pm/bin/proofmend", "model": "openai/gpt-4o-mini",
                                     "apiBase": "http://localhost:8000/v1", "timeout": 90, "attempts": 3.7})
    assert out["cmd"] == {"command": "/opt/pm/bin/proofmend", "args": ["serve"]}
    assert (out["mend"], out["cancel"]) == (MEND_COMMAND, CANCEL_COMMAND)
    assert out["status"] == ["$(sync~spin) Mending a proof $(close)", "$(sync~spin) Mending 3 proofs $(close)"]
    config = settings_from_options(out["init"]).config
    assert (config.model, config.api_base, config.timeout_s, config.attempts) == (
        "openai/gpt-4o-mini", "http://localhost:8000/v1", 90.0, 3)


def test_default_settings_leave_the_server_its_defaults(built, monkeypatch):
    monkeypatch.delenv("PROOFMEND_MODEL", raising=False)
    out = _options_from_node(built, {"executable": " ", "model": "", "apiBase": "", "timeout": 0})
    assert out["cmd"] == {"command": "proofmend", "args": ["serve"]} and out["init"] == {}
    config = settings_from_options(out["init"]).config
    assert config == settings_from_options(None).config and config.model == "search"
