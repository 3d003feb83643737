"""`tessera serve --metrics-port` and `--log-format json` on a real binary: the metrics listener
answers Prometheus text on its own port (and the API's port does not), and every log line is
one JSON object, with an access line per request that carries the echoed request id."""

from __future__ import annotations

import json

import httpx
import pytest

from conftest import _free_port, running_server
from support import unique_email


@pytest.fixture(scope="module")
def observed(request):
    metrics_port = _free_port()
    args = ("--metrics-port", str(metrics_port), "--log-format", "json")
    with running_server("sqlite", request, extra_args=args) as srv:
        yield srv, f"http://127.0.0.1:{metrics_port}/metrics"


def _sample(text: str, series: str) -> float | None:
    for line in text.splitlines():
        if line.startswith(series + " "):
            return float(line.rsplit(" ", 1)[1])
    return None


def test_metrics_listener_counts_requests_and_seat_operations(observed):
    srv, metrics_url = observed
    org = srv.create_org()
    sub = org.create_subscription(seats=2)
    with srv.http(org.token) as c:
        for _ in range(2):
            res = c.post("/v1/customer-seats", json={"subscription_id": sub["id"], "email": unique_email()})
            assert res.status_code == 200, res.text
        res = c.post("/v1/customer-seats", json={"subscription_id": sub["id"], "email": unique_email()})
        assert res.status_code == 400, res.text

    scraped = httpx.get(metrics_url, timeout=10)
    assert scraped.status_code == 200
    assert scraped.headers["content-type"].startswith("text/plain; version=0.0.4")
    text = scraped.text
    assert _sample(text, 'tessera_http_requests_total{method="POST",route="/v1/customer-seats",status="200"}') == 2
    assert _sample(text, 'tessera_seat_operations_total{operation="assign",outcome="ok"}') == 2
    assert _sample(text, 'tessera_seat_operations_total{operation="assign",outcome="SeatNotAvailable"}') == 1
    assert _sample(text, 'tessera_outbox_pending_items{kind="webhook"}') is not None
    # Metrics are not on the API's own address.
    assert httpx.get(srv.base_url + "/metrics", timeout=10).status_code == 404


def test_log_lines_are_json_with_an_access_line_per_request(observed):
    srv, _ = observed
    res = httpx.get(srv.base_url + "/healthz", headers={"X-Request-Id": "conformance-42"}, timeout=10)
    assert res.status_code == 200
    assert res.headers["x-request-id"] == "conformance-42"
    fresh = httpx.get(srv.base_url + "/healthz", headers={"X-Request-Id": "bad id"}, timeout=10)
    assert fresh.headers["x-request-id"] != "bad id"

    lines = [line for line in srv.log_path.read_text().splitlines() if line.strip()]
    assert lines
    events = [json.loads(line) for line in lines]  # every line parses on its own
    for event in events:
        assert {"timestamp", "level", "message", "metadata"} <= event.keys()
    access = [e for e in events if e["message"] == "request" and e["metadata"].get("request_id") == "conformance-42"]
    assert len(access) == 1
    fields = access[0]["metadata"]
    assert fields["method"] == "GET" and fields["route"] == "/healthz" and fields["status"] == "200"
    assert fields["principal"] == "anonymous"
    assert float(fields["duration_ms"]) >= 0


def test_text_log_lines_carry_the_request_id_with_sorted_fields(request):
    """Text logs (the default) keep swift-log's line: the logger's fields (the request id) and
    the line's own, merged and sorted by name, before `[source] message`."""
    with running_server("sqlite", request, extra_args=("--log-level", "info")) as srv:
        res = httpx.get(srv.base_url + "/healthz", headers={"X-Request-Id": "conformance-text"}, timeout=10)
        assert res.status_code == 200
        lines = [line for line in srv.log_path.read_text().splitlines() if "request_id=conformance-text" in line]
    access = [line for line in lines if line.endswith(" request")]
    assert len(access) == 1, lines
    fields = access[0].split(": ", 1)[1].rsplit(" [", 1)[0].split(" ")
    names = [field.split("=", 1)[0] for field in fields]
    assert names == sorted(names)
    assert {"method=GET", "route=/healthz", "status=200", "principal=anonymous", "request_id=conformance-text"} <= set(fields)
