"""Starts `tessera serve` once per storage backend and hands tests a `server`.

Environment:
  TESSERA_BIN                 server binary (default: .build/debug/tessera in the repo)
  TESSERA_TEST_POSTGRES_URL   when set, the whole suite runs a second time against
                              this PostgreSQL database instead of SQLite
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from support import Org, Server  # noqa: E402

# Checks every JSON response and webhook the suite gets against Polar's OpenAPI
# document (an autouse fixture fails the test that caused a mismatch).
pytest_plugins = ("openapi_check",)

REPO_ROOT = Path(__file__).resolve().parent.parent
HEALTH_TIMEOUT_S = 30.0


def _backends() -> list[str]:
    backends = ["sqlite"]
    if os.environ.get("TESSERA_TEST_POSTGRES_URL"):
        backends.append("postgres")
    return backends


def _server_binary() -> Path:
    raw = os.environ.get("TESSERA_BIN", ".build/debug/tessera")
    path = Path(raw)
    if not path.is_absolute():
        path = REPO_ROOT / path
    return path


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(proc: subprocess.Popen, base_url: str, log_path: Path) -> None:
    deadline = time.monotonic() + HEALTH_TIMEOUT_S
    last = "no answer"
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"tessera serve exited with code {proc.returncode} before it was healthy.\n"
                f"--- server log ({log_path}) ---\n{_read(log_path)}"
            )
        try:
            res = httpx.get(f"{base_url}/healthz", timeout=1.0)
            if res.status_code == 200:
                return
            last = f"HTTP {res.status_code}: {res.text[:200]}"
        except httpx.HTTPError as e:
            last = repr(e)
        time.sleep(0.1)
    raise RuntimeError(
        f"GET {base_url}/healthz did not answer 200 within {HEALTH_TIMEOUT_S:.0f}s "
        f"(last: {last}).\n--- server log ({log_path}) ---\n{_read(log_path)}"
    )


def _read(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except OSError as e:
        return f"(unreadable: {e})"


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


@contextmanager
def running_server(backend: str, request, extra_args: tuple[str, ...] = ()) -> Iterator[Server]:
    """A `tessera serve` of its own on `backend`, stopped afterwards. Its files are removed
    when it stopped cleanly and no test failed meanwhile; otherwise they are kept and named."""
    binary = _server_binary()
    if not (binary.is_file() and os.access(binary, os.X_OK)):
        pytest.fail(
            f"server binary not found at {binary}: run `swift build` or set TESSERA_BIN",
            pytrace=False,
        )

    tmp = Path(tempfile.mkdtemp(prefix=f"tessera-conformance-{backend}-"))
    mail_dir = tmp / "mail"
    mail_dir.mkdir()
    log_path = tmp / "server.log"
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    admin_token = "conformance-admin-" + secrets.token_urlsafe(24)

    if backend == "postgres":
        database_url = os.environ["TESSERA_TEST_POSTGRES_URL"]
    else:
        database_url = str(tmp / "tessera.sqlite")

    # The webhook tests' receivers listen on 127.0.0.1, which Tessera refuses by default.
    env = dict(os.environ, TESSERA_ADMIN_TOKEN=admin_token, TESSERA_WEBHOOK_ALLOW_PRIVATE="1")
    cmd = [
        str(binary), "serve",
        "--host", "127.0.0.1",
        "--port", str(port),
        "--database-url", database_url,
        "--public-url", base_url,
        "--mail", f"file://{mail_dir}",
        *extra_args,
    ]
    log = open(log_path, "wb")
    proc = subprocess.Popen(cmd, cwd=tmp, env=env, stdout=log, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL)
    failed_before = request.session.testsfailed
    try:
        _wait_healthy(proc, base_url, log_path)
        yield Server(base_url=base_url, admin_token=admin_token, mail_dir=mail_dir,
                     log_path=log_path, backend=backend)
    finally:
        _stop(proc)
        log.close()
        clean_exit = proc.returncode in (0, -signal.SIGTERM)
        if clean_exit and request.session.testsfailed == failed_before:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            sys.stderr.write(
                f"\ntessera serve ({backend}) exited with code {proc.returncode}; "
                f"its log and files are kept in {tmp}\n"
            )


@pytest.fixture(scope="session", params=_backends())
def server(request) -> Iterator[Server]:
    with running_server(request.param, request) as srv:
        yield srv


@pytest.fixture(scope="module", params=_backends())
def own_server(request) -> Iterator[Server]:
    """A server for one module alone, with rate limits off: for a module whose requests would
    spend the shared server's budgets or fill its database with junk (test_openapi_schemathesis)."""
    with running_server(request.param, request, extra_args=("--rate-limit", "off")) as srv:
        yield srv


@pytest.fixture
def org(server: Server) -> Org:
    """A fresh organization with seat-based pricing on and an access token
    carrying every scope the suite needs."""
    return server.create_org()


@pytest.fixture
def other_org(server: Server) -> Org:
    return server.create_org()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """On a failing test, attach the tail of the server's log to the report."""
    outcome = yield
    rep = outcome.get_result()
    if rep.failed:
        srv = item.funcargs.get("server") if hasattr(item, "funcargs") else None
        if isinstance(srv, Server):
            rep.sections.append((f"tessera serve log, last lines ({srv.backend})",
                                 srv.log_tail()))
