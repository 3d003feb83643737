"""Hostile input (issue 8): what an attacker sends, on SQLite and on PostgreSQL.

Bodies nested 10,000 deep, duplicate keys, every JSON type in every field of every write
route, integer extremes in every numeric field and query parameter, NUL and lone
surrogates in strings, query parameters and path segments, 1 MiB + 1 bodies, 100 KB
heads, slow heads, idle keep-alive connections and 2,000 idle sockets.

After each group: no answer was a 5xx, no connection closed without an answer (except
those the server's time-outs close and those refused at its connection limit), the
process is alive and `/healthz` answers within a second.

The servers are this module's own (`hostile.TesseraProcess`): the fixture `server` below
overrides the suite's shared one, because a defect found here may kill the process (the
next test then gets it restarted), and the connection tests need time-out and limit
options (`--request-timeout`, `--idle-timeout`, `--max-connections`). Each runs with a
known file limit (RLIMIT_NOFILE) and with `--rate-limit off`: the probes send thousands of
requests with one token from one address, and the rate limits have tests of their own.
On PostgreSQL they share a fresh database made next to TESSERA_TEST_POSTGRES_URL's.
Loopback only; every loop is bounded in count and time. TESSERA_HOSTILE_PROMPT_S (default
30 s) is how long a refused hostile body may take: long enough for a loaded machine, far
shorter than work that grows faster than the body.
"""

from __future__ import annotations

import os
import resource
import secrets
import socket
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional, Sequence

import pytest

from hostile import (
    Answer, Client, Findings, NoAnswer, Pairs, Raw, TesseraProcess, TimedOut, connect, dumps,
    duplicate_key, fresh_postgres_database, head_timeout_args, healthz, idle_timeout_args,
    if_supported, max_connections_args, nested_arrays, nested_objects, pg_tool, raise_own_nofile,
    read_answer, request_head, set_path, socket_state, validation_locs, validation_types, wait_closed,
)
from support import ALL_SCOPES, unique_email, unique_slug

#: How long a refused hostile body may take to be answered. Generous on purpose: it catches
#: work that grows faster than the body (quadratic parsing takes minutes on these bodies), not a
#: slow or shared machine (2 s failed with compilers sharing the two cores). Speed is measured by
#: scripts/bench-json, not here.
PROMPT_S = float(os.environ.get("TESSERA_HOSTILE_PROMPT_S", "30.0"))
#: The file limit every server of this module runs with (soft = hard).
SERVER_NOFILE = 4096
MiB = 1 << 20


def _backends() -> list[str]:
    return ["sqlite"] + (["postgres"] if os.environ.get("TESSERA_TEST_POSTGRES_URL") else [])


# --------------------------------------------------------------------------
# Servers and the objects the probes need
# --------------------------------------------------------------------------


@dataclass
class Backend:
    name: str
    workdir: Path
    postgres_url: Optional[str] = None

    def database_url(self, tag: str) -> str:
        """PostgreSQL: the module's one database (processes may share it).
        SQLite: one file per process, so no two processes write one file."""
        return self.postgres_url or str(self.workdir / f"{tag}.sqlite")

    def spawn(self, tag: str, extra_args: Sequence[str] = (), nofile=SERVER_NOFILE) -> TesseraProcess:
        return TesseraProcess(self.name, self.database_url(tag), self.workdir, extra_args=extra_args,
                              nofile=nofile, tag=tag)


@pytest.fixture(scope="module", params=_backends())
def backend(request, tmp_path_factory):
    name = request.param
    workdir = tmp_path_factory.mktemp(f"hostile-{name}")
    if name == "sqlite":
        yield Backend(name, workdir)
        return
    base = os.environ["TESSERA_TEST_POSTGRES_URL"]
    url, dbname = fresh_postgres_database(base, "hostile")
    try:
        yield Backend(name, workdir, postgres_url=url)
    finally:
        pg_tool("dropdb", base, "--if-exists", "--force", dbname)


@pytest.fixture(scope="module")
def server(backend):
    """The main server of this module (overrides conftest's shared `server`)."""
    proc = backend.spawn("main")
    try:
        yield proc
    finally:
        proc.stop()


@pytest.fixture(autouse=True)
def _restart_a_killed_server(request):
    """A test that kills the module's server fails on its own; the next one gets the
    server back (a test that does not use it does not start it)."""
    if "server" in request.fixturenames:
        request.getfixturevalue("server").restart_if_dead()


@pytest.fixture
def spawn(backend):
    """Starts extra servers for one test (with time-out and limit options); stops them after."""
    started: list[TesseraProcess] = []

    def start(tag: str, extra_args: Sequence[str] = (), nofile=SERVER_NOFILE) -> TesseraProcess:
        proc = backend.spawn(f"{tag}-{uuid.uuid4().hex[:6]}", extra_args, nofile)
        started.append(proc)
        return proc

    yield start
    for proc in started:
        proc.stop()


def _ok(answer: Answer, status: int, what: str) -> dict:
    assert answer.status == status, f"setup {what}: HTTP {answer.status}: {answer.text()}"
    return answer.json() if answer.body else {}


@dataclass
class World:
    """Objects that the probes point at. PATCH routes get targets of their own, so that
    what the probes change (an archived product, a cancelled subscription) does not
    change what other probes see."""

    admin: str
    token: str           # organization token, every scope
    session: str         # customer session of `customer`
    org_id: str
    org_slug: str
    patch_org_id: str
    token_id: str
    customer: dict
    member: dict
    patch_customer: dict
    product: dict
    product_once: dict
    patch_product: dict
    sub: dict
    patch_sub: dict
    portal_sub: dict
    order: dict
    patch_order: dict
    seat: dict
    endpoint: dict
    patch_endpoint: dict
    benefit: dict        # license_keys, on key_product
    patch_benefit: dict
    key: dict            # the license key of a claimed seat of key_product


SEAT_PRICE = {
    "amount_type": "seat_based",
    "price_currency": "usd",
    "seat_tiers": {"seat_tier_type": "volume",
                   "tiers": [{"min_seats": 1, "max_seats": None, "price_per_seat": 1000}]},
}
HOOK_URL = "http://127.0.0.1:9/hostile-hook"  # a closed loopback port


@pytest.fixture(scope="module")
def world(server) -> World:
    with server.client(server.admin_token) as op:
        org = _ok(op.request("POST", "/v1/organizations/", {
            "name": "Hostile Org", "slug": unique_slug("hostile"),
            "feature_settings": {"seat_based_pricing_enabled": True, "member_model_enabled": False}}),
            201, "organization")
        patch_org = _ok(op.request("POST", "/v1/organizations/", {
            "name": "Patched Org", "slug": unique_slug("patched")}), 201, "organization")
        tok = _ok(op.request("POST", "/v1/organization-access-tokens/", {
            "organization_id": org["id"], "comment": "hostile",
            "scopes": ALL_SCOPES + ["customer_sessions:write"]}), 201, "token")
        spare = _ok(op.request("POST", "/v1/organization-access-tokens/", {
            "organization_id": patch_org["id"], "comment": "spare", "scopes": ["customers:read"]}),
            201, "token")
    token = tok["token"]
    with server.client(token) as c:
        def post(path: str, body: dict, status: int = 201) -> dict:
            return _ok(c.request("POST", path, body), status, path)

        customer = post("/v1/customers/", {"email": unique_email("billing"), "name": "Billing",
                                            "external_id": f"ext-{uuid.uuid4().hex[:10]}"})
        patch_customer = post("/v1/customers/", {"email": unique_email("patched")})
        member = post(f"/v1/customers/{customer['id']}/members",
                      {"email": unique_email("member"), "external_id": f"mem-{uuid.uuid4().hex[:10]}"})
        product = post("/v1/products/", {"name": "Hostile plan", "recurring_interval": "month",
                                          "prices": [SEAT_PRICE]})
        product_once = post("/v1/products/", {"name": "Hostile pack", "recurring_interval": None,
                                               "prices": [SEAT_PRICE]})
        patch_product = post("/v1/products/", {"name": "Patched plan", "recurring_interval": "month",
                                                "prices": [SEAT_PRICE]})
        pool = {"product_id": product["id"], "customer_id": customer["id"]}
        sub = post("/v1/subscriptions/", {**pool, "seats": 2000})
        patch_sub = post("/v1/subscriptions/", {**pool, "seats": 10})
        portal_sub = post("/v1/subscriptions/", {**pool, "seats": 10})
        once = {"product_id": product_once["id"], "customer_id": customer["id"]}
        order = post("/v1/orders/", {**once, "seats": 50})
        patch_order = post("/v1/orders/", {**once, "seats": 5, "status": "pending"})
        seat = post("/v1/customer-seats", {"subscription_id": sub["id"], "email": unique_email("seat")}, 200)
        hook = {"url": HOOK_URL, "format": "raw", "events": ["order.paid"]}
        endpoint = post("/v1/webhooks/endpoints", hook)
        patch_endpoint = post("/v1/webhooks/endpoints", hook)
        session = post("/v1/customer-sessions", {"customer_id": customer["id"]})
        benefit = post("/v1/benefits/", {"type": "license_keys", "description": "Hostile keys",
                                         "properties": {"activations": {"limit": 5, "enable_customer_admin": True}}})
        patch_benefit = post("/v1/benefits/", {"type": "custom", "description": "Patched benefit",
                                               "properties": {"note": "n"}})
        key_product = post("/v1/products/", {"name": "Keyed plan", "recurring_interval": "month",
                                              "prices": [SEAT_PRICE]})
        post(f"/v1/products/{key_product['id']}/benefits", {"benefits": [benefit["id"]]}, 200)
        key_sub = post("/v1/subscriptions/", {"product_id": key_product["id"], "customer_id": customer["id"],
                                              "seats": 1})
        post("/v1/customer-seats", {"subscription_id": key_sub["id"], "email": unique_email("keyholder"),
                                    "immediate_claim": True}, 200)
        key = _ok(c.request("GET", f"/v1/license-keys/?benefit_id={benefit['id']}", None), 200,
                  "license keys")["items"][0]
    return World(admin=server.admin_token, token=token, session=session["token"], org_id=org["id"],
                 org_slug=org["slug"], patch_org_id=patch_org["id"],
                 token_id=spare["organization_access_token"]["id"], customer=customer, member=member,
                 patch_customer=patch_customer, product=product, product_once=product_once,
                 patch_product=patch_product, sub=sub, patch_sub=patch_sub, portal_sub=portal_sub,
                 order=order, patch_order=patch_order, seat=seat, endpoint=endpoint,
                 patch_endpoint=patch_endpoint, benefit=benefit, patch_benefit=patch_benefit, key=key)


# --------------------------------------------------------------------------
# The write routes and their fields
# --------------------------------------------------------------------------

Path_ = tuple  # a field's path in the body: keys and list indexes


@dataclass
class Route:
    name: str
    method: str
    path: str
    token: Optional[str]                  # None: no credentials (the claim route)
    base: Callable[[], dict]              # a fresh valid body (unique emails, slugs)
    fields: list = field(default_factory=list)    # every field path, for the type probes
    strings: list = field(default_factory=list)   # paths holding text
    numbers: list = field(default_factory=list)   # paths holding bounded integers
    free_numbers: list = field(default_factory=list)  # numbers without bounds (metadata values)

    def label(self, path: Path_) -> str:
        out = ""
        for part in path:
            out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
        return out


SEAT_ASSIGN_FIELDS = ["subscription_id", "order_id", "checkout_id", "email", "customer_id",
                      "external_customer_id", "member_id", "external_member_id", "metadata",
                      "immediate_claim", "send_invitation", "expires_at"]
SEAT_ASSIGN_STRINGS = ["subscription_id", "order_id", "checkout_id", "email", "customer_id",
                       "external_customer_id", "member_id", "external_member_id", "expires_at"]
#: What a transfer reads: an assignment's recipient and options, without the pool.
SEAT_TRANSFER_FIELDS = [f for f in SEAT_ASSIGN_FIELDS if f not in ("subscription_id", "order_id", "checkout_id")]
SEAT_TRANSFER_STRINGS = [f for f in SEAT_ASSIGN_STRINGS if f not in ("subscription_id", "order_id", "checkout_id")]
TIER = ("prices", 0, "seat_tiers", "tiers", 0)


def _p(*names) -> list:
    return [(n,) if isinstance(n, str) else n for n in names]


def write_routes(w: World) -> list[Route]:
    """Every route that reads a JSON body, with a valid body and its fields."""
    ext = lambda tag: f"{tag}-{uuid.uuid4().hex[:12]}"  # noqa: E731
    product_fields = _p("name", "description", "recurring_interval", "metadata", ("metadata", "k"),
                        "prices", ("prices", 0), ("prices", 0, "amount_type"), ("prices", 0, "price_currency"),
                        ("prices", 0, "seat_tiers"), ("prices", 0, "seat_tiers", "seat_tier_type"),
                        ("prices", 0, "seat_tiers", "tiers"), TIER, TIER + ("min_seats",),
                        TIER + ("max_seats",), TIER + ("price_per_seat",))
    product_strings = _p("name", "description", "recurring_interval", ("metadata", "k"),
                         ("prices", 0, "amount_type"), ("prices", 0, "price_currency"),
                         ("prices", 0, "seat_tiers", "seat_tier_type"))
    tier_numbers = [TIER + ("min_seats",), TIER + ("max_seats",), TIER + ("price_per_seat",)]
    seat_base = lambda: {"subscription_id": w.sub["id"], "email": unique_email("fuzz")}  # noqa: E731
    pool = lambda product: {"product_id": product["id"], "customer_id": w.customer["id"],  # noqa: E731
                            "seats": 2, "metadata": {"k": "v", "n": 1}}
    pool_fields = _p("product_id", "customer_id", "external_customer_id", "seats", "metadata",
                     ("metadata", "k"), ("metadata", "n"))
    pool_strings = _p("product_id", "customer_id", "external_customer_id", ("metadata", "k"))
    return [
        # Operator routes
        Route("create organization", "POST", "/v1/organizations/", w.admin,
              lambda: {"name": "Fuzzed org", "slug": unique_slug("fuzz"),
                       "feature_settings": {"seat_based_pricing_enabled": True, "member_model_enabled": False}},
              fields=_p("name", "slug", "feature_settings", ("feature_settings", "seat_based_pricing_enabled"),
                        ("feature_settings", "member_model_enabled"),
                        ("feature_settings", "seat_invitation_emails_enabled")),
              strings=_p("name", "slug")),
        Route("update organization", "PATCH", f"/v1/organizations/{w.patch_org_id}", w.admin,
              lambda: {"name": "Renamed org"},
              fields=_p("name", "slug", "feature_settings", ("feature_settings", "seat_based_pricing_enabled"),
                        ("feature_settings", "member_model_enabled")),
              strings=_p("name", "slug")),
        Route("create organization token", "POST", "/v1/organization-access-tokens/", w.admin,
              lambda: {"organization_id": w.patch_org_id, "comment": "fuzz", "scopes": ["customers:read"],
                       "expires_in": 3600},
              fields=_p("organization_id", "comment", "scopes", ("scopes", 0), "expires_in"),
              strings=_p("organization_id", "comment", ("scopes", 0)), numbers=_p("expires_in")),
        # Customers and members
        Route("create customer", "POST", "/v1/customers/", w.token,
              lambda: {"email": unique_email("cust"), "name": "Fuzz", "external_id": ext("cust"),
                       "metadata": {"k": "v", "n": 1}},
              fields=_p("email", "name", "external_id", "metadata", ("metadata", "k"), ("metadata", "n")),
              strings=_p("email", "name", "external_id", ("metadata", "k")), free_numbers=_p(("metadata", "n"))),
        Route("update customer", "PATCH", f"/v1/customers/{w.patch_customer['id']}", w.token,
              lambda: {"name": "Fuzz again"},
              fields=_p("email", "name", "external_id", "metadata", ("metadata", "k")),
              strings=_p("email", "name", "external_id", ("metadata", "k"))),
        Route("create member", "POST", f"/v1/customers/{w.customer['id']}/members", w.token,
              lambda: {"email": unique_email("mem"), "name": "Member", "external_id": ext("mem"), "role": "member"},
              fields=_p("email", "name", "external_id", "role"),
              strings=_p("email", "name", "external_id", "role")),
        # Products
        Route("create product (seat-based)", "POST", "/v1/products/", w.token,
              lambda: {"name": "Fuzz plan", "description": "d", "recurring_interval": "month",
                       "metadata": {"k": "v"}, "prices": [SEAT_PRICE]},
              fields=product_fields, strings=product_strings, numbers=tier_numbers),
        Route("create product (fixed)", "POST", "/v1/products/", w.token,
              lambda: {"name": "Fuzz fixed", "recurring_interval": None,
                       "prices": [{"amount_type": "fixed", "price_currency": "usd", "price_amount": 500}]},
              fields=_p(("prices", 0, "price_amount")), strings=[], numbers=_p(("prices", 0, "price_amount"))),
        Route("update product", "PATCH", f"/v1/products/{w.patch_product['id']}", w.token,
              lambda: {"name": "Fuzz plan 2", "prices": [SEAT_PRICE]},
              fields=product_fields + _p("is_archived"), strings=product_strings, numbers=tier_numbers),
        # Pools
        Route("create subscription", "POST", "/v1/subscriptions/", w.token, lambda: pool(w.product),
              fields=pool_fields, strings=pool_strings, numbers=_p("seats"), free_numbers=_p(("metadata", "n"))),
        Route("update subscription", "PATCH", f"/v1/subscriptions/{w.patch_sub['id']}", w.token,
              lambda: {"seats": 3},
              fields=_p("seats", "proration_behavior", "cancel_at_period_end"),
              strings=_p("proration_behavior"), numbers=_p("seats")),
        Route("create order", "POST", "/v1/orders/", w.token, lambda: {**pool(w.product_once), "status": "paid"},
              fields=pool_fields + _p("status"), strings=pool_strings + _p("status"), numbers=_p("seats"),
              free_numbers=_p(("metadata", "n"))),
        Route("update order", "PATCH", f"/v1/orders/{w.patch_order['id']}", w.token,
              lambda: {"status": "pending", "metadata": {"k": "v"}},
              fields=_p("status", "metadata", ("metadata", "k")), strings=_p("status", ("metadata", "k"))),
        # Seats
        Route("assign seat", "POST", "/v1/customer-seats", w.token, seat_base,
              fields=_p(*SEAT_ASSIGN_FIELDS, ("metadata", "k")),
              strings=_p(*SEAT_ASSIGN_STRINGS, ("metadata", "k"))),
        Route("resend invitation", "POST", f"/v1/customer-seats/{w.seat['id']}/resend", w.token,
              lambda: {"send_invitation": False}, fields=_p("send_invitation")),
        Route("bulk assign", "POST", "/v1/customer-seats/bulk", w.token,
              lambda: {"subscription_id": w.sub["id"], "atomic": False,
                       "recipients": [{"email": unique_email("bulk"), "metadata": {"k": "v"}}]},
              fields=_p("subscription_id", "order_id", "atomic", "recipients", ("recipients", 0),
                        *[("recipients", 0, f) for f in SEAT_TRANSFER_FIELDS], ("recipients", 0, "metadata", "k")),
              strings=_p("subscription_id", "order_id",
                         *[("recipients", 0, f) for f in SEAT_TRANSFER_STRINGS], ("recipients", 0, "metadata", "k"))),
        Route("transfer seat", "POST", f"/v1/customer-seats/{w.seat['id']}/transfer", w.token,
              lambda: {"email": unique_email("moved")},
              fields=_p(*SEAT_TRANSFER_FIELDS, ("metadata", "k")), strings=_p(*SEAT_TRANSFER_STRINGS, ("metadata", "k"))),
        Route("claim seat (no credentials)", "POST", "/v1/customer-seats/claim", None,
              lambda: {"invitation_token": secrets.token_urlsafe(32)},
              fields=_p("invitation_token"), strings=_p("invitation_token")),
        # Webhooks
        Route("create webhook endpoint", "POST", "/v1/webhooks/endpoints", w.token,
              lambda: {"url": HOOK_URL, "name": "fuzz", "secret": "s" * 24, "format": "raw",
                       "events": ["order.paid"]},
              fields=_p("url", "name", "secret", "format", "events", ("events", 0)),
              strings=_p("url", "name", "secret", "format", ("events", 0))),
        Route("update webhook endpoint", "PATCH", f"/v1/webhooks/endpoints/{w.patch_endpoint['id']}", w.token,
              lambda: {"name": "fuzz 2"},
              fields=_p("url", "name", "format", "events", ("events", 0), "enabled"),
              strings=_p("url", "name", "format", ("events", 0))),
        # Benefits and license keys
        Route("create benefit", "POST", "/v1/benefits/", w.token,
              lambda: {"type": "license_keys", "description": "Fuzzed keys", "metadata": {"k": "v"},
                       "properties": {"prefix": "FUZZ", "expires": {"ttl": 1, "timeframe": "year"},
                                      "activations": {"limit": 2, "enable_customer_admin": True},
                                      "limit_usage": 10}},
              fields=_p("type", "description", "visibility", "metadata", ("metadata", "k"), "properties",
                        ("properties", "prefix"), ("properties", "expires"), ("properties", "expires", "ttl"),
                        ("properties", "expires", "timeframe"), ("properties", "activations"),
                        ("properties", "activations", "limit"),
                        ("properties", "activations", "enable_customer_admin"), ("properties", "limit_usage")),
              strings=_p("type", "description", "visibility", ("metadata", "k"), ("properties", "prefix"),
                         ("properties", "expires", "timeframe")),
              numbers=_p(("properties", "expires", "ttl"), ("properties", "activations", "limit"),
                         ("properties", "limit_usage"))),
        Route("create custom benefit", "POST", "/v1/benefits/", w.token,
              lambda: {"type": "custom", "description": "Fuzzed note", "properties": {"note": "n"}},
              fields=_p("type", "description", "properties", ("properties", "note")),
              strings=_p("description", ("properties", "note"))),
        Route("update benefit", "PATCH", f"/v1/benefits/{w.patch_benefit['id']}", w.token,
              lambda: {"type": "custom", "description": "Fuzzed 2", "properties": {"note": "m"}},
              fields=_p("type", "description", "visibility", "metadata", "properties", ("properties", "note")),
              strings=_p("type", "description", "visibility", ("properties", "note"))),
        Route("set product benefits", "POST", f"/v1/products/{w.patch_product['id']}/benefits", w.token,
              lambda: {"benefits": [w.patch_benefit["id"]]},
              fields=_p("benefits", ("benefits", 0)), strings=_p(("benefits", 0))),
        Route("update license key", "PATCH", f"/v1/license-keys/{w.key['id']}", w.token,
              lambda: {"usage": 1, "limit_usage": 100, "limit_activations": 5, "status": "granted",
                       "expires_at": "2099-01-01T00:00:00Z"},
              fields=_p("status", "usage", "limit_usage", "limit_activations", "expires_at"),
              strings=_p("status", "expires_at"), numbers=_p("usage", "limit_usage", "limit_activations")),
        Route("validate license key", "POST", "/v1/license-keys/validate", w.token,
              lambda: {"key": w.key["key"], "organization_id": w.org_id, "conditions": {"k": "v"}},
              fields=_p("key", "organization_id", "activation_id", "benefit_id", "customer_id", "increment_usage",
                        "conditions", ("conditions", "k")),
              strings=_p("key", "organization_id", "activation_id", "benefit_id", "customer_id",
                         ("conditions", "k")),
              numbers=_p("increment_usage")),
        Route("portal: validate license key (no credentials)", "POST", "/v1/customer-portal/license-keys/validate",
              None, lambda: {"key": w.key["key"], "organization_id": w.org_id},
              fields=_p("key", "organization_id", "increment_usage"), strings=_p("key", "organization_id"),
              numbers=_p("increment_usage")),
        Route("portal: activate license key (no credentials)", "POST", "/v1/customer-portal/license-keys/activate",
              None, lambda: {"key": w.key["key"], "organization_id": w.org_id, "label": "fuzz",
                             "meta": {"k": "v"}, "conditions": {"k": 1}},
              fields=_p("key", "organization_id", "label", "meta", ("meta", "k"), "conditions", ("conditions", "k")),
              strings=_p("key", "organization_id", "label", ("meta", "k"), ("conditions", "k"))),
        Route("deactivate license key", "POST", "/v1/license-keys/deactivate", w.token,
              lambda: {"key": w.key["key"], "organization_id": w.org_id, "activation_id": str(uuid.uuid4())},
              fields=_p("key", "organization_id", "activation_id"),
              strings=_p("key", "organization_id", "activation_id")),
        # The portal
        Route("create customer session", "POST", "/v1/customer-sessions", w.token,
              lambda: {"customer_id": w.customer["id"]},
              fields=_p("customer_id", "external_customer_id", "member_id", "external_member_id", "return_url"),
              strings=_p("customer_id", "external_customer_id", "member_id", "external_member_id", "return_url")),
        Route("portal: assign seat", "POST", "/v1/customer-portal/seats", w.session, seat_base,
              fields=_p(*SEAT_ASSIGN_FIELDS), strings=_p(*SEAT_ASSIGN_STRINGS)),
        Route("portal: resize subscription", "PATCH", f"/v1/customer-portal/subscriptions/{w.portal_sub['id']}",
              w.session, lambda: {"seats": 10}, fields=_p("seats"), numbers=_p("seats")),
    ]


def bodyless_posts(w: World) -> list[tuple[str, str, Optional[str]]]:
    """POST routes that read no body: a hostile body must not matter to them."""
    return [("POST", f"/v1/webhooks/events/{uuid.uuid4()}/redeliver", w.token),
            ("POST", f"/v1/customer-portal/seats/{uuid.uuid4()}/resend", w.session)]


# --------------------------------------------------------------------------
# Probing
# --------------------------------------------------------------------------


class ServerDied(AssertionError):
    pass


#: Probes in flight at once: PostgreSQL answers each write after a commit, so a few
#: connections in parallel keep the suite short without loading the server much.
WORKERS = 4


@dataclass
class Probe:
    """One request, and what its answer must be beyond the invariants (no 5xx, an
    answer, a well-formed 422). check returns what is wrong, or None."""

    what: str
    method: str
    target: str
    body: Any = None
    token: Optional[str] = None
    check: Optional[Callable[[Answer], Optional[str]]] = None


def want(ok: Callable[[Answer], bool], wanted: str, prompt: bool = False) -> Callable[[Answer], Optional[str]]:
    """A check: ok(answer) must hold (and, with prompt, within PROMPT_S)."""

    def check(answer: Answer) -> Optional[str]:
        if not ok(answer):
            return f"expected {wanted}, got HTTP {answer.status}: {answer.text(300)}"
        if prompt and answer.elapsed > PROMPT_S:
            return f"answered after {answer.elapsed:.2f}s (more than {PROMPT_S}s)"
        return None

    return check


def prompt_only(answer: Answer) -> Optional[str]:
    return f"answered after {answer.elapsed:.2f}s (more than {PROMPT_S}s)" if answer.elapsed > PROMPT_S else None


class Prober:
    """Sends probes over keep-alive connections (one per credential and worker thread),
    records what is wrong in a Findings, and stops at once when the process dies."""

    def __init__(self, server: TesseraProcess, group: str, timeout: float = 10.0):
        self.server = server
        self.findings = Findings(group)
        self.timeout = timeout
        self._lock = threading.Lock()
        self._local = threading.local()
        self._all_clients: list[Client] = []
        self._died: Optional[str] = None

    def _client(self, token: Optional[str]) -> Client:
        clients = getattr(self._local, "clients", None)
        if clients is None:
            clients = self._local.clients = {}
        if token not in clients:
            clients[token] = Client(self.server.port, token=token, timeout=self.timeout)
            with self._lock:
                self._all_clients.append(clients[token])
        return clients[token]

    def close(self) -> None:
        with self._lock:
            for c in self._all_clients:
                c.close()
            self._all_clients.clear()

    def __enter__(self) -> "Prober":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _add(self, what: str, problem: str) -> None:
        with self._lock:
            self.findings.add(what, problem)

    def send(self, what: str, method: str, target: str, body: Any = None, token: Optional[str] = None,
             check: Optional[Callable[[Answer], Optional[str]]] = None) -> Optional[Answer]:
        """One probe, on this thread. Returns the answer (None when there was none)."""
        with self._lock:
            self.findings.probes += 1
        try:
            answer = self._client(token).request(method, target, body=body, token=token)
        except TimedOut:
            self._add(what, f"no answer within {self.timeout:.0f}s")
            self._check_alive(what)
            return None
        except NoAnswer as e:
            self._add(what, f"connection closed without an answer ({e})")
            self._check_alive(what)
            return None
        except OSError as e:
            self._add(what, f"{type(e).__name__}: {e}")
            self._check_alive(what)
            return None
        if answer.status >= 500:
            self._add(what, f"HTTP {answer.status}: {answer.text(300)}")
        elif answer.status == 422 and target.startswith("/v1") and validation_locs(answer) is None:
            self._add(what, f"422 without a well-formed RequestValidationError body: {answer.text(300)}")
        elif check is not None:
            problem = check(answer)
            if problem:
                self._add(what, problem)
        return answer

    def run(self, probes: Sequence[Probe], workers: int = WORKERS) -> None:
        """Every probe, from `workers` threads; raises ServerDied when the process dies."""
        todo = list(reversed(probes))

        def worker() -> None:
            while self._died is None:
                with self._lock:
                    if not todo:
                        return
                    probe = todo.pop()
                try:
                    self.send(probe.what, probe.method, probe.target, probe.body, probe.token, probe.check)
                except ServerDied as e:
                    self._died = str(e)
                    return

        threads = [threading.Thread(target=worker, daemon=True) for _ in range(workers)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 600
        for t in threads:
            t.join(timeout=max(0.1, deadline - time.monotonic()))
        if self._died:
            raise ServerDied(self._died)
        assert not any(t.is_alive() for t in threads), f"{self.findings.group}: probes still running after 600s"

    def _check_alive(self, what: str) -> None:
        time.sleep(0.2)
        if not self.server.alive():
            with self._lock:
                shown = "\n  ".join(self.findings.problems[-10:])
            raise ServerDied(
                f"{self.findings.group}: tessera serve died (exit code {self.server.proc.returncode}) "
                f"after {what}\n  {shown}\n--- server log ---\n{self.server.log_tail(40)}")

    def finish(self) -> None:
        """Every problem found, then: alive, and /healthz within a second."""
        self.close()
        self.findings.check()
        self.server.assert_healthy(context=f"after {self.findings.group}")


def _short(value: Any) -> str:
    text = value.text.decode("latin-1") if isinstance(value, Raw) else repr(value)
    return text if len(text) <= 48 else text[:45] + "…"


def names_field(answer: Answer, *loc_prefix: Any) -> bool:
    """A 422 with a detail whose loc starts with loc_prefix."""
    locs = validation_locs(answer) or []
    n = len(loc_prefix)
    return answer.status == 422 and any(list(loc[:n]) == list(loc_prefix) for loc in locs)


def is_refused_nesting(answer: Answer) -> bool:
    """422 with a json_invalid item at loc ["body"], as issue 8 documents."""
    if answer.status != 422:
        return False
    try:
        details = answer.json().get("detail", [])
    except (ValueError, AttributeError):
        return False
    return any(isinstance(d, dict) and d.get("type") == "json_invalid" and d.get("loc") == ["body"]
               for d in details)


# --------------------------------------------------------------------------
# Nesting
# --------------------------------------------------------------------------

DEEP = 10_000


def deep_bodies() -> list[tuple[str, bytes]]:
    return [
        (f"array nested {DEEP} deep", nested_arrays(DEEP)),
        (f"object nested {DEEP} deep", nested_objects(DEEP)),
        (f"field holding arrays nested {DEEP} deep", b'{"email":' + nested_arrays(DEEP) + b"}"),
        (f"field holding objects nested {DEEP} deep",
         b'{"metadata":' + nested_objects(DEEP, b"k") + b"}"),
        (f"unclosed arrays {DEEP} deep", b"[" * DEEP),
        (f"mixed nesting {DEEP} deep", b'{"a":[' * (DEEP // 2) + b"1" + b"]}" * (DEEP // 2)),
    ]


REFUSED_NESTING = "422 with a json_invalid item at loc ['body']"


def test_deep_nesting_is_refused_promptly_on_every_body_route(server, world):
    probes = [Probe(f"{r.method} {r.path} ({r.name}) with {shape}", r.method, r.path, body, r.token,
                    want(is_refused_nesting, REFUSED_NESTING, prompt=True))
              for r in write_routes(world) for shape, body in deep_bodies()]
    # Routes that read no body: whatever they answer, promptly.
    probes += [Probe(f"{method} {path} with {shape}", method, path, body, token, prompt_only)
               for method, path, token in bodyless_posts(world) for shape, body in deep_bodies()[:2]]
    with Prober(server, "JSON nested 10,000 deep") as p:
        p.run(probes)
        p.finish()


def test_deep_nesting_without_credentials_is_refused_promptly(server, world):
    """No token: the claim route reads the body (422); every other route refuses the
    caller first (401) or the body (422). Neither may take long."""
    probes = []
    for r in write_routes(world):
        for shape, body in deep_bodies()[:2]:
            if r.token is None:
                check = want(is_refused_nesting, REFUSED_NESTING, prompt=True)
            else:
                check = want(lambda a: a.status == 401 or is_refused_nesting(a), "401 or 422", prompt=True)
            probes.append(Probe(f"{r.method} {r.path} without a token, {shape}", r.method, r.path, body, None, check))
    # A token that does not exist is refused the same way.
    probes += [Probe(f"POST /v1/customer-seats with an unknown token, {shape}", "POST", "/v1/customer-seats",
                     body, "tsr_oat_" + "x" * 40, want(lambda a: a.status == 401, "401", prompt=True))
               for shape, body in deep_bodies()[:2]]
    with Prober(server, "JSON nested 10,000 deep, no credentials") as p:
        p.run(probes)
        p.finish()


def _claim_with_junk(depth_inside: int, copies: int = 1) -> bytes:
    """A claim body with a field holding `copies` arrays nested depth_inside deep: the
    whole text nests depth_inside + 2 levels (the object, the field's array)."""
    junk = b",".join([nested_arrays(depth_inside)] * copies)
    return b'{"invitation_token":"not-a-token","junk":[' + junk + b"]}"


def test_nesting_up_to_64_levels_is_read_and_65_is_refused(server):
    """Issue 8: nesting deeper than 64 is refused; up to 64 is JSON like any other
    (here a claim with an unknown token: a 4xx that is not about the JSON)."""
    at_limit = b'{"invitation_token":"not-a-token","junk":' + nested_arrays(63) + b"}"   # 64 levels
    beyond = b'{"invitation_token":"not-a-token","junk":' + nested_arrays(64) + b"}"    # 65 levels
    objects_at_limit = nested_objects(64)[:-1] + b',"invitation_token":"not-a-token"}'
    read = want(lambda a: 400 <= a.status < 500 and "json_invalid" not in validation_types(a),
                "a 4xx about the token, not json_invalid")
    refused = want(is_refused_nesting, REFUSED_NESTING)
    claim = "/v1/customer-seats/claim"
    with Prober(server, "nesting at the limit") as p:
        p.run([Probe("64 levels (object + 63 arrays)", "POST", claim, at_limit, None, read),
               Probe("64 objects", "POST", claim, objects_at_limit, None, read),
               Probe("65 levels (object + 64 arrays)", "POST", claim, beyond, None, refused),
               Probe("65 objects", "POST", claim, nested_objects(65), None, refused)], workers=1)
        p.finish()


def test_wide_and_deep_bodies_cost_time_linear_in_their_size(server):
    """Within the limit, many deep arrays in one body: the answer must still be prompt
    (decoding that tries each JSON type in turn costs time exponential in depth)."""
    shapes = [
        ("300 arrays nested 60 deep (36 KB)", _claim_with_junk(60, 300)),
        ("2,000 arrays nested 30 deep (120 KB)", _claim_with_junk(30, 2000)),
        ("20 arrays nested 500 deep (20 KB, beyond the limit)", _claim_with_junk(500, 20)),
        ("objects with 20,000 keys", b'{"invitation_token":"x",' +
         b",".join(b'"k%d":[[[1]]]' % i for i in range(20_000)) + b"}"),
        ("one key 50,000 times", b'{' + b'"invitation_token":"x",' * 50_000 + b'"z":1}'),
    ]
    with Prober(server, "wide and deep bodies") as p:
        p.run([Probe(what, "POST", "/v1/customer-seats/claim", body, None,
                     want(lambda a: 400 <= a.status < 500, "a 4xx", prompt=True)) for what, body in shapes],
              workers=1)
        p.finish()


def test_nested_bodies_in_parallel_leave_healthz_answering(server):
    """The attack of issue 8: several clients send 20 KB bodies of deeply nested arrays to
    the unauthenticated claim route at once. /healthz keeps answering within a second."""
    bodies = [_claim_with_junk(500, 20), nested_arrays(DEEP), _claim_with_junk(60, 300)]
    stop_at = time.monotonic() + 20.0
    errors: list[str] = []
    lock = threading.Lock()

    def attacker(n: int) -> None:
        with Client(server.port, timeout=15.0) as c:
            for i in range(6):
                if time.monotonic() > stop_at:
                    return
                try:
                    answer = c.request("POST", "/v1/customer-seats/claim", bodies[(n + i) % len(bodies)])
                except (NoAnswer, TimedOut, OSError) as e:
                    with lock:
                        errors.append(f"attacker {n}: {e!r}")
                    return
                if answer.status >= 500 or answer.status < 400:
                    with lock:
                        errors.append(f"attacker {n}: HTTP {answer.status}: {answer.text(200)}")

    threads = [threading.Thread(target=attacker, args=(n,), daemon=True) for n in range(6)]
    for t in threads:
        t.start()
    slow: list[str] = []
    checks = 0
    while any(t.is_alive() for t in threads) and time.monotonic() < stop_at and checks < 200:
        checks += 1
        started = time.monotonic()
        try:
            answer = healthz(server.port, timeout=1.0)
            if answer.status != 200:
                slow.append(f"/healthz answered {answer.status}")
        except (NoAnswer, TimedOut, OSError) as e:
            slow.append(f"/healthz: no answer within 1s ({e!r})")
        took = time.monotonic() - started
        if took > 1.0:
            slow.append(f"/healthz took {took:.2f}s")
        time.sleep(0.2)
    for t in threads:
        t.join(timeout=max(0.1, stop_at + 10 - time.monotonic()))
    assert not any(t.is_alive() for t in threads), "attackers still waiting for answers after 30s"
    assert not errors, f"attackers saw: {errors[:10]}"
    assert not slow, f"/healthz during the attack ({checks} checks): {slow[:10]}"
    server.assert_healthy(context="after parallel nested bodies")


# --------------------------------------------------------------------------
# Types, duplicate keys, integer extremes
# --------------------------------------------------------------------------

EVERY_TYPE = [None, True, 0, -1, 1.5, "", "x", [], ["x"], {}, {"a": 1}]
NOT_OBJECTS = [Raw(b"null"), True, 1, 1.5, "x", [], [{}]]


def test_every_json_type_in_every_field_of_every_write_route(server, world):
    """null, booleans, integers, a float, strings, arrays and objects in every field
    (nested ones too): no 5xx. A body that is not an object: 422."""
    probes = [Probe(f"{r.method} {r.path} {r.label(path)}={_short(value)}", r.method, r.path,
                    set_path(r.base(), path, value), r.token)
              for r in write_routes(world) for path in r.fields for value in EVERY_TYPE]
    probes += [Probe(f"{r.method} {r.path} body={_short(value)}", r.method, r.path, value, r.token,
                     want(lambda a: a.status == 422, "422"))
               for r in write_routes(world) for value in NOT_OBJECTS]
    with Prober(server, "every JSON type in every field") as p:
        p.run(probes)
        p.finish()


def test_duplicate_keys_in_every_field(server, world):
    """Each field twice: a valid value and a hostile one, in both orders. Whatever the
    server keeps, it answers without a 5xx, and many copies of every key cost little."""
    hostile = [None, {}, "\u0000", Raw(b"1e308"), Raw(nested_arrays(100))]
    probes = []
    for r in write_routes(world):
        for path in r.fields:
            if len(path) != 1:
                continue
            key = path[0]
            good = r.base().get(key, "x")
            for bad in hostile:
                for first, second in ((good, bad), (bad, good)):
                    probes.append(Probe(f"{r.method} {r.path} {key} twice ({_short(first)}, {_short(second)})",
                                        r.method, r.path, duplicate_key(r.base(), key, first, second), r.token))
        nested = Pairs.of(*r.base().items(), ("metadata", Pairs.of(("k", "a"), ("k", 1), ("k", None))))
        probes.append(Probe(f"{r.method} {r.path} metadata with a key three times", r.method, r.path, nested,
                            r.token))
        probes.append(Probe(f"{r.method} {r.path} every key 2,000 times", r.method, r.path,
                            Pairs(tuple(list(r.base().items()) * 2000)), r.token, prompt_only))
    with Prober(server, "duplicate keys") as p:
        p.run(probes)
        p.finish()


#: Raw number tokens: 2^63 - 1, 2^63, -2^63, -(2^63) - 1, ±2^64, ±1e308, the largest
#: double, 10^13 (the `expires_in` that crashed the server), a tiny and a huge one.
OUT_OF_RANGE = ["9223372036854775807", "9223372036854775808", "-9223372036854775808",
                "-9223372036854775809", "18446744073709551616", "-18446744073709551616",
                "1e308", "-1e308", "1.7976931348623157e308", "10000000000000", "1e13", "4.9e-324",
                "9.999999999999999e22", "123456789012345678901234567890"]
#: -0 and friends, and numbers no 64-bit float holds.
EDGE = ["-0", "-0.0", "0", "0.0", "1e0", "1E400", "-1E400"]


def test_integer_extremes_in_every_numeric_field(server, world):
    """Every extreme is beyond every documented maximum (or below every minimum, or not
    an integer): a 422 that names the field. -0, 0 and friends: no 5xx."""
    probes = []
    for r in write_routes(world):
        for path in r.numbers:
            top = path[0]
            probes += [Probe(f"{r.method} {r.path} {r.label(path)}={tok}", r.method, r.path,
                             set_path(r.base(), path, Raw.of(tok)), r.token,
                             want(lambda a, top=top: names_field(a, "body", top), f"422 naming body.{top}"))
                       for tok in OUT_OF_RANGE]
            probes += [Probe(f"{r.method} {r.path} {r.label(path)}={tok}", r.method, r.path,
                             set_path(r.base(), path, Raw.of(tok)), r.token) for tok in EDGE]
        probes += [Probe(f"{r.method} {r.path} {r.label(path)}={tok}", r.method, r.path,
                         set_path(r.base(), path, Raw.of(tok)), r.token)
                   for path in r.free_numbers for tok in OUT_OF_RANGE + EDGE]
    with Prober(server, "integer extremes in numeric fields") as p:
        p.run(probes)
        p.finish()


def test_expires_in_of_ten_trillion_seconds_does_not_kill_the_server(server, world):
    """Issue 8, point 4: this one request used to kill the process."""
    check = want(lambda a: names_field(a, "body", "expires_in"), "422 naming body.expires_in")
    probes = [Probe(f"POST /v1/organization-access-tokens/ expires_in={tok}", "POST",
                    "/v1/organization-access-tokens/",
                    Raw(b'{"organization_id":"%s","comment":"x","scopes":[],"expires_in":%s}'
                        % (world.patch_org_id.encode(), tok.encode())), world.admin, check)
              for tok in ["10000000000000", "1e13", "10000000000000.0", "9223372036854775807"]]
    with Prober(server, "expires_in 10000000000000") as p:
        p.run(probes, workers=1)
        p.finish()


@dataclass
class ListRoute:
    path: str
    token_attr: str
    base: dict
    ids: list
    paged: bool
    strings: list = field(default_factory=list)


def list_routes(w: World) -> list[ListRoute]:
    return [
        ListRoute("/v1/customer-seats", "token", {"subscription_id": w.sub["id"]},
                  ["subscription_id", "order_id"], False),
        ListRoute("/v1/customers", "token", {}, [], True, strings=["email"]),
        ListRoute("/v1/members", "token", {}, ["customer_id"], True),
        ListRoute("/v1/products", "token", {}, [], True),
        ListRoute("/v1/subscriptions", "token", {}, ["customer_id", "product_id"], True),
        ListRoute("/v1/orders", "token", {}, ["customer_id", "product_id"], True),
        ListRoute("/v1/webhooks/endpoints", "token", {}, [], True),
        ListRoute("/v1/webhooks/deliveries", "token", {}, ["endpoint_id"], True),
        ListRoute("/v1/customer-portal/seats", "session", {"subscription_id": w.sub["id"]},
                  ["subscription_id", "order_id"], False),
        ListRoute("/v1/customer-portal/seats/subscriptions", "session", {}, [], True),
        ListRoute("/v1/customer-seats/events", "token", {"subscription_id": w.sub["id"]},
                  ["subscription_id", "order_id", "limit"], False, strings=["cursor"]),
        ListRoute(f"/v1/customer-seats/{w.seat['id']}/events", "token", {}, ["limit"], False, strings=["cursor"]),
        ListRoute("/v1/benefits", "token", {}, [], True, strings=["type", "query"]),
        ListRoute("/v1/benefit-grants", "token", {}, ["customer_id"], True,
                  strings=["external_customer_id", "is_granted"]),
        ListRoute(f"/v1/benefits/{w.benefit['id']}/grants", "token", {}, ["customer_id", "member_id"], True,
                  strings=["is_granted"]),
        ListRoute("/v1/license-keys", "token", {}, ["benefit_id"], True, strings=["status"]),
        ListRoute("/v1/customer-portal/license-keys", "session", {}, ["benefit_id"], True),
        ListRoute("/v1/access", "token", {"benefit_id": w.benefit["id"], "email": "nobody@example.com"},
                  ["benefit_id", "product_id"], False, strings=["email", "external_customer_id", "external_member_id"]),
    ]


def _query(params: list[tuple[str, str]]) -> str:
    """Values are sent exactly as given (already percent-encoded where needed)."""
    return "&".join(f"{k}={v}" for k, v in params)


def _with(lr: ListRoute, name: str, value: str) -> str:
    """lr's path with its base parameters and name=value (replacing a base one)."""
    return f"{lr.path}?{_query([(k, v) for k, v in lr.base.items() if k != name] + [(name, value)])}"


QUERY_EXTREMES = OUT_OF_RANGE + ["-0", "-1", "0", "1E400", "0x10"]


def test_integer_extremes_in_every_query_parameter_of_every_list_route(server, world):
    """page, limit and ids: every extreme is a 422 naming ["query", name]."""
    probes = []
    for lr in list_routes(world):
        token = getattr(world, lr.token_attr)
        names = (["page", "limit"] if lr.paged else []) + lr.ids
        for name in names:
            check = want(lambda a, name=name: names_field(a, "query", name), f"422 naming query.{name}")
            probes += [Probe(f"GET {_with(lr, name, v)}", "GET", _with(lr, name, v), None, token, check)
                       for v in QUERY_EXTREMES]
            # The same parameter twice, an extreme first or last.
            for pair in (("1", "9223372036854775808"), ("18446744073709551616", "1")):
                target = f"{lr.path}?{_query(list(lr.base.items()) + [(name, pair[0]), (name, pair[1])])}"
                probes.append(Probe(f"GET {target}", "GET", target, None, token))
        probes += [Probe(f"GET {_with(lr, name, v)}", "GET", _with(lr, name, v), None, token)
                   for name in lr.strings for v in QUERY_EXTREMES]
    with Prober(server, "integer extremes in query parameters") as p:
        p.run(probes)
        p.finish()


# --------------------------------------------------------------------------
# NUL, lone surrogates, invalid UTF-8
# --------------------------------------------------------------------------


def _text_at(body: Any, path: tuple) -> str:
    for part in path:
        try:
            body = body[part]
        except (KeyError, IndexError, TypeError):
            return "x"
    return body if isinstance(body, str) else "x"


def nul_variants(good: str) -> list[str]:
    return ["\u0000", good + "\u0000", "\u0000" + good, good[:1] + "\u0000" + good[1:]]


def surrogate_variants(good: str) -> list[Raw]:
    g = dumps(good)[1:-1]  # the JSON text of good, without its quotes
    return [Raw(b'"\\ud800"'), Raw(b'"' + g + b'\\udc00"'), Raw(b'"\\ud800\\u0041' + g + b'"'),
            Raw(b'"\\udbff\\udbff"'),
            Raw(b'"' + g + b'\xed\xa0\x80"'),     # U+D800 as raw (CESU-8) bytes: not UTF-8
            Raw(b'"\xff' + g + b'"'),             # a byte that is never UTF-8
            Raw(b'"' + g + b'\xc3"'),             # a truncated sequence
            Raw(b'"\xc0\x80"'),                   # an overlong NUL
            Raw(b'"a\x00b"')]                     # a raw NUL byte inside the quotes


def test_nul_in_every_string_field_is_422_naming_the_field(server, world):
    """Text with U+0000 never reaches the store: SQLite cuts it, PostgreSQL refuses it.
    Each is a 422 whose detail names the field (the top-level key that holds it)."""
    probes = []
    for r in write_routes(world):
        for path in r.strings:
            top = path[0]
            check = want(lambda a, top=top: names_field(a, "body", top), f"422 naming body.{top}")
            probes += [Probe(f"{r.method} {r.path} {r.label(path)}={_short(v)}", r.method, r.path,
                             set_path(r.base(), path, v), r.token, check)
                       for v in nul_variants(_text_at(r.base(), path))]
        # NUL in a key (of the body, of metadata).
        probes += [Probe(f"{r.method} {r.path} a key with NUL: {_short(body)}", r.method, r.path, body, r.token,
                         want(lambda a: 400 <= a.status < 500, "a 4xx"))
                   for body in [{**r.base(), "na\u0000me": "x"}, {**r.base(), "metadata": {"k\u0000": "v"}}]]
    with Prober(server, "NUL in string fields") as p:
        p.run(probes)
        p.finish()


def test_lone_surrogates_and_invalid_utf8_in_every_string_field(server, world):
    """JSON text with `\\ud800` (no partner), raw surrogate bytes, bytes that are never
    UTF-8, an overlong NUL: the server answers, and never with a 5xx."""
    probes = []
    for r in write_routes(world):
        probes += [Probe(f"{r.method} {r.path} {r.label(path)}={_short(v)}", r.method, r.path,
                         set_path(r.base(), path, v), r.token)
                   for path in r.strings for v in surrogate_variants(_text_at(r.base(), path))]
        # Surrogates in keys, UTF-16, a byte-order mark.
        probes += [Probe(f"{r.method} {r.path} {_short(body)}", r.method, r.path, body, r.token)
                   for body in [Raw(dumps(r.base())[:-1] + b',"\\ud800":1}'),
                                Raw(dumps(r.base())[:-1] + b',"\xed\xa0\x80":1}'),
                                Raw('{"x": 1}'.encode("utf-16")), Raw(b"\xef\xbb\xbf" + dumps(r.base()))]]
    with Prober(server, "lone surrogates and invalid UTF-8") as p:
        p.run(probes)
        p.finish()


def test_nul_surrogates_and_junk_in_query_parameters(server, world):
    """NUL in a parameter the route reads: a 422 naming it. Lone surrogates, invalid
    UTF-8 and long values: typed parameters (page, limit, ids) are a 422 naming them;
    text parameters may be anything but a 5xx."""
    nul = ["%00", "a%00", "1%00", "%25%00", "%00" + str(uuid.uuid4())]
    junk = ["%ED%A0%80", "%ED%B0%80", "%FF", "%C3", "%C0%80", "x" * 16_000]
    odd = ["%", "%zz"]  # not percent-encoding at all: a server may read them literally
    probes = []
    for lr in list_routes(world):
        token = getattr(world, lr.token_attr)
        typed = (["page", "limit"] if lr.paged else []) + lr.ids
        for name in typed + lr.strings:
            names_it = want(lambda a, name=name: names_field(a, "query", name), f"422 naming query.{name}")
            for value in nul + junk + odd:
                check = names_it if value in nul or (name in typed and value in junk) else None
                target = _with(lr, name, value)
                probes.append(Probe(f"GET {target[:120]}", "GET", target, None, token, check))
        # A parameter name with NUL or junk in it.
        probes += [Probe(f"GET {lr.path}?{name}=1", "GET", f"{_with(lr, name, '1')}", None, token)
                   for name in ["pa%00ge", "%ED%A0%80", "%00"]]
    with Prober(server, "NUL and junk in query parameters") as p:
        p.run(probes)
        p.finish()


def test_nul_surrogates_and_extremes_in_path_segments(server, world):
    """Every route with a path parameter, the parameter replaced by NUL, surrogates,
    invalid UTF-8, integer extremes and long text: API routes answer a 4xx, pages
    anything but a 5xx."""
    w = world
    segs = ["%00", "a%00b", str(uuid.uuid4()) + "%00", "%00" + str(uuid.uuid4()), "%ED%A0%80", "%FF", "%C0%80",
            "9223372036854775808", "-9223372036854775809", "18446744073709551616", "1e308", "-0",
            "%2e%2e", "x" * 4000]
    s, t = w.session, w.token
    routes = [
        ("GET", "/v1/organizations/{}", w.admin), ("PATCH", "/v1/organizations/{}", w.admin),
        ("DELETE", "/v1/organization-access-tokens/{}", w.admin),
        ("GET", "/v1/customers/{}", t), ("PATCH", "/v1/customers/{}", t), ("DELETE", "/v1/customers/{}", t),
        ("GET", "/v1/customers/external/{}", t), ("POST", "/v1/customers/{}/members", t),
        ("DELETE", "/v1/customers/{}/members/" + str(uuid.uuid4()), t),
        ("DELETE", "/v1/customers/" + w.customer["id"] + "/members/{}", t),
        ("GET", "/v1/products/{}", t), ("PATCH", "/v1/products/{}", t),
        ("GET", "/v1/subscriptions/{}", t), ("PATCH", "/v1/subscriptions/{}", t),
        ("DELETE", "/v1/subscriptions/{}", t),
        ("GET", "/v1/orders/{}", t), ("PATCH", "/v1/orders/{}", t),
        ("DELETE", "/v1/customer-seats/{}", t), ("POST", "/v1/customer-seats/{}/resend", t),
        ("POST", "/v1/customer-seats/{}/transfer", t),
        ("GET", "/v1/customer-seats/claim/{}", None),
        ("GET", "/v1/webhooks/endpoints/{}", t), ("PATCH", "/v1/webhooks/endpoints/{}", t),
        ("DELETE", "/v1/webhooks/endpoints/{}", t), ("PATCH", "/v1/webhooks/endpoints/{}/secret", t),
        ("POST", "/v1/webhooks/events/{}/redeliver", t),
        ("DELETE", "/v1/customer-portal/seats/{}", s), ("POST", "/v1/customer-portal/seats/{}/resend", s),
        ("PATCH", "/v1/customer-portal/subscriptions/{}", s),
        # The claim page and the portal page: the organization's slug is a path segment.
        ("GET", "/{}/portal/claim?token=x", None), ("GET", "/{}/portal", None),
        ("GET", "/" + w.org_slug + "/portal/claim?token={}", None),
        ("GET", "/" + w.org_slug + "/portal?customer_session_token={}", None),
    ]
    api_4xx = want(lambda a: 400 <= a.status < 500, "a 4xx")
    probes = [Probe(f"{method} {template.format(seg)[:100]}", method, template.format(seg),
                    {"name": "x"} if method in ("PATCH", "POST") else None, token,
                    api_4xx if template.startswith("/v1") else None)
              for method, template, token in routes for seg in segs]
    with Prober(server, "NUL, surrogates and extremes in path segments") as p:
        p.run(probes)
        p.finish()


# --------------------------------------------------------------------------
# Sizes: bodies and heads
# --------------------------------------------------------------------------


def _sized_claim_body(size: int) -> bytes:
    """A valid JSON claim body of exactly `size` bytes."""
    prefix, suffix = b'{"invitation_token":"', b'"}'
    return prefix + b"a" * (size - len(prefix) - len(suffix)) + suffix


def _chunked(body: bytes, chunk: int = 65536) -> bytes:
    out = b""
    for i in range(0, len(body), chunk):
        part = body[i:i + chunk]
        out += b"%x\r\n" % len(part) + part + b"\r\n"
    return out + b"0\r\n\r\n"


def _is_request_too_large(answer: Answer) -> bool:
    try:
        body = answer.json()
    except ValueError:
        return False
    return (answer.status == 413 and isinstance(body, dict) and body.get("error") == "RequestTooLarge"
            and bool(body.get("detail")))


def test_body_over_one_mebibyte_is_413_request_too_large(server, world):
    """1 MiB is the documented limit: 1 MiB + 1 is 413 {"error": "RequestTooLarge", …},
    with or without credentials, with a Content-Length or chunked; 1 MiB exactly is read."""
    p = Prober(server, "bodies over 1 MiB")
    f = p.findings
    claim = "/v1/customer-seats/claim"
    over = _sized_claim_body(MiB + 1)
    head = b'{"email":"big@example.com","name":"'
    customer = head + b"n" * (MiB + 1 - len(head) - 2) + b'"}'
    assert len(customer) == len(over) == MiB + 1
    cases = [
        ("claim, 1 MiB + 1, Content-Length", claim, None, over, False, True),
        ("claim, 1 MiB + 1, chunked", claim, None, over, True, True),
        ("claim, 4 MiB, Content-Length", claim, None, _sized_claim_body(4 * MiB), False, True),
        ("create customer, 1 MiB + 1, Content-Length", "/v1/customers/", world.token, customer, False, True),
        ("create customer, 1 MiB + 1, chunked", "/v1/customers/", world.token, customer, True, True),
        ("portal assign, 1 MiB + 1", "/v1/customer-portal/seats", world.session, over, False, True),
        ("claim, 1 MiB exactly", claim, None, _sized_claim_body(MiB), False, False),
    ]
    for what, path, token, body, chunked, too_large in cases:
        f.probes += 1
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if chunked:
            headers["Transfer-Encoding"] = "chunked"
            data = request_head("POST", path, headers, None, server.port) + _chunked(body)
        else:
            data = request_head("POST", path, headers, body, server.port) + body
        try:
            answer = _send_in_background(server.port, data, timeout=15.0)
        except TimedOut:
            f.add(what, "no answer within 15s")
            continue
        except (NoAnswer, OSError) as e:
            f.add(what, f"connection closed without an answer ({e})")
            continue
        if too_large and not _is_request_too_large(answer):
            f.add(what, f"expected 413 RequestTooLarge, got HTTP {answer.status}: {answer.text(300)}")
        if not too_large and (answer.status in (413, 500) or answer.status >= 500):
            f.add(what, f"a body of exactly 1 MiB was refused: HTTP {answer.status}: {answer.text(300)}")
        if not server.alive():
            break
    p.finish()


def _send_in_background(port: int, data: bytes, timeout: float) -> Answer:
    """Writes data from a thread while this one reads: a server may answer (413) before
    it has read everything, and a blocked write must not hide that answer."""
    sock = connect(port)
    started = time.monotonic()

    def write() -> None:
        try:
            sock.sendall(data)
        except OSError:
            pass

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    try:
        return read_answer(sock, timeout, method="POST", started=started)
    finally:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        sock.close()
        writer.join(timeout=5)


def test_heads_of_100_kb_are_refused_not_crashed(server, world):
    """A 100 KB header, 2,000 small headers, a 100 KB token or request target: a 4xx
    (431, 400, 414, 401…) or the connection closed; never a 5xx, never a hang."""
    big = "a" * (100 * 1024)
    port = server.port
    cases = [
        ("one 100 KB header", request_head("GET", "/healthz", {"X-Filler": big}, None, port)),
        ("2,000 headers of 50 bytes", request_head("GET", "/healthz",
                                                   {f"X-H{i}": "b" * 44 for i in range(2000)}, None, port)),
        ("a 100 KB bearer token", request_head("GET", "/v1/customers", {"Authorization": "Bearer " + big},
                                               None, port)),
        ("a 100 KB bearer token on the claim route",
         request_head("POST", "/v1/customer-seats/claim", {"Authorization": "Bearer " + big,
                                                           "Content-Length": "2"}, None, port) + b"{}"),
        ("a 100 KB request target", request_head("GET", "/v1/customers?email=" + big, {
            "Authorization": f"Bearer {world.token}"}, None, port)),
        ("a 100 KB cookie on the portal page", request_head("GET", f"/{world.org_slug}/portal",
                                                            {"Cookie": "s=" + big}, None, port)),
        ("a 100 KB Content-Type", request_head("POST", "/v1/customer-seats/claim",
                                               {"Content-Type": "application/json; x=" + big,
                                                "Content-Length": "2"}, None, port) + b"{}"),
    ]
    f = Findings("100 KB heads")
    for what, data in cases:
        f.probes += 1
        try:
            answer = _send_in_background(port, data, timeout=10.0)
        except TimedOut:
            f.add(what, "neither answered nor closed within 10s")
            continue
        except (NoAnswer, OSError):
            continue  # closed without an answer: allowed for an oversized head
        if not 400 <= answer.status < 500:
            f.add(what, f"expected a 4xx or a closed connection, got HTTP {answer.status}: {answer.text(200)}")
    f.check()
    server.assert_healthy(context="after 100 KB heads")


# --------------------------------------------------------------------------
# Connections: slow heads, idle keep-alive, 2,000 sockets, the connection limit
# --------------------------------------------------------------------------

HEAD_DEADLINE_S = 2
IDLE_TIMEOUT_S = 3
SLACK_S = 4.0
HALF_HEAD = b"POST /v1/customer-seats/claim HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Le"


def _ended_without_5xx(how: str, data: bytes) -> Optional[str]:
    """None when the server closed the connection (with nothing, or a 4xx such as 408);
    else what is wrong."""
    if how == "open":
        return "still open"
    if data:
        status = data[9:12]
        if not data.startswith(b"HTTP/1.") or not status.isdigit() or not 400 <= int(status) < 500:
            return f"closed after writing {data[:80]!r}"
    return None


def test_slow_heads_are_closed_at_the_head_deadline(spawn):
    """Half a request head, then silence; a head trickled a byte at a time; 200 such
    connections at once; a connection that sends nothing. The server (started with a
    2 s head deadline and 3 s idle timeout) closes each within the deadline plus slack,
    answers /healthz within a second meanwhile, and still serves a head sent slowly but
    within the deadline."""
    srv = spawn("slow-heads", head_timeout_args(HEAD_DEADLINE_S) + idle_timeout_args(IDLE_TIMEOUT_S))
    limit = max(HEAD_DEADLINE_S, IDLE_TIMEOUT_S) + SLACK_S
    problems: list[str] = []

    # A whole head in three pieces, well within the deadline: answered as usual.
    with connect(srv.port) as s:
        head = request_head("GET", "/healthz", {"Connection": "close"}, None, srv.port)
        for part in (head[:10], head[10:25], head[25:]):
            s.sendall(part)
            time.sleep(0.3)
        try:
            answer = read_answer(s, 5.0)
            if answer.status != 200:
                problems.append(f"a slow but timely head: HTTP {answer.status}")
        except (NoAnswer, TimedOut) as e:
            problems.append(f"a slow but timely head got no answer: {e!r}")

    half = [connect(srv.port) for _ in range(200)]
    silent = connect(srv.port)
    for s in half:
        s.sendall(HALF_HEAD)
    # A whole head, then a tenth of the body it announces: the deadline covers the body too.
    slow_bodies = [connect(srv.port) for _ in range(20)]
    for s in slow_bodies:
        s.sendall(request_head("POST", "/v1/customer-seats/claim",
                               {"Content-Type": "application/json", "Content-Length": "100"}, None, srv.port)
                  + b'{"invitati')
    started = time.monotonic()

    # Meanwhile: /healthz within a second, twice.
    for _ in range(2):
        try:
            srv.assert_healthy(context="while 200 slow heads are open")
        except AssertionError as e:
            problems.append(str(e))
        time.sleep(0.5)

    # The trickle: one byte of an endless header every 0.25 s, until the server ends it.
    trickle = connect(srv.port)
    trickle.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
    t0 = time.monotonic()
    ended = None
    while time.monotonic() - t0 < limit + 2:
        try:
            trickle.sendall(b"a")
        except OSError:
            ended = time.monotonic() - t0
            break
        if socket_state(trickle) != "open":
            ended = time.monotonic() - t0
            break
        time.sleep(0.25)
    trickle.close()
    if ended is None:
        problems.append(f"a head trickled one byte every 0.25s was still open after {limit + 2:.0f}s")
    elif ended > limit:
        problems.append(f"a trickled head was closed only after {ended:.1f}s")

    for i, s in enumerate(half):
        how, _, data = wait_closed(s, max(0.1, started + limit - time.monotonic()))
        problem = _ended_without_5xx(how, data)
        if problem:
            problems.append(f"slow head #{i}: {problem} {limit:.0f}s after half a head")
            if len(problems) > 20:
                break
    for i, s in enumerate(slow_bodies):
        how, _, data = wait_closed(s, max(0.1, started + limit - time.monotonic()))
        problem = _ended_without_5xx(how, data)
        if problem:
            problems.append(f"slow body #{i}: {problem} {limit:.0f}s after a head and 10 of 100 bytes")
            break
    how, _, data = wait_closed(silent, max(0.1, started + limit - time.monotonic()))
    problem = _ended_without_5xx(how, data)
    if problem:
        problems.append(f"a connection that sent nothing: {problem} after {limit:.0f}s")
    for s in half + slow_bodies + [silent]:
        s.close()
    assert not problems, "slow heads:\n  " + "\n  ".join(problems)
    srv.assert_healthy(context="after slow heads")


def test_idle_keep_alive_connections_are_closed_after_the_idle_timeout(spawn):
    srv = spawn("idle", head_timeout_args(10) + idle_timeout_args(IDLE_TIMEOUT_S))
    with connect(srv.port) as s:
        for i in range(2):  # the connection is reused within the timeout
            s.sendall(request_head("GET", "/healthz", {}, None, srv.port))
            answer = read_answer(s, 5.0)
            assert answer.status == 200, f"request {i + 1} on a kept-alive connection: HTTP {answer.status}"
            time.sleep(1.0)
        how, after, data = wait_closed(s, IDLE_TIMEOUT_S + SLACK_S)
        assert how != "open", f"an idle keep-alive connection was still open {IDLE_TIMEOUT_S + SLACK_S:.0f}s later"
        assert not data, f"the server wrote {data[:80]!r} on an idle connection before closing it"
    srv.assert_healthy(context="after idle keep-alive connections")


def _open_many(port: int, count: int, budget_s: float) -> tuple[list[socket.socket], list[str]]:
    """Opens up to `count` connections within budget_s; returns them and the failures."""
    socks: list[socket.socket] = []
    failures: list[str] = []
    deadline = time.monotonic() + budget_s
    for _ in range(count):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            failures.append(f"budget of {budget_s:.0f}s spent after {len(socks)} connections")
            break
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(min(3.0, remaining))
        try:
            s.connect(("127.0.0.1", port))
            socks.append(s)
        except OSError as e:
            failures.append(repr(e))
            s.close()
    return socks, failures


#: Closing 2,000 connections at once keeps a debug build busy for a moment (measured
#: here: 0.6 s on a quiet machine, over 2 s on a loaded one). The first /healthz after
#: the mass close may take this long; then the server must be back to answering within
#: a second.
MASS_CLOSE_GRACE_S = 5.0


def _settled_after_mass_close(srv: TesseraProcess, context: str) -> None:
    started = time.monotonic()
    try:
        answer = healthz(srv.port, timeout=MASS_CLOSE_GRACE_S)
    except (NoAnswer, TimedOut, OSError) as e:
        raise AssertionError(f"/healthz {context}: no answer within {MASS_CLOSE_GRACE_S:.0f}s ({e!r}); "
                             f"process alive: {srv.alive()}") from None
    assert answer.status == 200, f"/healthz {context}: HTTP {answer.status}"
    first = time.monotonic() - started
    if first > 1.0:
        sys.stderr.write(f"\nnote: the first /healthz {context} took {first:.2f}s\n")
    srv.assert_healthy(context=context)


@pytest.fixture
def many_files():
    """This process may open a few thousand sockets; the old limit comes back after."""
    soft, hard = raise_own_nofile(8192)
    yield
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_two_thousand_idle_sockets_leave_the_server_answering(spawn, many_files):
    """2,000 connections opened at once and left idle. The server starts with the usual
    soft file limit of 1,024 and a hard limit of 4,096, which it raises its soft limit to
    (issue 8), and a connection limit of 3,000: every one is accepted, /healthz answers
    within a second while they are open, connections among them still serve requests,
    and after they all close the server is as before."""
    # The limits, when the server has options for them; 2,000 idle sockets must not
    # stall it either way.
    args = (if_supported(max_connections_args, 3000) + if_supported(head_timeout_args, 60)
            + if_supported(idle_timeout_args, 60))
    srv = spawn("idle-2000", args, nofile=(1024, SERVER_NOFILE))
    socks, failures = _open_many(srv.port, 2000, budget_s=30.0)
    try:
        assert not failures, f"{len(failures)} of 2,000 connections failed: {failures[:5]}"
        time.sleep(0.5)
        srv.assert_healthy(context="while 2,000 idle sockets are open")
        dead = [i for i, s in enumerate(socks) if socket_state(s) != "open"]
        assert not dead, f"{len(dead)} idle connections were closed within seconds, e.g. #{dead[:5]}"
        for i in range(0, 2000, 100):  # 20 of them, spread out, still serve a request
            socks[i].sendall(request_head("GET", "/healthz", {}, None, srv.port))
            try:
                answer = read_answer(socks[i], 5.0)
            except (NoAnswer, TimedOut) as e:
                raise AssertionError(f"idle connection #{i} got no answer to GET /healthz: {e!r}") from None
            assert answer.status == 200, f"idle connection #{i}: HTTP {answer.status}"
    finally:
        for s in socks:
            s.close()
    _settled_after_mass_close(srv, "after closing 2,000 idle sockets")


CONNECTION_LIMIT = 100


def test_connections_beyond_the_limit_are_refused_at_once(spawn, many_files):
    """A server with a limit of 100 connections and 2,000 coming at once: beyond the
    limit, connections are refused at once (closed, or a 503 and closed), none hangs,
    and when the flood is gone /healthz answers within a second."""
    srv = spawn("limit", max_connections_args(CONNECTION_LIMIT) + head_timeout_args(30) + idle_timeout_args(30))
    socks, failures = _open_many(srv.port, 2000, budget_s=20.0)
    try:
        time.sleep(2.0)
        states = [socket_state(s) for s in socks]
        still_open = states.count("open")
        refused = len(failures) + states.count("closed") + states.count("data")
        bad_data = []
        for s, state in zip(socks, states):
            if state == "data":
                try:
                    head = s.recv(64, socket.MSG_PEEK)
                except OSError:
                    continue
                if not (head.startswith(b"HTTP/1.") and head[9:12] in (b"503", b"429", b"408")):
                    bad_data.append(head[:40])
        assert still_open <= CONNECTION_LIMIT + 16, (
            f"{still_open} of 2,000 connections still open 2s later with a limit of {CONNECTION_LIMIT} "
            f"({refused} refused or closed); beyond the limit they should be refused at once")
        assert refused >= 2000 - CONNECTION_LIMIT - 16, f"only {refused} connections were refused"
        assert not bad_data, f"refused connections were sent {bad_data[:3]}"
        assert srv.alive(), f"tessera serve died under the flood:\n{srv.log_tail(40)}"
    finally:
        for s in socks:
            s.close()
    _settled_after_mass_close(srv, f"after 2,000 connections against a limit of {CONNECTION_LIMIT}")
