"""The Polar OpenAPI parity check (openapi_check.py): that it catches what it should,
and a tour of every route Tessera shares with Polar, so that each one's answers
(successes and the errors Polar documents a body for) pass through the check at
least once. The tour's assertions are only on statuses: the check, run at each test's
teardown, judges the bodies.

Webhook endpoints and deliveries are toured by test_webhooks.py (they need a
receiver); the seat routes by the seat tests.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

import openapi_check
from openapi_check import FINDINGS, Tolerated
from support import ALL_SCOPES, Org, Server, unique_email


def expect(res: httpx.Response, status: int) -> Any:
    assert res.status_code == status, (
        f"{res.request.method} {res.request.url.path} -> {res.status_code} (expected {status}): {res.text[:500]}"
    )
    return res.json() if res.content else None


# --------------------------------------------------------------------------
# The check itself, on answers made up here (no server)
# --------------------------------------------------------------------------

SEAT = {
    "id": "6f1b8a52-2c1e-4d43-9a59-0d6e8a1f3c21",
    "created_at": "2026-04-01T12:00:00Z",
    "modified_at": None,
    "subscription_id": "0b7e3c9a-55d2-4f60-8f1e-2a4d6c8e0f13",
    "order_id": None,
    "status": "pending",
    "customer_id": "9c2d4e6f-8a0b-4c1d-9e2f-3a4b5c6d7e8f",
    "member_id": None,
    "member": None,
    "email": None,
    "customer_email": "ada@example.com",
    "invitation_token_expires_at": "2026-04-02T12:00:00.123456+00:00",
    "claimed_at": None,
    "revoked_at": None,
    "seat_metadata": {},
}


def fake_client(status: int, body: Any, content_type: str = "application/json") -> httpx.Client:
    def answer(request: httpx.Request) -> httpx.Response:
        if body is None:
            return httpx.Response(status)
        return httpx.Response(status, json=body, headers={"content-type": content_type})

    return httpx.Client(base_url="http://tessera.test", transport=httpx.MockTransport(answer),
                        event_hooks=openapi_check.EVENT_HOOKS)


def found(method: str, path: str, status: int, body: Any) -> list[str]:
    """What the check says of one made-up answer, as `JSON path: error` lines."""
    with FINDINGS.capture() as caught, fake_client(status, body) as c:
        c.request(method, path)
    return [f"{m.path}: {m.error}" for m in caught]


def test_check_passes_a_seat_as_polar_describes_it():
    assert found("POST", "/v1/customer-seats", 200, SEAT) == []
    assert found("DELETE", f"/v1/customer-seats/{SEAT['id']}/", 200, SEAT) == []


def test_check_names_the_json_path_of_what_differs():
    bad = {**SEAT, "status": "reserved", "claimed_at": "yesterday", "order_id": 7}
    del bad["member"]
    errors = found("POST", "/v1/customer-seats", 200, bad)
    assert len(errors) == 4, errors
    assert any(e.startswith("$.status: ") and "reserved" in e for e in errors), errors
    assert any(e.startswith("$.claimed_at: ") and "date-time" in e for e in errors), errors
    assert any(e.startswith("$.order_id: ") for e in errors), errors
    assert any(e.startswith("$.member: missing") for e in errors), errors


def test_check_follows_lists_and_nested_objects():
    member = {"id": "not-a-uuid", "created_at": "2026-04-01T12:00:00Z", "modified_at": None,
              "customer_id": SEAT["customer_id"], "email": "ada@example.com", "name": None,
              "external_id": None, "role": "member"}
    listed = {"seats": [SEAT, {**SEAT, "member": member}], "available_seats": 1, "total_seats": 3}
    errors = found("GET", "/v1/customer-seats", 200, listed)
    assert len(errors) == 1 and errors[0].startswith("$.seats[1].member.id: "), errors
    assert "format 'uuid" in errors[0] and "not-a-uuid" in errors[0], errors


def test_check_validates_documented_error_bodies():
    assert found("GET", f"/v1/customers/{uuid.uuid4()}", 404,
                 {"error": "ResourceNotFound", "detail": "Not found"}) == []
    errors = found("GET", f"/v1/customers/{uuid.uuid4()}", 404, {"error": "NotFound", "detail": "x"})
    assert [e.split(":")[0] for e in errors] == ["$.error"], errors
    errors = found("POST", "/v1/customer-seats", 422, {"detail": [{"loc": ["body"], "msg": "x"}]})
    assert errors == ["$.detail[0].type: missing; Polar's schema requires it"], errors


def test_check_judges_no_body_where_polar_publishes_none():
    assert found("DELETE", f"/v1/customer-seats/{uuid.uuid4()}", 404, {"anything": 1}) == []
    assert found("GET", "/v1/customers/", 401, {"error": "x"}) == []


def test_check_refuses_a_success_status_polar_does_not_answer():
    errors = found("POST", "/v1/customers/", 200, {})
    assert errors and "201" in errors[0], errors


def test_check_refuses_a_non_json_body_where_polar_sends_json():
    with FINDINGS.capture() as caught, fake_client(200, "ok", content_type="text/plain") as c:
        c.get("/v1/customer-seats")
    assert [m.path for m in caught] == ["$"], caught


def test_check_skips_listed_routes_and_flags_unlisted_ones():
    assert found("POST", "/v1/organizations/", 201, {"whatever": True}) == []
    assert found("GET", "/healthz", 200, {"status": "ok"}) == []
    errors = found("GET", "/v1/tessera-only", 200, {})
    assert errors and "SKIPPED_ROUTES" in errors[0], errors


def test_check_tolerates_exactly_the_listed_difference(monkeypatch):
    monkeypatch.setattr(openapi_check, "DIFFERENCES", [
        Tolerated(route="/v1/customer-seats", path="$.seats[*].status", why="a test")])
    listed = {"seats": [{**SEAT, "status": "reserved", "claimed_at": "yesterday"}],
              "available_seats": 1, "total_seats": 2}
    errors = found("GET", "/v1/customer-seats", 200, listed)
    assert [e.split(":")[0] for e in errors] == ["$.seats[0].claimed_at"], errors
    assert [e.split(":")[0] for e in found("POST", "/v1/customer-seats", 200,
                                           {**SEAT, "status": "reserved"})] == ["$.status"]


def test_check_validates_webhook_payloads():
    body = {"type": "customer_seat.assigned", "timestamp": "2026-04-01T12:00:00Z", "data": SEAT}
    with FINDINGS.capture() as caught:
        openapi_check.check_webhook(httpx.Response(200, json=body).content)
        openapi_check.check_webhook(httpx.Response(200, json={**body, "data": {**SEAT, "status": "?"}}).content)
        openapi_check.check_webhook(httpx.Response(200, json={**body, "type": "seat.exploded"}).content)
    assert [(m.route, m.path) for m in caught] == [
        ("webhook:customer_seat.assigned", "$.data.status"), ("webhook:seat.exploded", "$.type")], caught


def test_every_tolerated_entry_names_a_polar_route_and_a_reason():
    doc = openapi_check.spec().doc
    for t in openapi_check.DIFFERENCES + openapi_check.KNOWN_MISMATCHES:
        assert t.why.strip(), t
        assert t.path.startswith("$"), t
        if t.route.startswith("webhook:"):
            assert t.route.removeprefix("webhook:") in doc["webhooks"], t
        else:
            assert t.route in doc["paths"], t
            if t.method:
                assert t.method.lower() in doc["paths"][t.route], t


# --------------------------------------------------------------------------
# The tour: every shared route, through the check
# --------------------------------------------------------------------------


@pytest.fixture
def api(server: Server, org: Org):
    """Plain HTTP with a token that also may open customer sessions."""
    with server.http(server.admin_token) as admin:
        tok = expect(admin.post("/v1/organization-access-tokens/", json={
            "organization_id": org.id, "comment": "parity tour",
            "scopes": ALL_SCOPES + ["customer_sessions:write"]}), 201)
    with server.http(tok["token"]) as c:
        yield c


def test_tour_customers(api):
    email = unique_email("tour")
    customer = expect(api.post("/v1/customers/", json={
        "email": email, "name": "Tour Customer", "external_id": f"ext-{uuid.uuid4().hex[:8]}",
        "metadata": {"plan": "team", "seats": 5, "vip": True}}), 201)
    expect(api.get("/v1/customers/"), 200)
    expect(api.get("/v1/customers/", params={"limit": 1, "page": 1}), 200)
    expect(api.get(f"/v1/customers/{customer['id']}"), 200)
    expect(api.get(f"/v1/customers/external/{customer['external_id']}"), 200)
    expect(api.patch(f"/v1/customers/{customer['id']}", json={"name": "Renamed"}), 200)
    expect(api.get(f"/v1/customers/{uuid.uuid4()}"), 404)
    expect(api.get(f"/v1/customers/external/no-such-{uuid.uuid4().hex}"), 404)
    expect(api.patch(f"/v1/customers/{uuid.uuid4()}", json={"name": "x"}), 404)
    expect(api.post("/v1/customers/", json={"email": "not an email"}), 422)
    expect(api.post("/v1/customers/", json={"email": email}), 422)
    expect(api.delete(f"/v1/customers/{customer['id']}"), 204)
    expect(api.delete(f"/v1/customers/{customer['id']}"), 404)


def test_tour_members(api, org):
    billing = org.create_customer()
    member = expect(api.post(f"/v1/customers/{billing['id']}/members", json={
        "email": unique_email("member"), "name": "Mem Ber"}), 201)
    expect(api.get("/v1/members/"), 200)
    expect(api.get("/v1/members/", params={"customer_id": billing["id"]}), 200)
    expect(api.post(f"/v1/customers/{uuid.uuid4()}/members", json={"email": unique_email()}), 404)
    expect(api.post(f"/v1/customers/{billing['id']}/members", json={"email": "nope"}), 422)
    expect(api.delete(f"/v1/customers/{billing['id']}/members/{member['id']}"), 204)
    expect(api.delete(f"/v1/customers/{billing['id']}/members/{member['id']}"), 404)


def test_tour_products(api, org):
    recurring = org.create_product(name="Tour plan")
    org.create_product(name="Tour pack", recurring=False)
    expect(api.get("/v1/products/"), 200)
    expect(api.get(f"/v1/products/{recurring['id']}"), 200)
    expect(api.patch(f"/v1/products/{recurring['id']}", json={"name": "Tour plan 2"}), 200)
    expect(api.get(f"/v1/products/{uuid.uuid4()}"), 404)
    expect(api.patch(f"/v1/products/{uuid.uuid4()}", json={"name": "x"}), 404)
    expect(api.post("/v1/products/", json={"name": ""}), 422)


def test_tour_subscriptions(api, org):
    sub = org.create_subscription(seats=2)
    expect(api.post("/v1/customer-seats", json={"subscription_id": sub["id"], "email": unique_email()}), 200)
    expect(api.get("/v1/subscriptions/"), 200)
    expect(api.get(f"/v1/subscriptions/{sub['id']}"), 200)
    expect(api.patch(f"/v1/subscriptions/{sub['id']}", json={"seats": 3}), 200)
    expect(api.patch(f"/v1/subscriptions/{sub['id']}", json={"cancel_at_period_end": True}), 200)
    expect(api.patch(f"/v1/subscriptions/{sub['id']}", json={"cancel_at_period_end": False}), 200)
    expect(api.get(f"/v1/subscriptions/{uuid.uuid4()}"), 404)
    expect(api.patch(f"/v1/subscriptions/{uuid.uuid4()}", json={"seats": 2}), 404)
    expect(api.delete(f"/v1/subscriptions/{sub['id']}"), 200)
    expect(api.get(f"/v1/subscriptions/{sub['id']}"), 200)
    expect(api.delete(f"/v1/subscriptions/{sub['id']}"), 403)
    expect(api.delete(f"/v1/subscriptions/{uuid.uuid4()}"), 404)


def test_tour_orders(api, org):
    paid = org.create_order(seats=2, status="paid")
    pending = org.create_order(seats=2, status="pending")
    expect(api.get("/v1/orders/"), 200)
    expect(api.get(f"/v1/orders/{paid['id']}"), 200)
    expect(api.patch(f"/v1/orders/{pending['id']}", json={"status": "paid"}), 200)
    expect(api.get(f"/v1/orders/{uuid.uuid4()}"), 404)
    expect(api.patch(f"/v1/orders/{uuid.uuid4()}", json={"status": "paid"}), 404)


def test_tour_customer_sessions_and_portal(api, org, server):
    billing = org.create_customer()
    sub = org.create_subscription(seats=3, customer=billing)
    member = expect(api.post(f"/v1/customers/{billing['id']}/members", json={
        "email": unique_email("owner"), "role": "owner"}), 201)
    session = expect(api.post("/v1/customer-sessions/", json={"customer_id": billing["id"]}), 201)
    expect(api.post("/v1/customer-sessions/", json={"customer_id": billing["id"],
                                                     "member_id": member["id"]}), 201)
    expect(api.post("/v1/customer-sessions/", json={}), 422)
    with server.http(session["token"]) as portal:
        expect(portal.get("/v1/customer-portal/seats", params={"subscription_id": sub["id"]}), 200)
        seat = expect(portal.post("/v1/customer-portal/seats", json={
            "subscription_id": sub["id"], "email": unique_email("portal")}), 200)
        expect(portal.post(f"/v1/customer-portal/seats/{seat['id']}/resend"), 200)
        expect(portal.get("/v1/customer-portal/seats/subscriptions"), 200)
        expect(portal.delete(f"/v1/customer-portal/seats/{seat['id']}"), 200)
        expect(portal.patch(f"/v1/customer-portal/subscriptions/{sub['id']}", json={"seats": 4}), 200)
        expect(portal.post("/v1/customer-portal/seats", json={"subscription_id": sub["id"]}), 422)

    # A person who claimed a seat sees that subscription in the portal.
    holder = unique_email("holder")
    expect(api.post("/v1/customer-seats", json={"subscription_id": sub["id"], "email": holder}), 200)
    token = server.mailbox.wait_for_invitation(holder).token
    with server.http(None) as anonymous:
        expect(anonymous.get(f"/v1/customer-seats/claim/{token}"), 200)
        claimed = expect(anonymous.post("/v1/customer-seats/claim", json={"invitation_token": token}), 200)
    with server.http(claimed["customer_session_token"]) as mine:
        listed = expect(mine.get("/v1/customer-portal/seats/subscriptions"), 200)
        assert [s["id"] for s in listed["items"]] == [sub["id"]], listed
