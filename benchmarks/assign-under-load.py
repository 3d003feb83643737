#!/usr/bin/env python3
"""Assign under 64 connections: throughput and server CPU per assign, for comparing builds.

`scripts/bench` measures every operation against its ceilings; this measures one, assign under
load on SQLite, where write transactions queue for the one writer, and alternates the binaries
round by round so that drifts in the machine's load hit each alike. For each binary and round it
starts `tessera serve` on a fresh SQLite file (as `cpu-per-request.py` does), makes `--pools`
subscriptions, runs wrk (2 threads, 64 connections) for 2 s unmeasured, then for `--duration`
seconds: each request assigns a new email to a random pool, with its invitation email sent (to
a file), as in `scripts/bench`. It reports requests per second and the server's CPU time per
assign (user + system of all its threads: the request, its transaction, the email's delivery and
the background WAL checkpoint), min / median / max over the rounds.

  benchmarks/assign-under-load.py --bin old=/tmp/tessera-old --bin new=.build-release/release/tessera \\
      [--rounds 3] [--duration 10] [--pools 200]

Needs wrk (apt-get install -y wrk). A benchmark, not a test: nothing in CI runs it. Loopback only.
"""
import argparse
import importlib.util
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import time
import uuid

_spec = importlib.util.spec_from_file_location(
    "cpu_per_request", os.path.join(os.path.dirname(os.path.abspath(__file__)), "cpu-per-request.py"))
cpu = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cpu)

# Each wrk thread numbers its own requests; the prefix (start time and thread) keeps emails
# unique across threads and runs.
ASSIGN_LUA = """
pools = {%(pools)s}
counter = 0
local threads = 0
function setup(thread) thread:set("tid", threads); threads = threads + 1 end
function init(args) math.randomseed(tid * 7919 + os.time()); prefix = os.time() .. "-" .. tid end
request = function()
  counter = counter + 1
  local body = string.format('{"subscription_id":"%%s","email":"w%%s-%%d@load.example"}',
                             pools[math.random(#pools)], prefix, counter)
  return wrk.format("POST", "/v1/customer-seats",
                    {["Authorization"] = "Bearer %(token)s", ["Content-Type"] = "application/json"}, body)
end
"""


def measure(binary, pools, duration):
    work = tempfile.mkdtemp(prefix="tessera-load-")
    port = cpu.free_port()
    server = subprocess.Popen(
        [binary, "serve", "--host", "127.0.0.1", "--port", str(port),
         "--database-url", "sqlite://" + os.path.join(work, "load.sqlite"),
         "--public-url", f"http://127.0.0.1:{port}", "--mail", "file://" + os.path.join(work, "mail"),
         "--log-level", "error", "--rate-limit", "off"],
        env=dict(os.environ, TESSERA_ADMIN_TOKEN=cpu.ADMIN), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        cpu.wait_healthy(port, server)
        api = cpu.Client(port)
        org = api.call("POST", "/v1/organizations/", {"name": "Load", "slug": "load-bench"}, token=cpu.ADMIN)["id"]
        api.token = api.call("POST", "/v1/organization-access-tokens/",
                             {"organization_id": org, "comment": "load", "scopes": cpu.SCOPES}, token=cpu.ADMIN)["token"]
        product = api.call("POST", "/v1/products/", {
            "name": "Team plan", "recurring_interval": "month",
            "prices": [{"amount_type": "seat_based", "price_currency": "usd",
                        "seat_tiers": {"seat_tier_type": "volume",
                                       "tiers": [{"min_seats": 1, "max_seats": None, "price_per_seat": 1500}]}}]})["id"]
        subscriptions = []
        for _ in range(pools):
            customer = api.call("POST", "/v1/customers/", {"email": f"billing-{uuid.uuid4().hex}@load.example"})["id"]
            subscriptions.append(api.call("POST", "/v1/subscriptions/",
                                          {"product_id": product, "customer_id": customer, "seats": 100_000})["id"])
        script = os.path.join(work, "assign.lua")
        with open(script, "w") as f:
            f.write(ASSIGN_LUA % {"pools": ",".join(f'"{s}"' for s in subscriptions), "token": api.token})
        url = f"http://127.0.0.1:{port}"
        subprocess.run(["wrk", "-t2", "-c64", "-d2s", "-s", script, url], capture_output=True, check=True)
        time.sleep(1)
        before = cpu.server_cpu_seconds(server.pid)
        out = subprocess.run(["wrk", "-t2", "-c64", f"-d{duration}s", "-s", script, url],
                             capture_output=True, text=True, check=True).stdout
        spent = cpu.server_cpu_seconds(server.pid) - before
        requests = int(re.search(r"(\d+) requests in", out).group(1))
        failed = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        return requests / duration, spent / max(requests, 1) * 1000, int(failed.group(1)) if failed else 0
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bin", action="append", required=True, help="NAME=PATH of a tessera binary (repeatable)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--pools", type=int, default=200)
    args = parser.parse_args()
    binaries = [tuple(b.split("=", 1)) for b in args.bin]
    results = {}
    for round_ in range(args.rounds):
        for name, path in binaries:  # interleaved
            rate, ms, failed = measure(path, args.pools, args.duration)
            results.setdefault(name, []).append((rate, ms))
            print(f"round {round_ + 1}: {name}: {rate:.0f} assigns/s, {ms:.3f} ms CPU each, {failed} not 2xx", flush=True)
    print("\n| binary | assigns/s (min / median / max) | server CPU ms per assign (min / median / max) |")
    print("|---|---|---|")
    for name, values in results.items():
        rates, times = [v[0] for v in values], [v[1] for v in values]
        print(f"| {name} | {min(rates):,.0f} / {statistics.median(rates):,.0f} / {max(rates):,.0f} |"
              f" {min(times):.3f} / {statistics.median(times):.3f} / {max(times):.3f} |")


if __name__ == "__main__":
    main()
