"""The `tessera` command line: operator tokens, migrations and a graceful stop."""

from __future__ import annotations

import signal
import subprocess
import time

import httpx

from conftest import _free_port, _server_binary, _wait_healthy


def _start(tmp_path, db, env_extra=None):
    port = _free_port()
    log = tmp_path / f"serve-{port}.log"
    env = {"PATH": "/usr/bin:/bin", **(env_extra or {})}
    proc = subprocess.Popen(
        [str(_server_binary()), "serve", "--port", str(port), "--database-url", str(db), "--mail", "log"],
        stdout=log.open("w"), stderr=subprocess.STDOUT, env=env,
    )
    base = f"http://127.0.0.1:{port}"
    _wait_healthy(proc, base, log)
    return proc, base, log


def _stop(proc):
    proc.send_signal(signal.SIGTERM)
    return proc.wait(timeout=20)


def _create_org(base, token):
    return httpx.post(
        f"{base}/v1/organizations/",
        headers={"Authorization": f"Bearer {token}"},
        json={"name": "CLI", "slug": f"cli-{int(time.time() * 1000)}"},
    )


def test_first_start_prints_a_working_operator_token_once(tmp_path):
    db = tmp_path / "first.sqlite"
    proc, base, log = _start(tmp_path, db)
    try:
        lines = [line for line in log.read_text().splitlines() if "Operator token" in line]
        assert len(lines) == 1
        token = lines[0].rsplit(" ", 1)[-1]
        assert token.startswith("tsr_op_")
        assert _create_org(base, token).status_code == 201
    finally:
        assert _stop(proc) == 0
    # A second start on the same database prints no new token.
    proc, base, log = _start(tmp_path, db)
    try:
        assert "Operator token" not in log.read_text()
    finally:
        _stop(proc)


def test_admin_token_command_prints_a_token_alone_on_its_last_line(tmp_path):
    db = tmp_path / "admin.sqlite"
    out = subprocess.run(
        [str(_server_binary()), "admin", "token", "--database-url", str(db)],
        capture_output=True, text=True, check=True,
    )
    token = out.stdout.strip().splitlines()[-1]
    assert token.startswith("tsr_op_") and " " not in token
    proc, base, _ = _start(tmp_path, db, {"TESSERA_ADMIN_TOKEN": "env-token"})
    try:
        # Both the printed token and TESSERA_ADMIN_TOKEN are operator tokens.
        assert _create_org(base, token).status_code == 201
        assert _create_org(base, "env-token").status_code == 201
        assert _create_org(base, "tsr_op_not-a-real-token").status_code == 401
    finally:
        _stop(proc)


def test_migrate_is_safe_to_run_twice(tmp_path):
    db = tmp_path / "migrate.sqlite"
    first = subprocess.run([str(_server_binary()), "migrate", "--database-url", str(db)],
                           capture_output=True, text=True, check=True)
    second = subprocess.run([str(_server_binary()), "migrate", "--database-url", str(db)],
                            capture_output=True, text=True, check=True)
    assert "Applied migrations" in first.stdout
    assert "up to date" in second.stdout


def test_sigterm_stops_the_server_cleanly(tmp_path):
    proc, base, _ = _start(tmp_path, tmp_path / "stop.sqlite", {"TESSERA_ADMIN_TOKEN": "t"})
    assert httpx.get(f"{base}/healthz").json() == {"status": "ok"}
    assert _stop(proc) == 0


def test_bad_configuration_is_one_clear_error(tmp_path):
    out = subprocess.run([str(_server_binary()), "serve", "--database-url", "mysql://nope"],
                         capture_output=True, text=True)
    assert out.returncode != 0
    assert "database URL" in out.stderr
