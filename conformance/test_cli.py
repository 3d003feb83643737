"""The `tessera` command line: operator tokens, migrations, backups and a graceful stop."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import threading
import time
import uuid

import httpx
import pytest

from conftest import _free_port, _server_binary, _wait_healthy
from support import Server


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


def test_a_database_a_newer_release_migrated_is_named_as_such(tmp_path):
    # A binary rolled back after a newer one migrated: said, not "up to date", and not refused.
    db = tmp_path / "newer.sqlite"
    subprocess.run([str(_server_binary()), "migrate", "--database-url", str(db)], capture_output=True, text=True, check=True)
    with sqlite3.connect(db) as connection:
        latest = connection.execute("SELECT max(version) FROM tessera_migrations").fetchone()[0]
        connection.execute("INSERT INTO tessera_migrations VALUES (?, 'from a newer release', 0)", (latest + 1,))
    out = subprocess.run([str(_server_binary()), "migrate", "--database-url", str(db)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert f"The schema is at version {latest + 1}, newer than this release's {latest}" in out.stdout, out.stdout
    assert "database schema is newer than this release" in out.stderr


def test_sigterm_stops_the_server_cleanly(tmp_path):
    proc, base, _ = _start(tmp_path, tmp_path / "stop.sqlite", {"TESSERA_ADMIN_TOKEN": "t"})
    assert httpx.get(f"{base}/healthz").json() == {"status": "ok"}
    assert _stop(proc) == 0


def test_bad_configuration_is_one_clear_error(tmp_path):
    out = subprocess.run([str(_server_binary()), "serve", "--database-url", "mysql://nope"],
                         capture_output=True, text=True)
    assert out.returncode != 0
    assert "database URL" in out.stderr
    # A switch takes on or off, from the flag or the environment, and says so when it is neither.
    for args, env in ((["--prepared-statements", "maybe"], {}), ([], {"TESSERA_PREPARED_STATEMENTS": "yes"})):
        out = subprocess.run([str(_server_binary()), "serve", "--database-url", str(tmp_path / "db.sqlite"), *args],
                             capture_output=True, text=True, timeout=60, env={**os.environ, **env})
        assert out.returncode != 0
        assert "--prepared-statements (or TESSERA_PREPARED_STATEMENTS) must be on or off" in out.stderr, out.stderr
    # Numbers are whole numbers in range, from the flag or the environment; a mistyped variable
    # is an error, never its default.
    for args, env, message in ((["--database-connections", "0"], {}, "--database-connections must be between 1 and 1000"),
                               ([], {"TESSERA_DATABASE_CONNECTIONS": "many"}, "TESSERA_DATABASE_CONNECTIONS must be a whole number"),
                               ([], {"TESSERA_PORT": "80a"}, "TESSERA_PORT must be a whole number"),
                               ([], {"TESSERA_API_RATE": "fast"}, "TESSERA_API_RATE must be a number"),
                               ([], {"TESSERA_DATABASE_WAIT": "soon"}, "TESSERA_DATABASE_WAIT must be a whole number"),
                               (["--database-wait", "4000"], {}, "--database-wait must be between 0 and 3600")):
        out = subprocess.run([str(_server_binary()), "serve", "--database-url", str(tmp_path / "db.sqlite"), *args],
                             capture_output=True, text=True, timeout=60, env={**os.environ, **env})
        assert out.returncode != 0
        assert message in out.stderr, out.stderr


def test_an_unreachable_postgresql_is_named_with_the_cause_not_waited_for_in_silence():
    # Nothing listens on a port just freed. Before, `migrate` and `serve` waited a minute for
    # postgres-nio's pool, then said only `ConnectionPoolError(...)`.
    port = _free_port()
    url = f"postgres://tessera:s3cret-pw@127.0.0.1:{port}/seats"
    out = subprocess.run([str(_server_binary()), "migrate", "--database-url", url, "--database-wait", "0"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode != 0
    assert f"Could not reach PostgreSQL at 127.0.0.1:{port}/seats as tessera within 0 s: connection refused" in out.stderr, out.stderr
    # `serve` waits as long as it is told, saying so once, then names the server and the cause.
    out = subprocess.run([str(_server_binary()), "serve", "--port", str(_free_port()), "--database-url", url],
                         capture_output=True, text=True, timeout=60, env={**os.environ, "TESSERA_DATABASE_WAIT": "1"})
    assert out.returncode != 0
    assert out.stderr.count("waiting for PostgreSQL") == 1, out.stderr
    assert f"Could not reach PostgreSQL at 127.0.0.1:{port}/seats as tessera within 1 s: connection refused" in out.stderr, out.stderr
    assert "s3cret-pw" not in out.stdout + out.stderr


def test_a_database_that_cannot_be_opened_is_named_with_the_cause(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("not a database, only words. " * 40)
    for url, message in ((str(text), f"{text} is not a SQLite database"),
                         (str(tmp_path / "no-such-folder" / "seats.sqlite"), "does its folder exist")):
        out = subprocess.run([str(_server_binary()), "migrate", "--database-url", url],
                             capture_output=True, text=True, timeout=60)
        assert out.returncode != 0
        assert message in out.stderr, out.stderr


def test_a_postgresql_error_prints_its_sqlstate_and_message():
    # A migration PostgreSQL refuses: a table of the schema already there. postgres-nio's own
    # description of the error is a fixed sentence naming neither.
    url = os.environ.get("TESSERA_TEST_POSTGRES_URL")
    if not url or not shutil.which("psql"):
        pytest.skip("needs TESSERA_TEST_POSTGRES_URL and psql")
    name = f"tessera_cli_{uuid.uuid4().hex[:12]}"
    base = url.rsplit("/", 1)[0]
    subprocess.run(["psql", url, "-qc", f"CREATE DATABASE {name}"], check=True, capture_output=True)
    try:
        subprocess.run(["psql", f"{base}/{name}", "-qc", "CREATE TABLE customers (id int)"], check=True, capture_output=True)
        out = subprocess.run([str(_server_binary()), "migrate", "--database-url", f"{base}/{name}"],
                             capture_output=True, text=True, timeout=60)
        assert out.returncode != 0
        assert 'PostgreSQL 42P07: relation "customers" already exists' in out.stderr, out.stderr
    finally:
        subprocess.run(["psql", url, "-qc", f"DROP DATABASE IF EXISTS {name}"], capture_output=True)


def _backup(db, to):
    return subprocess.run([str(_server_binary()), "backup", "--database-url", str(db), "--to", str(to)],
                          capture_output=True, text=True, timeout=120)


def _wait_for(condition, what, timeout=60.0):
    """Waits for a count to be reached; the deadline only stops a hung test."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.02)


def test_backup_while_assigns_run_copies_every_committed_seat_and_the_copy_serves(tmp_path):
    db, backup = tmp_path / "live.sqlite", tmp_path / "backup.sqlite"
    proc, base, log = _start(tmp_path, db, {"TESSERA_ADMIN_TOKEN": "backup-operator"})
    server = Server(base_url=base, admin_token="backup-operator", mail_dir=tmp_path, log_path=log, backend="sqlite")
    try:
        org = server.create_org()
        subscription = org.create_subscription(seats=100_000)
        committed, errors, stop = [], [], threading.Event()

        def assign_until_stopped(worker):
            with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {org.token}"}, timeout=15) as c:
                index = 0
                while not stop.is_set():
                    res = c.post("/v1/customer-seats", json={
                        "subscription_id": subscription["id"], "email": f"w{worker}-{index}@example.com"})
                    if res.status_code != 200:
                        errors.append(res.text)
                        return
                    committed.append(res.json()["id"])
                    index += 1

        workers = [threading.Thread(target=assign_until_stopped, args=(n,)) for n in range(3)]
        for worker in workers:
            worker.start()
        try:
            _wait_for(lambda: len(committed) >= 30 or errors, "the first assigns")
            before = set(committed)
            out = _backup(db, backup)
            # The burst goes on after the copy too, so the copy was taken in its midst.
            after = len(committed)
            _wait_for(lambda: len(committed) >= after + 10 or errors, "assigns after the backup")
        finally:
            stop.set()
            for worker in workers:
                worker.join()
        assert not errors, errors
        assert out.returncode == 0, out.stderr
        assert out.stdout.startswith(f"Backed up {db} to {backup} ("), out.stdout

        # A second backup to the same file is refused, and leaves the first intact.
        size = backup.stat().st_size
        again = _backup(db, backup)
        assert again.returncode != 0
        assert "already exists" in again.stderr and "never overwrite" in again.stderr, again.stderr
        assert backup.stat().st_size == size
        assert sorted(p.name for p in tmp_path.glob("backup.sqlite*")) == ["backup.sqlite"]
    finally:
        assert _stop(proc) == 0

    with sqlite3.connect(backup) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    # Restore: a server started on the copy has every seat committed before the backup began.
    proc, base, _ = _start(tmp_path, backup, {"TESSERA_ADMIN_TOKEN": "backup-operator"})
    try:
        res = httpx.get(f"{base}/v1/customer-seats", params={"subscription_id": subscription["id"]},
                        headers={"Authorization": f"Bearer {org.token}"})
        assert res.status_code == 200, res.text
        ids = {seat["id"] for seat in res.json()["seats"]}
        assert before <= ids, before - ids
        assert ids <= set(committed)
    finally:
        assert _stop(proc) == 0


def test_backup_of_postgresql_says_to_use_pg_dump(tmp_path):
    target = tmp_path / "seats.dump"
    out = _backup("postgres://tessera:s3cret@db.example:5432/seats", target)
    assert out.returncode != 0
    assert "pg_dump --format=custom --host=db.example --port=5432 --username=tessera" in out.stderr, out.stderr
    assert "s3cret" not in out.stderr + out.stdout
    assert not target.exists()


def test_backup_of_a_missing_database_creates_nothing(tmp_path):
    out = _backup(tmp_path / "typo.sqlite", tmp_path / "copy.sqlite")
    assert out.returncode != 0
    assert "no database at" in out.stderr, out.stderr
    assert list(tmp_path.iterdir()) == []
