"""A webhook receiver for tests: an HTTP server on a free local port, in a thread, that keeps
every request it gets and answers each with the status the test sets."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    """One request the receiver got."""

    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """The running receiver: its address, what it got, what it answers."""

    url: str
    received: list[Received] = field(default_factory=list)
    status: int = 200


@contextmanager
def receiver() -> Iterator[Receiver]:
    """A receiver at ``http://127.0.0.1:<free port>/hooks`` until the block ends."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    found = Receiver(f"http://127.0.0.1:{server.server_address[1]}/hooks")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            found.received.append(Received(self.path, dict(self.headers.items()), body))
            self.send_response(found.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:  # quiet
            return

    server.RequestHandlerClass = Handler
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield found
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
