"""A slow model server on 127.0.0.1 for tests and benchmarks: an OpenAI-compatible
``/v1/chat/completions`` that answers from a replay file (one ``{"content": ...}``
per line, as ``replay:`` files) after a fixed delay, and counts the calls in flight.

The reply for a request is chosen by a hash of its messages (temporary
folders left out), so the same request gets the same reply whatever the order
of calls and whichever worker makes it.  Reach it from
litellm as ``openai/replay`` with ``api_base=server.url`` (any API key).
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

TEMP_FOLDER = re.compile(r"/[^\s\"`']*?proofmend-[a-z]+-[^/\s\"`']+/")


class ReplayServer:
    def __init__(self, replies: list[str] | Path, delay_s: float = 2.0, gather: int = 0,
                 gather_timeout_s: float = 300.0):
        """``gather``: hold every reply until that many calls have been in flight at once (or until
        ``gather_timeout_s`` after the call came), so that a test of how many calls overlap does not
        hang on how fast the callers start; a caller that cannot overlap that many still sees fewer."""
        if isinstance(replies, Path):
            replies = [json.loads(line)["content"] for line in replies.read_text().splitlines() if line.strip()]
        self.replies = list(replies)
        self.delay_s = delay_s
        self.gather = gather
        self.gather_timeout_s = gather_timeout_s
        self.calls = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Condition()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def __enter__(self) -> ReplayServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def reply_for(self, messages: list[dict]) -> str:
        # the prompt names the sample's file in a fresh temporary folder: leave the folder out
        text = TEMP_FOLDER.sub("", json.dumps(messages, sort_keys=True))
        digest = hashlib.sha256(text.encode()).digest()
        return self.replies[int.from_bytes(digest[:4], "big") % len(self.replies)]

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def _send(self, code: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                self._send(200, {"object": "list", "data": [{"id": "replay", "object": "model"}]})

            def do_POST(self):
                request = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                with server._lock:
                    server.calls += 1
                    server.in_flight += 1
                    server.max_in_flight = max(server.max_in_flight, server.in_flight)
                    server._lock.notify_all()
                    server._lock.wait_for(lambda: server.max_in_flight >= server.gather, server.gather_timeout_s)
                try:
                    time.sleep(server.delay_s)
                    content = server.reply_for(request.get("messages", []))
                finally:
                    with server._lock:
                        server.in_flight -= 1
                prompt = sum(len(str(m.get("content", ""))) for m in request.get("messages", [])) // 4
                self._send(200, {
                    "id": f"replay-{server.calls}", "object": "chat.completion", "created": int(time.time()),
                    "model": request.get("model", "replay"),
                    "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                                 "finish_reason": "stop"}],
                    "usage": {"prompt_tokens": prompt, "completion_tokens": len(content) // 4,
                              "total_tokens": prompt + len(content) // 4},
                })

        return Handler
