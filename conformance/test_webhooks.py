"""Webhooks: Polar-compatible, Standard-Webhooks-signed events posted to a
merchant's endpoint, checked with polar_sdk.webhooks.validate_event, and the
/v1/webhooks endpoints API (driven through plain httpx).

One module-scoped story per backend drives every kind of change once against
an endpoint subscribed to every event type; the small tests after it each
check one rule on what arrived.
"""

from __future__ import annotations

import json
import secrets
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Optional

import httpx
import pytest
from polar_sdk import models
from polar_sdk.webhooks import WebhookVerificationError, validate_event

from support import Org, Server, unique_email
from webhook_receiver import Delivery, Receiver

ALL_EVENTS = [
    "customer_seat.assigned",
    "customer_seat.claimed",
    "customer_seat.revoked",
    "subscription.created",
    "subscription.updated",
    "subscription.canceled",
    "subscription.revoked",
    "order.created",
    "order.paid",
    "customer.created",
    "customer.updated",
    "customer.deleted",
    "member.created",
    "member.updated",
    "member.deleted",
]

# How long a test waits for deliveries that should come within a second.
DELIVERY_TIMEOUT_S = 10.0
# How long a test waits to be fairly sure nothing (more) is coming.
QUIET_S = 1.5


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------


def expect(res: httpx.Response, status: int) -> Any:
    assert res.status_code == status, (
        f"{res.request.method} {res.request.url} -> {res.status_code} (expected {status}): {res.text}"
    )
    return res.json() if res.content else None


def new_secret() -> str:
    return "conformance-whsec-" + secrets.token_urlsafe(16)


def create_endpoint(c: httpx.Client, url: str, events: Optional[list[str]] = None,
                    **extra: Any) -> dict:
    payload = {"url": url, "format": "raw", "events": events or ALL_EVENTS, **extra}
    return expect(c.post("/v1/webhooks/endpoints", json=payload), 201)


def create_customer(c: httpx.Client, email_address: Optional[str] = None, **extra: Any) -> dict:
    return expect(c.post("/v1/customers/", json={"email": email_address or unique_email("customer"),
                                                 **extra}), 201)


def validation_locs(res: httpx.Response) -> list[list[str]]:
    body = expect(res, 422)
    assert body.get("error") == "RequestValidationError", body
    return [[str(p) for p in d["loc"]] for d in body["detail"]]


def verify(d: Delivery, secret: str):
    return validate_event(d.body, d.headers, secret)


def diff(a: Any, b: Any) -> str:
    """The keys where two JSON objects differ, for failure messages."""
    if isinstance(a, dict) and isinstance(b, dict):
        keys = sorted(set(a) | set(b))
        return "; ".join(f"{k}: {a.get(k, '<missing>')!r} != {b.get(k, '<missing>')!r}"
                         for k in keys if a.get(k, "<missing>") != b.get(k, "<missing>"))
    return f"{a!r} != {b!r}"


def attempts_of(c: httpx.Client, endpoint_id: str, count: int) -> dict:
    """The deliveries list of an endpoint once it shows `count` attempts. The
    server records an attempt after the receiver has answered, so a list read
    right after a delivery arrived may not show it yet."""
    deadline = time.monotonic() + DELIVERY_TIMEOUT_S
    while True:
        listed = expect(c.get("/v1/webhooks/deliveries", params={"endpoint_id": endpoint_id}), 200)
        if len(listed["items"]) >= count or time.monotonic() > deadline:
            return listed
        time.sleep(0.05)


@pytest.fixture
def receiver():
    with Receiver() as rx:
        yield rx


@pytest.fixture
def client(org: Org):
    with org.server.http(org.token) as c:
        yield c


# --------------------------------------------------------------------------
# The story: every kind of change, once, with an endpoint for every event
# --------------------------------------------------------------------------

# Events the story's changes must send, by type (see `story` below).
EXPECTED = Counter({
    # billing customer, holders a, b, c, m (created by the assignment), d
    "customer.created": 6,
    # members for a, b, c, d under the billing customer, and the one made by hand (m)
    "member.created": 5,
    # m's member gets an external_id from an assignment by external_member_id + email
    "member.updated": 1,
    "member.deleted": 1,
    "customer.updated": 1,
    "customer.deleted": 1,
    # a, c, m, d (b is claimed immediately)
    "customer_seat.assigned": 4,
    # b (immediate_claim) and a (through the invitation)
    "customer_seat.claimed": 2,
    # c by hand, m by the member delete, d by the customer delete, a and b by the
    # subscription revoke
    "customer_seat.revoked": 5,
    "subscription.created": 1,
    # seats 3 -> 4, cancel_at_period_end, revoke
    "subscription.updated": 3,
    "subscription.canceled": 1,
    "subscription.revoked": 1,
    # one order paid at once, one pending then paid
    "order.created": 2,
    "order.paid": 2,
})


@dataclass
class Story:
    server: Server
    org: Org
    secret: str
    endpoint: dict
    emails: dict[str, str] = field(default_factory=dict)
    api: dict[str, Any] = field(default_factory=dict)  # what the API answered, by step
    deliveries: list[Delivery] = field(default_factory=list)

    def events(self, type_: str) -> list[dict]:
        return [d.json() for d in self.deliveries if d.type == type_]

    def data(self, type_: str) -> list[dict]:
        return [e["data"] for e in self.events(type_)]

    def assert_sent(self, type_: str, api_json: dict) -> None:
        """An event of this type carries exactly this API JSON as its data."""
        sent = self.data(type_)
        if api_json in sent:
            return
        same_id = [d for d in sent if d.get("id") == api_json.get("id")]
        detail = "; ".join(diff(d, api_json) for d in same_id) or f"no {type_} event for id {api_json.get('id')}"
        raise AssertionError(f"{type_}: data differs from the API's JSON: {detail}")


@pytest.fixture(scope="module")
def story(server: Server):
    org = server.create_org()
    secret = new_secret()
    with Receiver() as rx, server.http(org.token) as c, server.http(None) as anonymous:
        s = Story(server=server, org=org, secret=secret,
                  endpoint=create_endpoint(c, rx.url, secret=secret, name="everything"))
        api = s.api
        for who in "abcmd":
            s.emails[who] = unique_email(f"holder-{who}")

        billing = api["billing"] = create_customer(c, unique_email("billing"))
        product = org.create_product(name="Webhook plan")
        api["subscription"] = org.create_subscription(seats=3, product=product, customer=billing)
        sub_id = api["subscription"]["id"]

        def assign(**body: Any) -> dict:
            return expect(c.post("/v1/customer-seats", json=body), 200)

        api["seat_a"] = assign(subscription_id=sub_id, email=s.emails["a"])
        api["seat_b"] = assign(subscription_id=sub_id, email=s.emails["b"], immediate_claim=True)
        token = server.mailbox.wait_for_invitation(s.emails["a"]).token
        api["claim_a"] = expect(anonymous.post("/v1/customer-seats/claim",
                                               json={"invitation_token": token}), 200)
        api["seat_c"] = assign(subscription_id=sub_id, email=s.emails["c"])
        api["revoke_c"] = expect(c.delete(f"/v1/customer-seats/{api['seat_c']['id']}"), 200)

        api["sub_seats_4"] = expect(c.patch(f"/v1/subscriptions/{sub_id}", json={"seats": 4}), 200)
        api["sub_cancel"] = expect(c.patch(f"/v1/subscriptions/{sub_id}",
                                           json={"cancel_at_period_end": True}), 200)

        pack = org.create_product(name="Webhook pack", recurring=False)
        api["order_paid"] = org.create_order(seats=2, status="paid", product=pack, customer=billing)
        api["order_pending"] = org.create_order(seats=2, status="pending", product=pack, customer=billing)
        api["order_paid_later"] = expect(
            c.patch(f"/v1/orders/{api['order_pending']['id']}", json={"status": "paid"}), 200)

        api["billing_updated"] = expect(c.patch(f"/v1/customers/{billing['id']}",
                                                json={"name": "Billing Renamed"}), 200)

        order_id = api["order_paid"]["id"]
        api["member_m"] = expect(c.post(f"/v1/customers/{billing['id']}/members",
                                        json={"email": s.emails["m"]}), 201)
        api["seat_m"] = assign(order_id=order_id, external_member_id="ext-m", email=s.emails["m"])
        expect(c.delete(f"/v1/customers/{billing['id']}/members/{api['member_m']['id']}"), 204)

        api["seat_d"] = assign(order_id=order_id, email=s.emails["d"])
        api["customer_d"] = api["seat_d"]["customer_id"]
        expect(c.delete(f"/v1/customers/{api['customer_d']}"), 204)

        api["sub_revoked"] = expect(c.delete(f"/v1/subscriptions/{sub_id}"), 200)
        api["sub_seats_after"] = expect(c.get("/v1/customer-seats",
                                              params={"subscription_id": sub_id}), 200)

        def complete(ds: list[Delivery]) -> bool:
            got = Counter(d.type for d in ds)
            return all(got[t] >= n for t, n in EXPECTED.items())

        try:
            rx.wait_until(complete, timeout=15, what="every event of the story")
        finally:
            time.sleep(0.5)  # room for anything sent twice or unexpected to show up
            s.deliveries = rx.deliveries()
        yield s


def test_every_delivery_passes_polar_sdk_validate_event(story):
    assert story.deliveries
    for d in story.deliveries:
        try:
            payload = verify(d, story.secret)
        except Exception as e:  # noqa: BLE001 - reported with the event
            raise AssertionError(f"validate_event refused {d.type} ({d.webhook_id}): "
                                 f"{type(e).__name__}: {e}\nbody: {d.body[:2000]!r}") from e
        assert payload.TYPE == d.type


def test_every_event_type_arrives(story):
    assert {d.type for d in story.deliveries} == set(ALL_EVENTS)


def test_each_change_sends_its_events_once(story):
    assert Counter(d.type for d in story.deliveries) == EXPECTED


def test_webhook_ids_are_unique_per_event(story):
    ids = [d.webhook_id for d in story.deliveries]
    assert all(ids), "a delivery without webhook-id"
    assert len(ids) == len(set(ids)), Counter(i for i in ids if ids.count(i) > 1)


def test_body_is_type_timestamp_and_data(story):
    for d in story.deliveries:
        body = d.json()
        assert set(body) == {"type", "timestamp", "data"}, body.keys()
        assert d.headers.get("content-type", "").startswith("application/json")


def test_events_arrive_in_order_of_creation(story):
    stamps = [datetime.fromisoformat(d.json()["timestamp"]) for d in story.deliveries]
    assert stamps == sorted(stamps)


def test_events_of_one_change_arrive_in_the_order_they_were_made(story):
    order = [(d.type, d.data.get("email") or d.data.get("customer_email") or d.data["id"])
             for d in story.deliveries]

    def at(type_: str, key: str) -> int:
        return order.index((type_, key))

    e, sub = story.emails, story.api["subscription"]["id"]
    assert at("customer.created", e["a"]) < at("member.created", e["a"]) < at("customer_seat.assigned", e["a"])
    assert at("customer_seat.assigned", e["a"]) < at("customer_seat.claimed", e["a"]) \
        < at("customer_seat.revoked", e["a"])
    assert at("customer_seat.revoked", e["m"]) < at("member.deleted", e["m"])
    assert at("customer_seat.revoked", e["d"]) < at("customer.deleted", e["d"])
    assert at("order.created", story.api["order_paid"]["id"]) < at("order.paid", story.api["order_paid"]["id"])
    last_update = len(order) - 1 - order[::-1].index(("subscription.updated", sub))
    assert at("customer_seat.revoked", e["b"]) < last_update < at("subscription.revoked", sub)
    assert at("subscription.canceled", sub) < last_update


def test_immediate_claim_sends_claimed_and_no_assigned(story):
    seat_b = story.api["seat_b"]
    assert seat_b["status"] == "claimed"
    assert seat_b["id"] in [d["id"] for d in story.data("customer_seat.claimed")]
    assert all(d["customer_email"] != story.emails["b"] for d in story.data("customer_seat.assigned"))
    story.assert_sent("customer_seat.claimed", seat_b)


def test_assigned_event_data_is_the_assign_response(story):
    for who in "acd":
        story.assert_sent("customer_seat.assigned", story.api[f"seat_{who}"])


def test_claimed_event_data_is_the_claimed_seat(story):
    story.assert_sent("customer_seat.claimed", story.api["claim_a"]["seat"])


def test_revoked_event_data_is_the_revoke_response(story):
    story.assert_sent("customer_seat.revoked", story.api["revoke_c"])


def test_subscription_revoke_sends_one_revoked_event_per_seat_naming_the_holder(story):
    listed = {s["id"]: s for s in story.api["sub_seats_after"]["seats"]}
    for who in "ab":
        seat_id = story.api[f"seat_{who}"]["id"]
        events = [d for d in story.data("customer_seat.revoked") if d["id"] == seat_id]
        assert len(events) == 1, f"seat {who}: {len(events)} revoked events"
        data = events[0]
        assert data["status"] == "revoked" and data["revoked_at"]
        assert data["customer_email"] == story.emails[who]
        assert data["member"] == story.api[f"seat_{who}"]["member"]
        # The listing no longer names the holder of a revoked seat; the event does.
        holder = ("customer_email", "member")
        rest = {k: v for k, v in data.items() if k not in holder}
        listed_rest = {k: v for k, v in listed[seat_id].items() if k not in holder}
        assert rest == listed_rest, diff(rest, listed_rest)


def _revoked_by_delete(story, who: str) -> dict:
    seat = story.api[f"seat_{who}"]
    events = [d for d in story.data("customer_seat.revoked") if d["customer_email"] == story.emails[who]]
    assert len(events) == 1, f"{len(events)} revoked events for {who}'s seat"
    data = events[0]
    assert data["id"] == seat["id"]
    assert data["status"] == "revoked" and data["revoked_at"]
    assert data["member"] and data["member"]["email"] == story.emails[who]
    assert data["member"]["id"] == seat["member_id"]
    # What a revocation changes; the rest is as the assignment answered.
    changed = ("status", "revoked_at", "modified_at", "member", "customer_id", "member_id")
    unchanged = {k: v for k, v in seat.items() if k not in changed}
    assert {k: data.get(k) for k in unchanged} == unchanged, diff(
        {k: data.get(k) for k in unchanged}, unchanged)
    return data


def test_member_delete_revokes_the_members_seat_with_an_event(story):
    _revoked_by_delete(story, "m")


def test_customer_delete_revokes_the_customers_seat_with_an_event(story):
    _revoked_by_delete(story, "d")


def test_subscription_event_data_is_the_api_json(story):
    api = story.api
    story.assert_sent("subscription.created", api["subscription"])
    story.assert_sent("subscription.updated", api["sub_seats_4"])
    story.assert_sent("subscription.updated", api["sub_cancel"])
    story.assert_sent("subscription.canceled", api["sub_cancel"])
    story.assert_sent("subscription.updated", api["sub_revoked"])
    story.assert_sent("subscription.revoked", api["sub_revoked"])
    assert api["sub_revoked"]["status"] == "canceled"


def test_order_event_data_is_the_api_json(story):
    api = story.api
    story.assert_sent("order.created", api["order_paid"])
    story.assert_sent("order.paid", api["order_paid"])
    story.assert_sent("order.created", api["order_pending"])
    story.assert_sent("order.paid", api["order_paid_later"])
    assert api["order_pending"]["status"] == "pending"


def test_customer_event_data_is_the_api_json(story):
    api = story.api
    story.assert_sent("customer.created", api["billing"])
    story.assert_sent("customer.updated", api["billing_updated"])
    holders = {d["email"]: d for d in story.data("customer.created")}
    for who in "abcmd":
        assert story.emails[who] in holders, f"no customer.created for holder {who}"
    deleted = story.data("customer.deleted")
    assert [d["id"] for d in deleted] == [api["customer_d"]]
    assert deleted[0]["email"] == story.emails["d"]
    assert deleted[0].get("deleted_at"), deleted[0]


def test_member_event_data_is_the_api_json(story):
    api = story.api
    story.assert_sent("member.created", api["member_m"])
    updated = story.data("member.updated")
    assert [(u["id"], u["external_id"]) for u in updated] == [(api["member_m"]["id"], "ext-m")]
    assert api["seat_m"]["member_id"] == api["member_m"]["id"]
    deleted = story.data("member.deleted")
    assert [d["id"] for d in deleted] == [api["member_m"]["id"]]
    assert deleted[0]["email"] == story.emails["m"]
    for who in "abcd":
        seat_member = story.api[f"seat_{who}"]["member"]
        story.assert_sent("member.created", seat_member)


def test_tampered_body_is_rejected(story):
    d = next(x for x in story.deliveries if x.type == "customer_seat.assigned")
    tampered = d.body.replace(story.emails["a"].encode(), b"mallory@example.com")
    if tampered == d.body:
        tampered = d.body.replace(b'"pending"', b'"claimed"')
    assert tampered != d.body
    with pytest.raises(WebhookVerificationError):
        validate_event(tampered, d.headers, story.secret)


def test_wrong_secret_is_rejected(story):
    d = story.deliveries[0]
    with pytest.raises(WebhookVerificationError):
        validate_event(d.body, d.headers, story.secret + "x")
    with pytest.raises(WebhookVerificationError):
        validate_event(d.body, d.headers, new_secret())


def test_signature_is_over_id_timestamp_and_body(story):
    """A signature moved to another event id or timestamp no longer verifies."""
    d = story.deliveries[0]
    with pytest.raises(WebhookVerificationError):
        validate_event(d.body, {**d.headers, "webhook-id": str(uuid.uuid4())}, story.secret)
    moved = str(int(d.headers["webhook-timestamp"]) + 1)
    with pytest.raises(WebhookVerificationError):
        validate_event(d.body, {**d.headers, "webhook-timestamp": moved}, story.secret)


# --------------------------------------------------------------------------
# The endpoints API
# --------------------------------------------------------------------------


def test_create_endpoint_returns_polar_webhook_endpoint(client, org, receiver):
    secret = new_secret()
    ep = create_endpoint(client, receiver.url, events=["customer.created", "customer_seat.assigned"],
                         secret=secret, name="My app")
    parsed = models.WebhookEndpoint.model_validate(ep)
    assert parsed.url == receiver.url
    assert parsed.format_ == models.WebhookFormat.RAW
    assert parsed.secret == secret
    assert parsed.organization_id == org.id
    assert [e.value for e in parsed.events] == ["customer.created", "customer_seat.assigned"]
    assert parsed.enabled is True
    assert ep["name"] == "My app"
    assert ep["disabled_reason"] is None
    uuid.UUID(ep["id"])


def test_create_without_secret_generates_one_that_signs(client, receiver):
    ep = create_endpoint(client, receiver.url, events=["customer.created"])
    assert len(ep["secret"]) >= 32
    create_customer(client)
    (d,) = receiver.wait_for_count(1, DELIVERY_TIMEOUT_S)
    assert verify(d, ep["secret"]).TYPE == "customer.created"


def test_non_ascii_payload_is_signed_over_its_utf8_bytes(client, receiver):
    ep = create_endpoint(client, receiver.url, events=["customer.created"])
    name = "Zoë Ørsted-Łukasz 🚀 \"quoted\" </script>"
    customer = create_customer(client, unique_email("utf8"), name=name)
    (d,) = receiver.wait_for_count(1, DELIVERY_TIMEOUT_S)
    payload = verify(d, ep["secret"])
    assert payload.data.name == name
    assert d.data == customer


def test_list_and_get_endpoints(client, receiver):
    created = [create_endpoint(client, receiver.url + f"/{i}", events=["customer.created"])
               for i in range(3)]
    page1 = expect(client.get("/v1/webhooks/endpoints", params={"limit": 2}), 200)
    page2 = expect(client.get("/v1/webhooks/endpoints", params={"limit": 2, "page": 2}), 200)
    for page in (page1, page2):
        models.ListResourceWebhookEndpoint.model_validate(page)
    assert page1["pagination"] == {"total_count": 3, "max_page": 2}
    assert [e["id"] for e in page1["items"] + page2["items"]] == [e["id"] for e in created]
    one = expect(client.get(f"/v1/webhooks/endpoints/{created[1]['id']}"), 200)
    assert one == created[1]


def test_patch_endpoint_changes_url_name_events_and_enabled(client, receiver):
    ep = create_endpoint(client, receiver.url, events=["customer.created"], name="before")
    patched = expect(client.patch(f"/v1/webhooks/endpoints/{ep['id']}", json={
        "url": receiver.url + "/v2", "name": "after",
        "events": ["customer.updated", "customer.deleted"], "enabled": False}), 200)
    models.WebhookEndpoint.model_validate(patched)
    assert patched["url"] == receiver.url + "/v2"
    assert patched["name"] == "after"
    assert patched["events"] == ["customer.updated", "customer.deleted"]
    assert patched["enabled"] is False
    assert patched["secret"] == ep["secret"]
    assert patched["modified_at"] is not None
    assert expect(client.get(f"/v1/webhooks/endpoints/{ep['id']}"), 200) == patched


def test_endpoint_receives_only_its_event_types(client, receiver):
    create_endpoint(client, receiver.url, events=["customer.updated"])
    customer = create_customer(client)  # customer.created: not wanted
    expect(client.patch(f"/v1/customers/{customer['id']}", json={"name": "New name"}), 200)
    receiver.wait_for_count(1, DELIVERY_TIMEOUT_S)
    time.sleep(QUIET_S)
    assert [d.type for d in receiver.deliveries()] == ["customer.updated"]


def test_disabled_endpoint_receives_nothing(client, receiver):
    ep = create_endpoint(client, receiver.url, events=["customer.created"])
    expect(client.patch(f"/v1/webhooks/endpoints/{ep['id']}", json={"enabled": False}), 200)
    create_customer(client)
    time.sleep(QUIET_S)
    assert receiver.deliveries() == []


def test_delete_endpoint(client, receiver):
    ep = create_endpoint(client, receiver.url, events=["customer.created"])
    expect(client.delete(f"/v1/webhooks/endpoints/{ep['id']}"), 204)
    expect(client.get(f"/v1/webhooks/endpoints/{ep['id']}"), 404)
    expect(client.delete(f"/v1/webhooks/endpoints/{ep['id']}"), 404)
    listed = expect(client.get("/v1/webhooks/endpoints"), 200)
    assert ep["id"] not in [e["id"] for e in listed["items"]]
    create_customer(client)
    time.sleep(QUIET_S)
    assert receiver.deliveries() == []


def test_rotated_secret_signs_new_events_and_old_secret_no_longer_validates(client, receiver):
    old = new_secret()
    ep = create_endpoint(client, receiver.url, events=["customer.created"], secret=old)
    create_customer(client)
    (first,) = receiver.wait_for_count(1, DELIVERY_TIMEOUT_S)
    verify(first, old)

    rotated = expect(client.patch(f"/v1/webhooks/endpoints/{ep['id']}/secret"), 200)
    models.WebhookEndpoint.model_validate(rotated)
    new = rotated["secret"]
    assert new and new != old
    assert expect(client.get(f"/v1/webhooks/endpoints/{ep['id']}"), 200)["secret"] == new

    create_customer(client)
    second = receiver.wait_for_count(2, DELIVERY_TIMEOUT_S)[1]
    assert verify(second, new).TYPE == "customer.created"
    with pytest.raises(WebhookVerificationError):
        verify(second, old)


@pytest.mark.parametrize("url", ["not a url", "ftp://example.com/hook", "http://", "/relative/path", ""])
def test_invalid_url_is_422(client, url):
    locs = validation_locs(client.post("/v1/webhooks/endpoints", json={
        "url": url, "format": "raw", "events": ["customer.created"]}))
    assert any("url" in loc for loc in locs), locs


# --------------------------------------------------------------------------
# Request forgery: endpoints cannot point at this machine or private networks
# --------------------------------------------------------------------------

# Every form the server must refuse unless the operator allows private networks.
FORBIDDEN_URLS = [
    "http://127.0.0.1:8080/hooks", "http://localhost/hooks", "http://api.localhost/x",
    "http://0x7f000001/x", "http://2130706433/x", "http://0177.0.0.1/x", "http://127.1/x",
    "http://user:pw@127.0.0.1/x", "http://user:pw@example.com/x",
    "http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/", "http://172.16.0.1/",
    "http://192.168.0.1/", "http://100.64.0.1/", "http://224.0.0.1/", "http://0.0.0.0/",
    "http://240.0.0.1/", "http://255.255.255.255/", "http://192.0.0.1/", "http://192.0.2.1/",
    "http://198.18.0.1/", "http://198.51.100.1/", "http://203.0.113.1/", "http://[::1]/",
    "http://[::]/", "http://[fc00::1]/", "http://[fe80::1]/", "http://[ff02::1]/",
    "http://[::ffff:127.0.0.1]/", "http://[64:ff9b::a9fe:a9fe]/", "http://[2001:db8::1]/",
]

# Refused even when private networks are allowed: no resolver reads them the same way twice.
MALFORMED_HOST_URLS = [
    "http://0x7f000001/x", "http://2130706433/x", "http://0177.0.0.1/x", "http://127.1/x",
    "http://user:pw@127.0.0.1/x", "http://[fe80::1%25eth0]/",
]


def _start(database_url: str, folder, allow_private: bool):
    # test_crash_recovery's server process: our own `tessera serve`, with or without
    # --webhook-allow-private (the shared `server` fixture always allows it).
    from test_crash_recovery import ServerProcess

    mail_dir = folder / "mail"
    mail_dir.mkdir(exist_ok=True)
    admin_token = "webhooks-admin-" + secrets.token_urlsafe(24)
    process = ServerProcess(database_url, mail_dir, folder / "server.log", admin_token,
                            allow_private_webhooks=allow_private)
    return process, Server(process.base_url, admin_token, mail_dir, folder / "server.log", "sqlite")


@pytest.fixture(scope="module")
def strict_client(tmp_path_factory):
    """An organization's client on a server with the default policy (SQLite: the
    rules do not depend on the database)."""
    folder = tmp_path_factory.mktemp("webhooks-strict")
    process, strict = _start(str(folder / "tessera.sqlite"), folder, allow_private=False)
    try:
        org = strict.create_org()
        with strict.http(org.token) as c:
            yield c
    finally:
        process.stop()


@pytest.mark.parametrize("url", FORBIDDEN_URLS)
def test_private_and_local_targets_are_422_on_create_and_patch(strict_client, url):
    res = strict_client.post("/v1/webhooks/endpoints", json={
        "url": url, "format": "raw", "events": ["customer.created"]})
    assert ["body", "url"] in validation_locs(res), res.text
    (item,) = [d for d in res.json()["detail"] if d["loc"] == ["body", "url"]]
    assert item["input"] == url and item["msg"], item

    ep = create_endpoint(strict_client, "https://hooks.example.com/tessera", events=["customer.created"])
    res = strict_client.patch(f"/v1/webhooks/endpoints/{ep['id']}", json={"url": url})
    assert ["body", "url"] in validation_locs(res), res.text
    assert expect(strict_client.get(f"/v1/webhooks/endpoints/{ep['id']}"), 200)["url"] \
        == "https://hooks.example.com/tessera"


@pytest.mark.parametrize("url", MALFORMED_HOST_URLS)
def test_numeric_host_tricks_and_user_info_are_422_even_when_private_is_allowed(client, url):
    locs = validation_locs(client.post("/v1/webhooks/endpoints", json={
        "url": url, "format": "raw", "events": ["customer.created"]}))
    assert ["body", "url"] in locs, locs


def test_an_endpoint_allowed_once_is_not_sent_to_after_private_is_turned_off(tmp_path, receiver):
    """Endpoints made under --webhook-allow-private stay in the database; a server
    without it refuses each attempt before connecting (localhost by name, 127.0.0.1
    by address), records why, and the receiver hears nothing."""
    database_url = str(tmp_path / "tessera.sqlite")
    port = receiver.url.split(":")[2].split("/")[0]
    by_name = f"http://localhost:{port}/hooks/tessera"
    lenient, server = _start(database_url, tmp_path, allow_private=True)
    try:
        org = server.create_org()
        with server.http(org.token) as c:
            endpoints = [create_endpoint(c, url, events=["customer.created"])
                         for url in (by_name, receiver.url)]
    finally:
        lenient.stop()

    strict, server = _start(database_url, tmp_path, allow_private=False)
    try:
        with server.http(org.token) as c:
            create_customer(c)
            for ep in endpoints:
                (attempt,) = attempts_of(c, ep["id"], 1)["items"]
                assert attempt["succeeded"] is False, attempt
                assert attempt["http_code"] is None and attempt["response"] is None, attempt
                assert attempt["error"].startswith("Not sent: "), attempt
            assert receiver.deliveries() == []
    finally:
        strict.stop()


def test_invalid_url_in_patch_is_422(client, receiver):
    ep = create_endpoint(client, receiver.url, events=["customer.created"])
    locs = validation_locs(client.patch(f"/v1/webhooks/endpoints/{ep['id']}", json={"url": "nope"}))
    assert any("url" in loc for loc in locs), locs


def test_unknown_event_in_patch_is_422(client, receiver):
    ep = create_endpoint(client, receiver.url, events=["customer.created"])
    locs = validation_locs(client.patch(f"/v1/webhooks/endpoints/{ep['id']}",
                                        json={"events": ["order.refunded"]}))
    assert any("events" in loc for loc in locs), locs


def test_unknown_event_is_422(client, receiver):
    locs = validation_locs(client.post("/v1/webhooks/endpoints", json={
        "url": receiver.url, "format": "raw", "events": ["customer.created", "customer_seat.exploded"]}))
    assert any("events" in loc for loc in locs), locs


def test_missing_events_is_422(client, receiver):
    locs = validation_locs(client.post("/v1/webhooks/endpoints", json={
        "url": receiver.url, "format": "raw"}))
    assert any("events" in loc for loc in locs), locs


def test_format_other_than_raw_is_422(client, receiver):
    locs = validation_locs(client.post("/v1/webhooks/endpoints", json={
        "url": receiver.url, "format": "slack", "events": ["customer.created"]}))
    assert any("format" in loc for loc in locs), locs


def test_secret_shorter_than_16_characters_is_422(client, receiver):
    locs = validation_locs(client.post("/v1/webhooks/endpoints", json={
        "url": receiver.url, "format": "raw", "events": ["customer.created"], "secret": "short"}))
    assert any("secret" in loc for loc in locs), locs


def test_endpoints_need_the_webhooks_scopes(server, org, receiver):
    with server.http(server.admin_token) as admin:
        tok = expect(admin.post("/v1/organization-access-tokens/", json={
            "organization_id": org.id, "comment": "no webhooks", "scopes": ["customers:read"]}), 201)
    with server.http(tok["token"]) as c:
        assert c.post("/v1/webhooks/endpoints", json={
            "url": receiver.url, "format": "raw", "events": ["customer.created"]}).status_code == 403
        assert c.get("/v1/webhooks/endpoints").status_code == 403
        assert c.get("/v1/webhooks/deliveries").status_code == 403


def test_another_organizations_endpoint_is_404(client, other_org, receiver):
    with other_org.server.http(other_org.token) as theirs:
        ep = create_endpoint(theirs, receiver.url, events=["customer.created"])
    expect(client.get(f"/v1/webhooks/endpoints/{ep['id']}"), 404)
    expect(client.patch(f"/v1/webhooks/endpoints/{ep['id']}", json={"name": "x"}), 404)
    expect(client.patch(f"/v1/webhooks/endpoints/{ep['id']}/secret"), 404)
    expect(client.delete(f"/v1/webhooks/endpoints/{ep['id']}"), 404)
    assert ep["id"] not in [e["id"] for e in expect(client.get("/v1/webhooks/endpoints"), 200)["items"]]


# --------------------------------------------------------------------------
# Deliveries and redelivery
# --------------------------------------------------------------------------


def test_deliveries_list_the_attempts_of_the_endpoint(client, receiver):
    ep = create_endpoint(client, receiver.url, events=["customer.created"])
    other = create_endpoint(client, receiver.url + "/other", events=["customer.created"])
    create_customer(client)
    ds = receiver.wait_for_count(2, DELIVERY_TIMEOUT_S)
    mine = next(d for d in ds if d.path.endswith("/tessera"))

    listed = attempts_of(client, ep["id"], 1)
    models.ListResourceWebhookDelivery.model_validate(listed)
    assert listed["pagination"]["total_count"] == 1
    (attempt,) = listed["items"]
    assert attempt["endpoint_id"] == ep["id"]
    assert attempt["succeeded"] is True
    assert attempt["http_code"] == 200
    assert attempt["response"] == "ok"
    assert attempt["error"] is None
    assert isinstance(attempt["duration_ms"], int) and attempt["duration_ms"] >= 0
    event = attempt["webhook_event"]
    assert event["id"] == mine.webhook_id
    assert event["type"] == "customer.created"
    assert json.loads(event["payload"]) == mine.json()

    attempts_of(client, other["id"], 1)
    both = expect(client.get("/v1/webhooks/deliveries"), 200)
    assert {a["endpoint_id"] for a in both["items"]} == {ep["id"], other["id"]}


def test_redeliver_sends_the_same_webhook_id_again(client, receiver):
    ep = create_endpoint(client, receiver.url, events=["customer.created"])
    create_customer(client)
    (first,) = receiver.wait_for_count(1, DELIVERY_TIMEOUT_S)
    res = client.post(f"/v1/webhooks/events/{first.webhook_id}/redeliver")
    assert res.status_code == 202, res.text
    second = receiver.wait_for_count(2, DELIVERY_TIMEOUT_S)[1]
    assert second.webhook_id == first.webhook_id
    assert second.body == first.body
    verify(second, ep["secret"])
    listed = attempts_of(client, ep["id"], 2)
    assert [a["webhook_event"]["id"] for a in listed["items"]] == [first.webhook_id] * 2


def test_redeliver_unknown_event_is_404(client):
    assert client.post(f"/v1/webhooks/events/{uuid.uuid4()}/redeliver").status_code == 404


def test_redeliver_another_organizations_event_is_404(client, other_org, receiver):
    with other_org.server.http(other_org.token) as theirs:
        create_endpoint(theirs, receiver.url, events=["customer.created"])
        create_customer(theirs)
    (d,) = receiver.wait_for_count(1, DELIVERY_TIMEOUT_S)
    assert client.post(f"/v1/webhooks/events/{d.webhook_id}/redeliver").status_code == 404


def test_failed_delivery_is_retried_with_the_same_webhook_id(client, receiver):
    # The one slow test of this file: the server's first retry comes about 10 s
    # (±20 % jitter) after a failed attempt, so this waits up to 20 s for it.
    seen: set[str] = set()

    def fail_first_time(d: Delivery) -> int:
        if d.webhook_id in seen:
            return 200
        seen.add(d.webhook_id)
        return 500

    receiver.status = fail_first_time
    ep = create_endpoint(client, receiver.url, events=["customer.created"])
    create_customer(client)
    first, retry = receiver.wait_for_count(2, 20.0)[:2]
    assert (first.answered, retry.answered) == (500, 200)
    assert retry.webhook_id == first.webhook_id
    assert retry.body == first.body
    assert 7.5 <= retry.received_at - first.received_at <= 13.0, retry.received_at - first.received_at
    verify(retry, ep["secret"])

    listed = attempts_of(client, ep["id"], 2)
    attempts = sorted(listed["items"], key=lambda a: a["created_at"])
    assert [(a["succeeded"], a["http_code"]) for a in attempts] == [(False, 500), (True, 200)], listed
    assert attempts[0]["error"]
    assert {a["webhook_event"]["id"] for a in attempts} == {first.webhook_id}
