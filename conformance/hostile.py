"""Helpers for the hostile-input suite (test_hostile_input.py).

- `TesseraProcess`: a `tessera serve` of the suite's own on a loopback port, started with
  known limits (its RLIMIT_NOFILE is set, soft = hard, before it runs) and, when asked,
  the connection time-out and limit options of `tessera serve --help`.
- A small HTTP/1.1 client over plain sockets (`Client`, `exchange`), so that bodies,
  paths and heads go out byte for byte as written, and a connection that closes without
  an answer is seen as exactly that (`NoAnswer`), never retried behind the test's back.
- JSON text built by hand (`dumps`, `Raw`, `Pairs`): raw number tokens such as `-0` or
  `1e308`, duplicate keys, lone surrogates, invalid UTF-8 and deep nesting.

Loopback only; every wait here is bounded.
"""

from __future__ import annotations

import json
import os
import re
import resource
import secrets
import select
import signal
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Optional, Sequence, Union
from urllib.parse import urlsplit, urlunsplit

from support import Server

LOOPBACK = "127.0.0.1"
REPO_ROOT = Path(__file__).resolve().parent.parent

#: Largest response the client reads; a bigger one is a failure of its own.
MAX_RESPONSE_BYTES = 8 << 20


# --------------------------------------------------------------------------
# JSON text by hand
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Raw:
    """JSON text inserted verbatim: a number token (`-0`, `1e308`), a string with
    invalid UTF-8, a nested structure."""

    text: bytes

    @staticmethod
    def of(text: Union[str, bytes]) -> "Raw":
        return Raw(text.encode() if isinstance(text, str) else text)


@dataclass(frozen=True)
class Pairs:
    """A JSON object written as these (key, value) pairs, in order, duplicates kept."""

    items: tuple

    @staticmethod
    def of(*items: tuple) -> "Pairs":
        return Pairs(tuple(items))


def dumps(value: Any) -> bytes:
    """JSON text for value. Strings are written as Python's json writes them with
    ensure_ascii: a lone surrogate becomes the escape `\\ud800`, NUL becomes `\\u0000`."""
    if isinstance(value, Raw):
        return value.text
    if isinstance(value, Pairs):
        return b"{" + b",".join(dumps(str(k)) + b":" + dumps(v) for k, v in value.items) + b"}"
    if isinstance(value, dict):
        return b"{" + b",".join(dumps(str(k)) + b":" + dumps(v) for k, v in value.items()) + b"}"
    if isinstance(value, (list, tuple)):
        return b"[" + b",".join(dumps(v) for v in value) + b"]"
    return json.dumps(value, ensure_ascii=True).encode("ascii")


def nested_arrays(depth: int, inner: bytes = b"") -> bytes:
    """`depth` arrays, one inside the other."""
    return b"[" * depth + inner + b"]" * depth


def nested_objects(depth: int, key: bytes = b"a") -> bytes:
    """`depth` objects, one inside the other: {"a":{"a":…{}…}}."""
    if depth <= 0:
        return b""
    return (b'{"' + key + b'":') * (depth - 1) + b"{}" + b"}" * (depth - 1)


def set_path(body: Any, path: Sequence[Union[str, int]], value: Any) -> Any:
    """A copy of body with the value at path (keys and list indexes) replaced."""
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(body, dict):
        out = dict(body)
        out[head] = set_path(body.get(head, {} if rest and isinstance(rest[0], str) else []), rest, value)
        return out
    if isinstance(body, list):
        out = list(body)
        while len(out) <= head:
            out.append({})
        out[head] = set_path(out[head], rest, value)
        return out
    raise TypeError(f"cannot descend into {type(body).__name__} at {path}")


def duplicate_key(body: dict, key: str, first: Any, second: Any) -> Pairs:
    """body as an object in which key appears twice: first, then second."""
    items = [(k, v) for k, v in body.items() if k != key]
    return Pairs(tuple(items + [(key, first), (key, second)]))


# --------------------------------------------------------------------------
# HTTP/1.1 over a plain socket
# --------------------------------------------------------------------------


class NoAnswer(Exception):
    """The connection closed (or was reset) before a complete answer arrived."""


class TimedOut(Exception):
    """No complete answer within the time allowed."""


@dataclass
class Answer:
    status: int
    reason: str
    headers: dict  # lower-case name -> last value
    body: bytes
    elapsed: float
    closes: bool = False  # the server said Connection: close

    def json(self) -> Any:
        return json.loads(self.body)

    def text(self, limit: int = 600) -> str:
        t = self.body.decode("utf-8", errors="replace")
        return t if len(t) <= limit else t[:limit] + f"… ({len(self.body)} bytes)"


def connect(port: int, timeout: float = 5.0) -> socket.socket:
    s = socket.create_connection((LOOPBACK, port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def request_head(method: str, target: str, headers: Optional[dict] = None,
                 body: Optional[bytes] = None, port: int = 0) -> bytes:
    lines = [f"{method} {target} HTTP/1.1", f"Host: {LOOPBACK}:{port}"]
    hdrs = dict(headers or {})
    if body is not None and not any(k.lower() in ("content-length", "transfer-encoding") for k in hdrs):
        hdrs["Content-Length"] = str(len(body))
    for k, v in hdrs.items():
        lines.append(f"{k}: {v}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


class _Reader:
    """Reads one answer from a socket, within a deadline."""

    def __init__(self, sock: socket.socket, deadline: float):
        self.sock = sock
        self.deadline = deadline
        self.buf = b""
        self.received_any = False

    def _fill(self) -> bool:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise TimedOut()
        self.sock.settimeout(remaining)
        try:
            chunk = self.sock.recv(65536)
        except socket.timeout:
            raise TimedOut() from None
        except (ConnectionResetError, ConnectionAbortedError, BrokenPipeError) as e:
            raise NoAnswer(f"{type(e).__name__} after {len(self.buf)} bytes") from None
        if not chunk:
            return False
        self.received_any = True
        self.buf += chunk
        if len(self.buf) > MAX_RESPONSE_BYTES:
            raise AssertionError(f"answer larger than {MAX_RESPONSE_BYTES} bytes")
        return True

    def until(self, marker: bytes) -> bytes:
        while marker not in self.buf:
            if not self._fill():
                raise NoAnswer(f"closed after {len(self.buf)} bytes: {self.buf[:200]!r}")
        head, self.buf = self.buf.split(marker, 1)
        return head

    def exactly(self, n: int) -> bytes:
        while len(self.buf) < n:
            if not self._fill():
                raise NoAnswer(f"closed in a body, {len(self.buf)} of {n} bytes")
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def to_eof(self) -> bytes:
        while self._fill():
            pass
        out, self.buf = self.buf, b""
        return out


def read_answer(sock: socket.socket, timeout: float, method: str = "GET",
                started: Optional[float] = None) -> Answer:
    started = time.monotonic() if started is None else started
    reader = _Reader(sock, time.monotonic() + timeout)
    while True:
        head = reader.until(b"\r\n\r\n").decode("latin-1")
        lines = head.split("\r\n")
        m = re.match(r"HTTP/1\.[01] (\d{3})(?: (.*))?$", lines[0])
        if not m:
            raise NoAnswer(f"not an HTTP answer: {lines[0][:200]!r}")
        status = int(m.group(1))
        if 100 <= status < 200:
            continue  # 100 Continue and friends: the answer follows
        headers: dict = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        break
    if method == "HEAD" or status in (204, 304):
        body = b""
    elif "chunked" in headers.get("transfer-encoding", "").lower():
        body = b""
        while True:
            size = int(reader.until(b"\r\n").split(b";")[0].strip() or b"0", 16)
            if size == 0:
                reader.until(b"\r\n")  # no trailers are expected
                break
            body += reader.exactly(size)
            reader.exactly(2)
    elif "content-length" in headers:
        body = reader.exactly(int(headers["content-length"]))
    else:
        body = reader.to_eof()
    closes = headers.get("connection", "").lower() == "close"
    return Answer(status=status, reason=m.group(2) or "", headers=headers, body=body,
                  elapsed=time.monotonic() - started, closes=closes)


def exchange(port: int, data: bytes, timeout: float = 10.0, method: str = "GET",
             sock: Optional[socket.socket] = None) -> Answer:
    """Sends data (a whole request, written by hand) on a fresh connection and reads
    one answer. A failed write still reads: the server may have answered early."""
    own = sock is None
    s = sock or connect(port, timeout=min(timeout, 5.0))
    started = time.monotonic()
    try:
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
        return read_answer(s, timeout, method=method, started=started)
    finally:
        if own:
            s.close()


class Client:
    """HTTP/1.1 with keep-alive on one connection, reopened when the server closes it.

    A request on a kept-alive connection that fails before any byte of an answer came
    back is sent once more on a fresh connection (what every HTTP client does, since the
    server may close an idle connection at any time). A fresh connection that closes
    without an answer raises NoAnswer."""

    def __init__(self, port: int, token: Optional[str] = None, timeout: float = 10.0):
        self.port = port
        self.token = token
        self.timeout = timeout
        self.sock: Optional[socket.socket] = None

    def close(self) -> None:
        if self.sock is not None:
            try:
                self.sock.close()
            finally:
                self.sock = None

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def request(self, method: str, target: str, body: Any = None,
                headers: Optional[dict] = None, token: Optional[str] = "default",
                timeout: Optional[float] = None) -> Answer:
        """body: bytes are sent as they are; anything else goes through dumps()."""
        raw = None if body is None else (body if isinstance(body, bytes) else dumps(body))
        hdrs = {}
        tok = self.token if token == "default" else token
        if tok:
            hdrs["Authorization"] = f"Bearer {tok}"
        if raw is not None:
            hdrs["Content-Type"] = "application/json"
        hdrs.update(headers or {})
        data = request_head(method, target, hdrs, raw, self.port) + (raw or b"")
        timeout = self.timeout if timeout is None else timeout
        for attempt in (0, 1):
            reused = self.sock is not None
            if self.sock is None:
                self.sock = connect(self.port, timeout=min(timeout, 5.0))
            started = time.monotonic()
            try:
                try:
                    self.sock.sendall(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass
                answer = read_answer(self.sock, timeout, method=method, started=started)
            except NoAnswer:
                self.close()
                if reused and attempt == 0:
                    continue
                raise
            except BaseException:
                self.close()
                raise
            if answer.closes:
                self.close()
            return answer
        raise AssertionError("unreachable")


def healthz(port: int, timeout: float = 1.0) -> Answer:
    """GET /healthz on a fresh connection."""
    return exchange(port, request_head("GET", "/healthz", {"Connection": "close"}, None, port),
                    timeout=timeout)


def socket_state(sock: socket.socket) -> str:
    """'open' (nothing to read), 'closed' (EOF or reset), or 'data' (the server wrote
    something, such as a 503 before closing), without blocking."""
    # poll, not select: select cannot watch descriptors numbered 1,024 and above.
    poller = select.poll()
    try:
        poller.register(sock, select.POLLIN | select.POLLERR | select.POLLHUP)
    except (ValueError, OSError):
        return "closed"
    if not poller.poll(0):
        return "open"
    try:
        chunk = sock.recv(4096, socket.MSG_PEEK)
    except (ConnectionResetError, ConnectionAbortedError, OSError):
        return "closed"
    return "data" if chunk else "closed"


def wait_closed(sock: socket.socket, timeout: float) -> tuple[str, float, bytes]:
    """Waits (bounded) until the server ends the connection. Returns (how, after, data):
    how is 'eof', 'reset' or 'open' (still open at the deadline); data is whatever the
    server wrote before (a 408 answer, say)."""
    started = time.monotonic()
    deadline = started + timeout
    data = b""
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return "open", time.monotonic() - started, data
        sock.settimeout(remaining)
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            return "open", time.monotonic() - started, data
        except (ConnectionResetError, ConnectionAbortedError, OSError):
            return "reset", time.monotonic() - started, data
        if not chunk:
            return "eof", time.monotonic() - started, data
        data += chunk


# --------------------------------------------------------------------------
# File descriptor limits
# --------------------------------------------------------------------------


def raise_own_nofile(wanted: int) -> tuple[int, int]:
    """Raises this process's soft RLIMIT_NOFILE to min(wanted, hard). Returns the old
    (soft, hard) so the caller can put it back."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if target > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return soft, hard


def _child_nofile(limit: Union[int, tuple]):
    """preexec_fn: the server's file limit is exactly `limit`, an int (soft = hard) or a
    (soft, hard) pair, each capped at this process's hard limit."""
    wanted_soft, wanted_hard = (limit, limit) if isinstance(limit, int) else limit

    def apply() -> None:
        _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        cap = (lambda v: v) if hard == resource.RLIM_INFINITY else (lambda v: min(v, hard))
        resource.setrlimit(resource.RLIMIT_NOFILE, (cap(wanted_soft), cap(wanted_hard)))

    return apply


# --------------------------------------------------------------------------
# `tessera serve` options for time-outs and the connection limit
# --------------------------------------------------------------------------


def server_binary() -> Path:
    path = Path(os.environ.get("TESSERA_BIN", ".build/debug/tessera"))
    return path if path.is_absolute() else REPO_ROOT / path


_HELP: Optional[str] = None


class MissingOption(AssertionError):
    """`tessera serve --help` lists no option for this limit."""


def serve_help() -> str:
    global _HELP
    if _HELP is None:
        res = subprocess.run([str(server_binary()), "serve", "--help"], capture_output=True,
                             text=True, timeout=30)
        _HELP = res.stdout + res.stderr
    return _HELP


def serve_options() -> list[str]:
    return sorted(set(re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*", serve_help())))


# Option names as `tessera serve --help` may spell them, most likely first. The first
# one the binary lists is used; when none is listed the test that needs it fails and
# says so (these options are part of issue 8).
# `--request-timeout`: seconds to send a whole request, head and body, from its first byte.
HEAD_TIMEOUT_NAMES = ("--request-timeout", "--request-head-timeout", "--head-timeout",
                      "--header-timeout")
# `--idle-timeout`: seconds a connection may stay open with no request in progress.
IDLE_TIMEOUT_NAMES = ("--idle-timeout", "--keep-alive-timeout")
# `--max-connections`: more are closed as soon as they are accepted.
MAX_CONNECTIONS_NAMES = ("--max-connections", "--connection-limit")


def find_option(candidates: Iterable[str], pattern: Optional[str] = None) -> Optional[str]:
    options = serve_options()
    for name in candidates:
        if name in options:
            return name
    if pattern:
        for name in options:
            if re.search(pattern, name):
                return name
    return None


def _seconds_value(option: str, seconds: float) -> str:
    """How this option wants a duration: whole seconds unless its help shows a unit."""
    help_text = serve_help()
    at = help_text.find(option)
    snippet = help_text[at:at + 400] if at >= 0 else ""
    m = re.search(r"default:\s*([0-9.]+)\s*(ms|s)\b", snippet)
    if m and m.group(2) == "ms" or re.search(r"millisecond", snippet):
        return str(int(seconds * 1000))
    if m and m.group(2) == "s":
        return f"{seconds:g}s"
    return str(int(seconds)) if float(seconds).is_integer() else f"{seconds:g}"


def head_timeout_args(seconds: float) -> list[str]:
    name = find_option(HEAD_TIMEOUT_NAMES, r"head.*(timeout|deadline)|(timeout|deadline).*head")
    if name is None:
        raise MissingOption(
            "tessera serve has no option for a request-head deadline (issue 8, point 3); "
            f"its options: {' '.join(serve_options())}")
    return [name, _seconds_value(name, seconds)]


def idle_timeout_args(seconds: float) -> list[str]:
    name = find_option(IDLE_TIMEOUT_NAMES, r"idle")
    if name is None:
        raise MissingOption(
            "tessera serve has no option for an idle (keep-alive) timeout (issue 8, point 3); "
            f"its options: {' '.join(serve_options())}")
    return [name, _seconds_value(name, seconds)]


def if_supported(make_args, *values) -> list[str]:
    """make_args(*values), or nothing when this server lacks the option."""
    try:
        return make_args(*values)
    except MissingOption:
        return []


def no_rate_limit_args() -> list[str]:
    """Per-client rate limits (issue 8, point 12) off: this suite sends thousands of
    requests with one token from one address, and a 429 would hide what it looks for.
    The rate limits have tests of their own."""
    return ["--rate-limit", "off"] if "--rate-limit" in serve_options() else []


def max_connections_args(count: int) -> list[str]:
    name = find_option(MAX_CONNECTIONS_NAMES, r"connection")
    if name is None:
        raise MissingOption(
            "tessera serve has no option for a maximum number of connections (issue 8, point 3); "
            f"its options: {' '.join(serve_options())}")
    return [name, str(count)]


# --------------------------------------------------------------------------
# A server process of the suite's own
# --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


def pg_tool(tool: str, url: str, *args: str) -> None:
    parts = urlsplit(url)
    env = dict(os.environ)
    if parts.password:
        env["PGPASSWORD"] = parts.password
    cmd = [tool, "-h", parts.hostname or LOOPBACK, "-p", str(parts.port or 5432),
           "-U", parts.username or "postgres", *args]
    res = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
    if res.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {res.stderr}")


def fresh_postgres_database(base_url: str, tag: str) -> tuple[str, str]:
    """Creates an empty database next to base_url's; returns (url, name)."""
    name = f"tessera_{tag}_{uuid.uuid4().hex[:10]}"
    pg_tool("createdb", base_url, name)
    return urlunsplit(urlsplit(base_url)._replace(path=f"/{name}")), name


class TesseraProcess(Server):
    """`tessera serve` on a free loopback port, its file limit set to `nofile` (an int for
    soft = hard, or a (soft, hard) pair), with rate limits off and `extra_args` (time-outs,
    connection limit) after the usual flags.
    It is a support.Server, so failing tests get the tail of its log attached."""

    def __init__(self, backend: str, database_url: str, workdir: Path,
                 extra_args: Sequence[str] = (), nofile: Union[int, tuple] = 4096, tag: str = "server"):
        self.port = free_port()
        base_url = f"http://{LOOPBACK}:{self.port}"
        mail_dir = workdir / f"mail-{tag}"
        mail_dir.mkdir(parents=True, exist_ok=True)
        log_path = workdir / f"{tag}.log"
        super().__init__(base_url=base_url, admin_token="hostile-admin-" + secrets.token_urlsafe(24),
                         mail_dir=mail_dir, log_path=log_path, backend=backend)
        self.nofile = nofile
        self.extra_args = no_rate_limit_args() + list(extra_args)
        self.restarts = 0
        self._log = open(log_path, "ab")
        self._cmd = [str(server_binary()), "serve", "--host", LOOPBACK, "--port", str(self.port),
                     "--database-url", database_url, "--public-url", base_url,
                     "--mail", f"file://{mail_dir}", *self.extra_args]
        self._workdir = workdir
        self._start()

    def _start(self) -> None:
        env = dict(os.environ, TESSERA_ADMIN_TOKEN=self.admin_token,
                   # Webhook endpoints here point at a closed loopback port: allow them
                   # (issue 8 point 2 adds this setting; an older server ignores it).
                   TESSERA_WEBHOOK_ALLOW_PRIVATE="1")
        self.proc = subprocess.Popen(self._cmd, cwd=self._workdir, env=env, stdout=self._log,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     preexec_fn=_child_nofile(self.nofile))
        try:
            self._wait_healthy()
        except BaseException:
            self.stop()
            raise

    def restart_if_dead(self) -> bool:
        """Starts the process again (same port, same database) when an earlier test killed
        it, so one crash fails one test and not every test after it."""
        if self.alive():
            return False
        self.restarts += 1
        self._log.write(f"\n--- restarted after exit code {self.proc.returncode} ---\n".encode())
        self._log.flush()
        self._start()
        return True

    def _wait_healthy(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        last = "no answer"
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"tessera serve exited with {self.proc.returncode}:\n{self.log_tail(60)}")
            try:
                answer = healthz(self.port, timeout=2.0)
                if answer.status == 200:
                    return
                last = f"HTTP {answer.status}"
            except (OSError, NoAnswer, TimedOut) as e:
                last = repr(e)
            time.sleep(0.1)
        raise RuntimeError(f"tessera serve was not healthy within {timeout}s ({last}):\n{self.log_tail(60)}")

    def alive(self) -> bool:
        return self.proc.poll() is None

    def assert_healthy(self, within: float = 10.0, context: str = "") -> None:
        """The process is running and GET /healthz on a new connection answers 200
        within `within` seconds. The bound is generous on purpose: a starved server never
        answers, while a busy shared machine can delay a healthy one past a second."""
        where = f" ({context})" if context else ""
        assert self.alive(), (f"tessera serve died{where}: exit code {self.proc.returncode}\n"
                              f"{self.log_tail(60)}")
        started = time.monotonic()
        try:
            answer = healthz(self.port, timeout=within)
        except (OSError, NoAnswer, TimedOut) as e:
            raise AssertionError(f"/healthz did not answer within {within}s{where}: {e!r} "
                                 f"(process alive: {self.alive()})") from None
        elapsed = time.monotonic() - started
        assert answer.status == 200, f"/healthz answered {answer.status}{where}: {answer.text()}"
        assert elapsed <= within, f"/healthz took {elapsed:.2f}s{where}"

    def client(self, token: Optional[str] = None, timeout: float = 10.0) -> Client:
        return Client(self.port, token=token, timeout=timeout)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self._log.close()

    @property
    def exited_cleanly(self) -> bool:
        return self.proc.returncode in (0, -signal.SIGTERM)


# --------------------------------------------------------------------------
# Checking answers
# --------------------------------------------------------------------------


@dataclass
class Findings:
    """Problems found in a group of probes, reported together at the end."""

    group: str
    problems: list = field(default_factory=list)
    probes: int = 0

    def add(self, what: str, problem: str) -> None:
        self.problems.append(f"{what}: {problem}")

    def check(self) -> None:
        if self.problems:
            shown = "\n  ".join(self.problems[:40])
            more = f"\n  … and {len(self.problems) - 40} more" if len(self.problems) > 40 else ""
            raise AssertionError(
                f"{self.group}: {len(self.problems)} problem(s) in {self.probes} probe(s):\n  {shown}{more}")


def validation_locs(answer: Answer) -> Optional[list]:
    """The `loc` of every detail of a well-formed 422 RequestValidationError body, or
    None when the body is not one."""
    try:
        body = answer.json()
    except ValueError:
        return None
    if not isinstance(body, dict) or body.get("error") != "RequestValidationError":
        return None
    detail = body.get("detail")
    if not isinstance(detail, list) or not detail:
        return None
    locs = []
    for d in detail:
        if not (isinstance(d, dict) and d.get("type") and d.get("msg") and isinstance(d.get("loc"), list)):
            return None
        locs.append(d["loc"])
    return locs


def validation_types(answer: Answer) -> list:
    try:
        return [d.get("type") for d in answer.json().get("detail", [])]
    except (ValueError, AttributeError):
        return []
