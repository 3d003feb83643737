"""Schemathesis over Tessera's own OpenAPI document (docs/openapi.json, which the server
serves at GET /openapi.json) against a live `tessera serve`, on each backend.

Schemathesis (its command line, configured by schemathesis.toml) makes requests for every
operation from its schema: valid ones, and in "all" mode invalid ones too. Each answer must pass
four checks: no 5xx (`not_a_server_error`), a status the operation documents
(`status_code_conformance`: 401, 403, 404, 409, 413, 422 and 429 are documented wherever they
can occur, so the check stays on), the documented content type (`content_type_conformance`) and
a body that matches the documented schema (`response_schema_conformance`).

Bounded for CI: a few generated requests per operation (`max-examples`) besides the coverage
phase's boundary cases, no stateful phase, a fixed seed so that a failure reproduces, no
example database, and a timeout on each request. No Hypothesis deadline: a machine shared with
other builds is slow at times, and a slow answer is not a wrong one.

Before the run the test makes an organization with one of each object (`seed`); the hooks
(schemathesis_hooks.py) give each operation the credentials its `security` names (an
organization access token holding every scope, the operator token, a customer portal session,
or none) and use those objects' ids some of the time, so that operations reach their success
answers and not only their 404s. The module runs its own server (`own_server`, rate limits off):
its junk and its request counts stay out of the shared one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from support import Server, unique_email, unique_slug

HERE = Path(__file__).resolve().parent
# Where every webhook endpoint made here points (schemathesis_hooks.py keeps generated ones there too).
WEBHOOK_SINK = "http://127.0.0.1:9/tessera-schemathesis"
RUN_TIMEOUT_S = 600


def _check(res: httpx.Response, status: int) -> Any:
    assert res.status_code == status, f"{res.request.method} {res.request.url} -> {res.status_code}: {res.text}"
    return res.json() if res.content else None


def seed(server: Server, scopes: list[str]) -> dict[str, Any]:
    """An organization with objects for the hooks to use, and tokens.

    An operation that changes or removes an object gets one of its own (a deletion, a resize, a
    product's new prices, a key's new status, a claim, a deactivation ...), so that what it
    does leaves the objects of the operations after it as they were."""
    base = server.base_url
    with httpx.Client(base_url=base, timeout=15.0,
                      headers={"Authorization": f"Bearer {server.admin_token}"}) as op:
        def organization() -> dict:
            return _check(op.post("/v1/organizations/", json={
                "name": "Schemathesis", "slug": unique_slug("st"),
                "feature_settings": {"seat_based_pricing_enabled": True}}), 201)

        org, mutable_org = organization(), organization()
        made = _check(op.post("/v1/organization-access-tokens/", json={
            "organization_id": org["id"], "comment": "schemathesis", "scopes": scopes}), 201)
        spare_token = _check(op.post("/v1/organization-access-tokens/", json={
            "organization_id": org["id"], "comment": "to delete", "scopes": []}), 201)
    token = made["token"]
    with httpx.Client(base_url=base, timeout=15.0, headers={"Authorization": f"Bearer {token}"}) as c:
        def post(path: str, body: dict, status: int = 201) -> Any:
            return _check(c.post(path, json=body), status)

        external_id = f"st-{uuid.uuid4().hex[:8]}"
        customer = post("/v1/customers/", {"email": unique_email("st-billing"), "external_id": external_id})
        doomed_customer = post("/v1/customers/", {"email": unique_email("st-doomed")})
        member = post(f"/v1/customers/{customer['id']}/members", {"email": unique_email("st-member")})
        doomed_member = post(f"/v1/customers/{customer['id']}/members", {"email": unique_email("st-member")})
        tiers = {"seat_tier_type": "volume", "tiers": [{"min_seats": 1, "max_seats": None, "price_per_seat": 900}]}
        price = {"amount_type": "seat_based", "price_currency": "usd", "seat_tiers": tiers}

        def product(**fields: Any) -> dict:
            return post("/v1/products/", {"name": "Team", "prices": [price], **fields})

        recurring, one_time, mutable_product = product(recurring_interval="month"), product(), product(
            recurring_interval="month")

        def subscription(seats: int) -> dict:
            return post("/v1/subscriptions/", {"product_id": recurring["id"], "customer_id": customer["id"],
                                               "seats": seats})

        pool, bulk_pool, resized_pool, doomed_pool = subscription(200), subscription(1000), subscription(50), subscription(5)
        order = post("/v1/orders/", {"product_id": one_time["id"], "customer_id": customer["id"], "seats": 20})
        benefit = post("/v1/benefits/", {"type": "license_keys", "description": "Desktop app", "properties": {
            "prefix": "ST", "activations": {"limit": 50, "enable_customer_admin": True}}})
        spare_benefit = post("/v1/benefits/", {"type": "feature_flag", "description": "Spare", "properties": {}})
        post(f"/v1/products/{recurring['id']}/benefits", {"benefits": [benefit["id"]]}, 200)

        def invite() -> dict:
            return post("/v1/customer-seats", {"subscription_id": pool["id"], "email": unique_email("st-invited"),
                                               "send_invitation": False}, 200)

        seat, claimed_seat, info_seat, revoked_seat, resent_seat, moved_seat = (invite() for _ in range(6))
        portal_revoked_seat, portal_resent_seat = invite(), invite()
        # Two claimed seats: their holders get keys of the product's license_keys benefit.
        post("/v1/customer-seats", {"subscription_id": pool["id"], "customer_id": customer["id"],
                                    "immediate_claim": True}, 200)
        post("/v1/customer-seats", {"subscription_id": pool["id"], "email": unique_email("st-holder"),
                                    "immediate_claim": True}, 200)
        keys = _check(c.get("/v1/license-keys/", params={"benefit_id": benefit["id"]}), 200)["items"]
        assert len(keys) == 2, "each claimed seat of a product with a license_keys benefit has a key"
        key = next(k for k in keys if k["customer_id"] == customer["id"])
        changed_key = next(k for k in keys if k["customer_id"] != customer["id"])

        def activate() -> dict:
            return post("/v1/license-keys/activate", {"key": key["key"], "organization_id": org["id"],
                                                      "label": "laptop"}, 200)

        activation, spare_activation, portal_spare_activation = activate(), activate(), activate()
        endpoint = post("/v1/webhooks/endpoints", {"url": WEBHOOK_SINK, "events": ["customer.updated"]})
        doomed_endpoint = post("/v1/webhooks/endpoints", {"url": WEBHOOK_SINK, "events": ["customer.updated"]})
        session = post("/v1/customer-sessions/", {"customer_id": customer["id"]})

    path_ids = [
        # Operations that change or remove an object take one of their own (their route only).
        ("DELETE", "/v1/customers/{id}", "id", doomed_customer["id"]),
        ("DELETE", "/v1/customers/{id}/members/{member_id}", "member_id", doomed_member["id"]),
        ("DELETE", "/v1/subscriptions/{id}", "id", doomed_pool["id"]),
        ("PATCH", "/v1/subscriptions/{id}", "id", resized_pool["id"]),
        ("PATCH", "/v1/customer-portal/subscriptions/{id}", "id", resized_pool["id"]),
        ("PATCH", "/v1/products/{id}", "id", mutable_product["id"]),
        ("POST", "/v1/products/{id}/benefits", "id", mutable_product["id"]),
        ("PATCH", "/v1/benefits/{id}", "id", spare_benefit["id"]),
        ("DELETE", "/v1/benefits/{id}", "id", spare_benefit["id"]),
        ("PATCH", "/v1/license-keys/{id}", "id", changed_key["id"]),
        ("DELETE", "/v1/webhooks/endpoints/{id}", "id", doomed_endpoint["id"]),
        ("PATCH", "/v1/organizations/{id}", "id", mutable_org["id"]),
        ("DELETE", "/v1/organization-access-tokens/{id}", "id", spare_token["organization_access_token"]["id"]),
        ("GET", "/v1/customer-seats/claim/{invitation_token}", "invitation_token", info_seat["invitation_token"]),
        ("DELETE", "/v1/customer-seats/{seat_id}", "seat_id", revoked_seat["id"]),
        ("POST", "/v1/customer-seats/{seat_id}/resend", "seat_id", resent_seat["id"]),
        ("POST", "/v1/customer-seats/{seat_id}/transfer", "seat_id", moved_seat["id"]),
        ("DELETE", "/v1/customer-portal/seats/{seat_id}", "seat_id", portal_revoked_seat["id"]),
        ("POST", "/v1/customer-portal/seats/{seat_id}/resend", "seat_id", portal_resent_seat["id"]),
        # Every other route on or under these paths.
        ("*", "/v1/customer-seats/{seat_id}", "seat_id", seat["id"]),
        ("*", "/v1/customers/external/{external_id}", "external_id", external_id),
        ("*", "/v1/customers/{id}", "id", customer["id"]),
        ("*", "/v1/subscriptions/{id}", "id", pool["id"]),
        ("*", "/v1/orders/{id}", "id", order["id"]),
        ("*", "/v1/products/{id}", "id", recurring["id"]),
        ("*", "/v1/benefits/{id}", "id", benefit["id"]),
        ("*", "/v1/license-keys/{id}", "id", key["id"]),
        ("*", "/v1/license-keys/{id}/activations/{activation_id}", "activation_id", activation["id"]),
        ("*", "/v1/customer-portal/license-keys/{id}", "id", key["id"]),
        ("*", "/v1/webhooks/endpoints/{id}", "id", endpoint["id"]),
        ("*", "/v1/organizations/{id}", "id", org["id"]),
    ]
    # Query and body fields, by name; then the operations that take some of their own.
    field_ids = {
        "subscription_id": pool["id"], "order_id": order["id"], "customer_id": customer["id"],
        "product_id": recurring["id"], "benefit_id": benefit["id"], "member_id": member["id"],
        "endpoint_id": endpoint["id"], "organization_id": org["id"], "key": key["key"],
        "activation_id": activation["id"], "external_customer_id": external_id, "url": WEBHOOK_SINK,
    }
    operation_fields = {
        "POST /v1/customer-seats/bulk": {"subscription_id": bulk_pool["id"]},
        "POST /v1/customer-seats/claim": {"invitation_token": claimed_seat["invitation_token"]},
        "POST /v1/orders/": {"product_id": one_time["id"]},
        "POST /v1/license-keys/deactivate": {"activation_id": spare_activation["id"]},
        "POST /v1/customer-portal/license-keys/deactivate": {"activation_id": portal_spare_activation["id"]},
    }
    return {"organization_token": token, "operator_token": server.admin_token, "portal_token": session["token"],
            "holder_email": customer["email"], "path_ids": path_ids, "field_ids": field_ids,
            "operation_fields": operation_fields}


def test_every_answer_is_as_documented(own_server: Server, tmp_path: Path):
    base = own_server.base_url
    document = httpx.get(f"{base}/openapi.json", timeout=15.0).json()
    seed_file = tmp_path / "seed.json"
    seed_file.write_text(json.dumps(seed(own_server, document["components"]["schemas"]["Scope"]["enum"])))
    env = dict(os.environ, SCHEMATHESIS_HOOKS="schemathesis_hooks", TESSERA_SCHEMATHESIS_SEED=str(seed_file),
               PYTHONPATH=os.pathsep.join(filter(None, [str(HERE), os.environ.get("PYTHONPATH")])))
    command = [sys.executable, "-m", "schemathesis.cli", "--config-file", str(HERE / "schemathesis.toml"),
               "--no-color", "run", f"{base}/openapi.json", "--url", base]
    started = time.monotonic()
    run = subprocess.run(command, cwd=tmp_path, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                         timeout=RUN_TIMEOUT_S)
    took = time.monotonic() - started
    output = run.stdout + run.stderr
    sys.stderr.write(f"\nschemathesis on {own_server.backend}: {took:.0f} s\n{_summary(output)}\n")
    assert run.returncode == 0, f"schemathesis found answers that are not as documented:\n{output[-20000:]}"


def _summary(output: str) -> str:
    """The run's closing lines (operations, test cases, result)."""
    lines = output.rstrip().splitlines()
    return "\n".join(lines[-12:])
