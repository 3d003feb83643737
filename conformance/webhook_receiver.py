"""A webhook receiver for the tests: a small threaded HTTP server on 127.0.0.1
that records every POST (headers and raw body) and answers a chosen status."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Optional, Union

import openapi_check


@dataclass
class Delivery:
    """One POST the receiver got."""

    path: str
    headers: dict[str, str]  # names lower-cased
    body: bytes
    received_at: float  # time.monotonic()
    answered: int = 0

    @property
    def webhook_id(self) -> str:
        return self.headers.get("webhook-id", "")

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def type(self) -> Optional[str]:
        try:
            return self.json().get("type")
        except ValueError:
            return None

    @property
    def data(self) -> Any:
        return self.json().get("data")


Status = Union[int, Callable[[Delivery], int]]


class Receiver:
    """Start with `Receiver()` (or as a context manager); `url` is where to point
    an endpoint. `status` is the HTTP status to answer, or a function of the
    delivery returning it; it may be changed while running."""

    def __init__(self, status: Status = 200):
        self.status: Status = status
        self._deliveries: list[Delivery] = []
        self._cond = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = self._read_body()
                delivery = Delivery(
                    path=self.path,
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=body,
                    received_at=time.monotonic(),
                )
                openapi_check.check_webhook(body)  # against Polar's Webhook…Payload
                status = receiver.status
                code = status(delivery) if callable(status) else status
                delivery.answered = code
                with receiver._cond:
                    receiver._deliveries.append(delivery)
                    receiver._cond.notify_all()
                reply = b"ok" if 200 <= code < 300 else b"receiver says no"
                self.send_response(code)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def _read_body(self) -> bytes:
                if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                    chunks = []
                    while True:
                        size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                        if size == 0:
                            self.rfile.readline()
                            return b"".join(chunks)
                        chunks.append(self.rfile.read(size))
                        self.rfile.readline()
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/hooks/tessera"

    def deliveries(self) -> list[Delivery]:
        with self._cond:
            return list(self._deliveries)

    def wait_until(self, done: Callable[[list[Delivery]], bool], timeout: float,
                   what: str = "the expected deliveries") -> list[Delivery]:
        """Wait (at most `timeout` seconds) until `done(deliveries)` holds."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not done(list(self._deliveries)):
                left = deadline - time.monotonic()
                if left <= 0:
                    got = [(d.type, d.webhook_id) for d in self._deliveries]
                    raise AssertionError(f"{what} did not arrive within {timeout}s; got {got}")
                self._cond.wait(min(left, 0.1))
            return list(self._deliveries)

    def wait_for_count(self, count: int, timeout: float) -> list[Delivery]:
        return self.wait_until(lambda ds: len(ds) >= count, timeout, f"{count} deliveries")

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> "Receiver":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
