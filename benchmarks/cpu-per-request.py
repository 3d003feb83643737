#!/usr/bin/env python3
"""CPU time per request of `tessera serve`, for comparing two builds on a shared machine.

Throughput on these 2-core machines moves with whatever else runs; the CPU time the server
process spends per request (user + system, from /proc) moves much less, because it counts only
the server's own work. For each binary and round this starts a server on a fresh database, sets
up an organization, a 1,000-seat pool (assigned) and a large pool, and then sends requests one
at a time from this process (loopback), reading the server's CPU time before and after:

  list          GET /v1/customer-seats?subscription_id=… of the 1,000-seat pool
  assign        POST /v1/customer-seats, a new email each, `send_invitation: false` (no email
                is rendered or delivered, so the figure is the request's own work)
  claim info    GET /v1/customer-seats/claim/{token}, tokens handed back by those assigns

It also reports the server's memory idle after that setup (VmRSS, and its anonymous part:
the rest is pages of the binary's file, which depend on how that file came into the page cache;
see BENCHMARKS.md, "Server memory by link options").

With PostgreSQL it also reports the CPU time of the cluster's processes per request (in
ticks of 10 ms, so use a few hundred requests; the cluster must run only this benchmark's
database, which is made for each round and dropped after it). Prints min / median / max over the rounds.

  benchmarks/cpu-per-request.py --bin old=/tmp/tessera-old --bin new=.build-release/release/tessera \\
      [--database sqlite | --database postgres://postgres@127.0.0.1:55432] [--rounds 3] [--requests 300]

A benchmark, not a test: nothing in CI runs it. Loopback only.
"""
import argparse, http.client, json, os, shutil, socket, statistics, subprocess, tempfile, time, uuid

TICK = os.sysconf("SC_CLK_TCK")
ADMIN = "cpu-bench-operator-" + uuid.uuid4().hex
SCOPES = ["customer_seats:write", "customers:write", "members:write", "products:write", "subscriptions:write"]


def server_cpu_seconds(pid):
    """The server's CPU time to the nanosecond: the sum over its threads' scheduler counters
    (/proc/PID/stat counts in ticks of 10 ms, too coarse for a fraction of a millisecond)."""
    total = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/schedstat") as f:
                total += int(f.read().split()[0])
        except OSError:
            pass  # a thread that ended meanwhile
    return total / 1e9


def cpu_seconds(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICK
    except OSError:
        return 0.0


def idle_memory_mb(pid):
    """VmRSS and RssAnon of the process, in MB."""
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            name, _, value = line.partition(":")
            if name in ("VmRSS", "RssAnon"):
                fields[name] = int(value.split()[0]) / 1024
    return fields["VmRSS"], fields["RssAnon"]


def postgres_cpu():
    pids = subprocess.run(["pgrep", "-u", "postgres"], capture_output=True, text=True).stdout.split()
    return sum(cpu_seconds(int(p)) for p in pids)


class Client:
    def __init__(self, port, token=None):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.token = token

    def call(self, method, path, body=None, token=None):
        headers = {"Authorization": "Bearer " + (token or self.token)} if (token or self.token) else {}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        self.connection.request(method, path, body=data, headers=headers)
        response = self.connection.getresponse()
        raw = response.read()
        if response.status >= 300:
            raise RuntimeError(f"{method} {path}: {response.status} {raw[:300]!r}")
        return json.loads(raw) if raw else None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(port, process):
    for _ in range(400):
        if process.poll() is not None:
            raise RuntimeError("the server stopped while starting")
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            c.request("GET", "/healthz")
            if c.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("the server did not answer /healthz")


def database_url(kind, work):
    if kind == "sqlite":
        return "sqlite://" + os.path.join(work, "bench.sqlite")
    name = "cpu_bench_" + uuid.uuid4().hex[:12]
    subprocess.run(["psql", kind + "/postgres", "-qc", f"CREATE DATABASE {name}"], check=True)
    return f"{kind}/{name}"


def measure(binary, kind, requests):
    work = tempfile.mkdtemp(prefix="tessera-cpu-")
    port = free_port()
    url = database_url(kind, work)
    server = subprocess.Popen(
        [binary, "serve", "--host", "127.0.0.1", "--port", str(port), "--database-url", url,
         "--public-url", f"http://127.0.0.1:{port}", "--mail", "file://" + os.path.join(work, "mail"),
         "--log-level", "error", "--rate-limit", "off"],
        env=dict(os.environ, TESSERA_ADMIN_TOKEN=ADMIN), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_healthy(port, server)
        api = Client(port)
        org = api.call("POST", "/v1/organizations/", {"name": "CPU", "slug": "cpu-bench"}, token=ADMIN)["id"]
        api.token = api.call("POST", "/v1/organization-access-tokens/",
                             {"organization_id": org, "comment": "cpu", "scopes": SCOPES}, token=ADMIN)["token"]
        product = api.call("POST", "/v1/products/", {
            "name": "Team plan", "recurring_interval": "month",
            "prices": [{"amount_type": "seat_based", "price_currency": "usd",
                        "seat_tiers": {"seat_tier_type": "volume",
                                       "tiers": [{"min_seats": 1, "max_seats": None, "price_per_seat": 1500}]}}]})["id"]

        def pool(seats):
            customer = api.call("POST", "/v1/customers/", {"email": f"billing-{uuid.uuid4().hex}@cpu.example"})["id"]
            return api.call("POST", "/v1/subscriptions/", {"product_id": product, "customer_id": customer, "seats": seats})["id"]

        listed, big = pool(1000), pool(100_000)
        for i in range(1000):
            api.call("POST", "/v1/customer-seats", {"subscription_id": listed, "email": f"l{i}@cpu.example"})
        time.sleep(2)  # the invitations' emails delivered, the server idle
        memory = idle_memory_mb(server.pid)
        figures = {}

        def timed(name, count, send):
            for i in range(min(20, count)):  # warm-up: caches, prepared statements
                send(-1 - i)
            server_before, pg_before = server_cpu_seconds(server.pid), postgres_cpu() if kind != "sqlite" else 0
            for i in range(count):
                send(i)
            figures[name] = ((server_cpu_seconds(server.pid) - server_before) / count * 1000,
                             ((postgres_cpu() - pg_before) / count * 1000) if kind != "sqlite" else None)

        timed("list", requests, lambda i: api.call("GET", f"/v1/customer-seats?subscription_id={listed}"))
        tokens = []

        def assign(i):
            seat = api.call("POST", "/v1/customer-seats", {"subscription_id": big, "send_invitation": False,
                                                           "email": f"a{i}-{uuid.uuid4().hex[:8]}@cpu.example"})
            tokens.append(seat["invitation_token"])
        timed("assign", requests, assign)
        anonymous = Client(port)
        timed("claim info", requests, lambda i: anonymous.call("GET", f"/v1/customer-seats/claim/{tokens[i]}"))
        return figures, memory
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)
        if kind != "sqlite":  # the database made for this round
            name = url.rsplit("/", 1)[1]
            subprocess.run(["psql", kind + "/postgres", "-qc", f"DROP DATABASE IF EXISTS {name}"], check=False)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bin", action="append", required=True, help="NAME=PATH of a tessera binary (repeatable)")
    parser.add_argument("--database", default="sqlite", help="sqlite, or a postgres:// URL without a database name")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    binaries = [tuple(b.split("=", 1)) for b in args.bin]
    results, memory = {}, {}
    for round_ in range(args.rounds):
        for name, path in binaries:  # interleaved, so drifts in the machine's load hit every binary
            figures, idle = measure(path, args.database.rstrip("/"), args.requests)
            for figure, value in figures.items():
                results.setdefault((figure, name), []).append(value)
            memory.setdefault(name, []).append(idle)
            print(f"round {round_ + 1}: {name} done", flush=True)
    postgres = args.database != "sqlite"
    print("\n| request | binary | server CPU ms/request (min / median / max) |"
          + (" PostgreSQL CPU ms/request (median) |" if postgres else ""))
    print("|---|---|---|" + ("---|" if postgres else ""))
    for (figure, name), values in results.items():
        server = [v[0] for v in values]
        row = f"| {figure} | {name} | {min(server):.2f} / {statistics.median(server):.2f} / {max(server):.2f} |"
        if postgres:
            row += f" {statistics.median(v[1] for v in values):.2f} |"
        print(row)
    print("\n| binary | idle VmRSS MB (min / median / max) | of it anonymous (median) |\n|---|---|---|")
    for name, values in memory.items():
        rss = [v[0] for v in values]
        print(f"| {name} | {min(rss):.1f} / {statistics.median(rss):.1f} / {max(rss):.1f} |"
              f" {statistics.median(v[1] for v in values):.1f} |")


if __name__ == "__main__":
    main()
