#!/usr/bin/env python3
"""Start to first answer of `tessera serve`, for comparing builds on a shared machine.

For each round and binary (alternated, the order reversed every other round): a new PostgreSQL
database is made, `tessera serve` is started on it and `/healthz` polled every 2 ms until it
answers 200 (a fresh database: migrations included); the server is stopped and started again on
the same database (migrated: nothing to apply); the database is dropped. Prints min / median / max
per binary.

  benchmarks/start-time.py --bin old=/tmp/tessera-old --bin new=.build-release/release/tessera \\
      --postgres postgres://postgres@127.0.0.1:55432 [--rounds 8]

Needs psql. The cluster should run nothing else. A benchmark, not a test: nothing in CI runs it.
Loopback only.
"""
import argparse, os, socket, statistics, subprocess, time, uuid


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def healthy(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n")
            return s.recv(64).startswith(b"HTTP/1.1 200")
    except OSError:
        return False


def start_time(binary, url):
    port = free_port()
    started = time.perf_counter()
    server = subprocess.Popen([binary, "serve", "--port", str(port), "--database-url", url, "--log-level", "error",
                               "--mail", "log"], env=dict(os.environ, TESSERA_ADMIN_TOKEN="start-bench"),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = started + 60
        while not healthy(port):
            if server.poll() is not None or time.perf_counter() > deadline:
                raise SystemExit(f"{binary} did not start on {url}")
            time.sleep(0.002)
        return time.perf_counter() - started
    finally:
        server.terminate()
        server.wait()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", action="append", required=True, help="name=path of a tessera binary")
    parser.add_argument("--postgres", required=True, help="postgres://user@host:port of the cluster")
    parser.add_argument("--rounds", type=int, default=8)
    args = parser.parse_args()
    binaries = [tuple(b.split("=", 1)) for b in args.bin]
    times = {name: {"fresh": [], "migrated": []} for name, _ in binaries}
    for round_ in range(args.rounds):
        for name, binary in (binaries if round_ % 2 == 0 else binaries[::-1]):
            database = "start_bench_" + uuid.uuid4().hex[:10]
            subprocess.run(["psql", f"{args.postgres}/postgres", "-qc", f"CREATE DATABASE {database}"], check=True)
            try:
                for kind in ("fresh", "migrated"):
                    times[name][kind].append(start_time(binary, f"{args.postgres}/{database}"))
            finally:
                subprocess.run(["psql", f"{args.postgres}/postgres", "-qc", f"DROP DATABASE {database}"], check=True)
    for name, kinds in times.items():
        for kind, values in kinds.items():
            values = sorted(v * 1000 for v in values)
            print(f"{name:12} {kind:9} {values[0]:.0f} / {statistics.median(values):.0f} / {values[-1]:.0f} ms")


if __name__ == "__main__":
    main()
