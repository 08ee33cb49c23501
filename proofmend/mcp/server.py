"""``proofmend mcp [PROJECT]``: the Model Context Protocol server, over stdio or HTTP on loopback.

Built on the ``mcp`` SDK's low-level server: the tools are listed from the
route table (:data:`.tools.TOOLS`) with their input and output JSON schemas,
and every call goes through :func:`call_tool`, which validates the arguments,
bounds the call by its deadline, sends progress while it runs, and turns every
failure into a tool error with a code (``{"error": {"code", "message"}}``):
bad input never stops the server.  A cancelled call (``notifications/cancelled``)
ends its work: a mend's whole process group, or the worker thread's next step.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import sys
from collections.abc import Callable
from pathlib import Path

import anyio
import mcp_types as types
from mcp.server.lowlevel.server import Server
from mcp.server.stdio import stdio_server
from mcp.shared.exceptions import MCPError
from pydantic import ValidationError

from .. import __version__
from ..agent.config import AgentConfig
from ..provers.errors import InputError
from .context import Progress, Services
from .files import ToolFailure
from .schemas import ToolErrorInfo
from .tools import TOOLS, Tool

log = logging.getLogger(__name__)

INSTRUCTIONS = (
    "Coq proof tools for this project. Paths are .v files relative to the project folder. Typical loop: outline "
    "(what fails), goals (the state at a proof), try (several scripts at once, milliseconds each), search "
    "(Search/About/Locate/Print), then audit your edited file, or call mend first: it returns only audited "
    "proofs and writes only with write: true."
)


def tool_listing(tool: Tool) -> types.Tool:
    return types.Tool(
        name=tool.name, description=tool.description,
        input_schema=tool.input.model_json_schema(), output_schema=tool.output.model_json_schema(),
        annotations=types.ToolAnnotations(read_only_hint=tool.read_only, destructive_hint=not tool.read_only,
                                          idempotent_hint=tool.read_only, open_world_hint=False))


def error_result(code: str, message: str) -> types.CallToolResult:
    info = ToolErrorInfo(code=code, message=message)
    return types.CallToolResult(content=[types.TextContent(type="text", text=f"{code}: {message}")],
                                structured_content={"error": info.model_dump()}, is_error=True)


def _bad_arguments(e: ValidationError) -> str:
    parts = []
    for err in e.errors()[:5]:
        where = ".".join(str(x) for x in err["loc"]) or "arguments"
        parts.append(f"{where}: {err['msg']}")
    return "; ".join(parts)


async def run_tool(svc: Services, tool: Tool, arguments: dict, progress: Progress) -> types.CallToolResult:
    """One call: its result, or a tool error for anything but cancellation."""
    try:
        args = tool.input.model_validate(arguments)
    except ValidationError as e:
        return error_result("bad_arguments", _bad_arguments(e))
    deadline = svc.call_timeout_s if tool.bounded_by_call_timeout else None
    try:
        with anyio.fail_after(deadline):
            out = await tool.run(svc, args, progress)
    except TimeoutError:
        limit = f"{deadline:g} s" if deadline is not None else "its deadline"
        return error_result("timeout", f"{tool.name} took longer than {limit} and was stopped")
    except ToolFailure as e:
        return error_result(e.code, e.message)
    except Exception as e:  # a bug or an unforeseen failure: reported, and the server goes on
        log.exception("tool %s failed", tool.name)
        return error_result("internal_error", f"{type(e).__name__}: {e}")
    data = out.model_dump(mode="json", exclude_none=True)  # absent, not null: shorter for a model to read
    return types.CallToolResult(content=[types.TextContent(type="text", text=json.dumps(data, ensure_ascii=False))],
                                structured_content=data)


def build_server(svc: Services) -> Server:
    async def list_tools(ctx, params) -> types.ListToolsResult:
        return types.ListToolsResult(tools=[tool_listing(t) for t in TOOLS.values()])

    async def call_tool(ctx, params: types.CallToolRequestParams) -> types.CallToolResult:
        tool = TOOLS.get(params.name)
        if tool is None:
            raise MCPError(types.INVALID_PARAMS, f"unknown tool {params.name!r}; the tools are {', '.join(TOOLS)}")
        progress = Progress(ctx.session.report_progress)
        async with anyio.create_task_group() as tg:
            tg.start_soon(progress.heartbeat)
            try:
                return await run_tool(svc, tool, params.arguments or {}, progress)
            finally:
                tg.cancel_scope.cancel()

    return Server("proofmend", version=__version__, instructions=INSTRUCTIONS,
                  on_list_tools=list_tools, on_call_tool=call_tool)


async def _serve_stdio(server: Server) -> None:
    async with stdio_server() as (read, write):
        await server.run(read, write, server.create_initialization_options())


async def _serve_http(server: Server, port: int, announce: Callable[[str], None]) -> None:
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(("127.0.0.1", port))
        sock.listen(64)
    except OSError as e:
        sock.close()
        raise InputError(f"cannot listen on 127.0.0.1:{port}: {e.strerror or e}") from None
    app = server.streamable_http_app(host="127.0.0.1")
    config = uvicorn.Config(app, log_level="warning", lifespan="on")
    announce(f"http://127.0.0.1:{sock.getsockname()[1]}/mcp")
    await uvicorn.Server(config).serve(sockets=[sock])


def serve(project: Path, config: AgentConfig, http_port: int | None = None, call_timeout_s: float = 300.0,
          announce: Callable[[str], None] = lambda url: None) -> None:
    """Serve the tools for ``project`` until the client goes away (stdio) or the process is stopped (HTTP);
    ``announce`` is told the URL once the HTTP transport listens."""
    logging.basicConfig(level=os.environ.get("PROOFMEND_LOG", "WARNING"), stream=sys.stderr)
    svc = Services.for_project(project, config, call_timeout_s)

    def stop(*_: object) -> None:
        svc.close()
        os._exit(143)

    signal.signal(signal.SIGTERM, stop)
    server = build_server(svc)
    try:
        if http_port is None:
            anyio.run(_serve_stdio, server)
        else:
            anyio.run(_serve_http, server, http_port, announce)
    except KeyboardInterrupt:
        pass
    finally:
        svc.close()
