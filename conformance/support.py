"""Helpers for the conformance suite: setup calls over plain HTTP, the
invitation mailbox, and small assertions on the errors that polar_sdk raises.

Setup (organizations, tokens, customers, products, subscriptions, orders) is
not part of Polar's Customer Seats API, so it goes through httpx directly.
Everything under test goes through polar_sdk, unmodified.
"""

from __future__ import annotations

import email
import email.message
import email.policy
import email.utils
import json
import re
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import httpx
from polar_sdk import Polar, models

import openapi_check

ALL_SCOPES = [
    "benefits:read",
    "benefits:write",
    "license_keys:read",
    "license_keys:write",
    "customer_seats:read",
    "customer_seats:write",
    "customers:read",
    "customers:write",
    "members:read",
    "members:write",
    "products:read",
    "products:write",
    "subscriptions:read",
    "subscriptions:write",
    "orders:read",
    "orders:write",
    "webhooks:read",
    "webhooks:write",
]

# A claim link as the invitation email carries it. The token alphabet is
# URL-safe base64 without padding.
CLAIM_LINK_RE = re.compile(r"(https?://[^\s\"'<>]+?/portal/claim\?token=([A-Za-z0-9_-]+))")
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]+$")

SDK_TIMEOUT_MS = 15_000


def unique_email(tag: str = "person") -> str:
    return f"{tag}-{uuid.uuid4().hex[:12]}@example.com"


def unique_slug(tag: str = "org") -> str:
    return f"{tag}-{uuid.uuid4().hex[:12]}"


# --------------------------------------------------------------------------
# Errors raised by polar_sdk
# --------------------------------------------------------------------------


def error_body(exc: models.PolarError) -> dict:
    """The JSON body of an error response (PolarError.body is the raw text)."""
    try:
        body = json.loads(exc.body)
    except (TypeError, ValueError) as e:  # pragma: no cover - reported as a failure
        raise AssertionError(f"error body is not JSON: {exc.body!r}") from e
    assert isinstance(body, dict), f"error body is not a JSON object: {exc.body!r}"
    return body


def assert_api_error(exc: BaseException, status: int, name: Optional[str] = None) -> dict:
    """Assert that polar_sdk raised SDKError (its class for every 4XX but 422)
    with this HTTP status and, when given, this `error` name in the body."""
    assert isinstance(exc, models.SDKError), (
        f"expected SDKError, got {type(exc).__name__}: {exc}"
    )
    assert exc.status_code == status, f"expected HTTP {status}, got {exc.status_code}: {exc.body}"
    body = error_body(exc)
    assert "detail" in body, f"error body has no 'detail': {body}"
    if name is not None:
        assert body.get("error") == name, f"expected error {name!r}, got {body}"
    return body


def assert_validation_error(exc: BaseException, loc_hint: Optional[str] = None) -> list:
    """Assert a 422 that polar_sdk parsed into HTTPValidationError; return its details.

    loc_hint, when given, must appear in the `loc` of at least one detail."""
    assert isinstance(exc, models.HTTPValidationError), (
        f"expected HTTPValidationError, got {type(exc).__name__}: {exc}"
    )
    assert exc.status_code == 422
    details = exc.data.detail
    assert details, f"422 without validation details: {exc.body}"
    for d in details:
        assert d.msg, f"validation detail without msg: {d}"
        assert d.type, f"validation detail without type: {d}"
        assert d.loc, f"validation detail without loc: {d}"
    if loc_hint is not None:
        locs = [[str(part) for part in d.loc] for d in details]
        assert any(loc_hint in loc for loc in locs), f"no detail at {loc_hint!r}: {locs}"
    assert error_body(exc).get("error") == "RequestValidationError", exc.body
    return details


# --------------------------------------------------------------------------
# Setup API (plain HTTP)
# --------------------------------------------------------------------------


class SetupError(AssertionError):
    pass


def _check(res: httpx.Response, expected: int) -> dict:
    if res.status_code != expected:
        raise SetupError(
            f"{res.request.method} {res.request.url} -> {res.status_code} "
            f"(expected {expected}): {res.text}"
        )
    return res.json()


class RecordingClient(httpx.Client):
    """An httpx client for polar_sdk that keeps the last response, so a test can
    look at the raw JSON the server sent (the SDK's models drop unknown keys)."""

    def __init__(self, **kwargs: Any):
        super().__init__(follow_redirects=True, **kwargs)
        self.last_response: Optional[httpx.Response] = None

    def send(self, request, **kwargs):  # type: ignore[override]
        res = super().send(request, **kwargs)
        res.read()
        self.last_response = res
        return res

    def last_json(self) -> Any:
        assert self.last_response is not None, "no request was sent"
        return self.last_response.json()


@dataclass
class Org:
    """One organization on the server under test, with its access token."""

    server: "Server"
    id: str
    name: str
    slug: str
    token: str

    # -- plain HTTP setup -------------------------------------------------

    def _post(self, path: str, payload: dict) -> dict:
        with self.server.http(self.token) as c:
            return _check(c.post(path, json=payload), 201)

    def create_customer(self, email_address: Optional[str] = None, **extra: Any) -> dict:
        payload = {"email": email_address or unique_email("customer"), **extra}
        return self._post("/v1/customers/", payload)

    def create_product(self, name: str = "Team plan", recurring: bool = True,
                       price_per_seat: int = 1000) -> dict:
        return self._post(
            "/v1/products/",
            {
                "name": name,
                "recurring_interval": "month" if recurring else None,
                "prices": [
                    {
                        "amount_type": "seat_based",
                        "price_currency": "usd",
                        "seat_tiers": {
                            "seat_tier_type": "volume",
                            "tiers": [
                                {"min_seats": 1, "max_seats": None, "price_per_seat": price_per_seat}
                            ],
                        },
                    }
                ],
            },
        )

    def create_subscription(self, seats: int, product: Optional[dict] = None,
                            customer: Optional[dict] = None) -> dict:
        product = product or self.create_product()
        customer = customer or self.create_customer()
        sub = self._post(
            "/v1/subscriptions/",
            {"product_id": product["id"], "customer_id": customer["id"], "seats": seats},
        )
        assert sub["seats"] == seats, sub
        return sub

    def create_order(self, seats: int, status: str = "paid", product: Optional[dict] = None,
                     customer: Optional[dict] = None) -> dict:
        product = product or self.create_product(name="Team pack", recurring=False)
        customer = customer or self.create_customer()
        return self._post(
            "/v1/orders/",
            {"product_id": product["id"], "customer_id": customer["id"], "seats": seats,
             "status": status},
        )

    def set_seat_feature(self, enabled: bool) -> dict:
        with self.server.http(self.server.admin_token) as c:
            res = c.patch(
                f"/v1/organizations/{self.id}",
                json={"feature_settings": {"seat_based_pricing_enabled": enabled}},
            )
            return _check(res, 200)

    # -- the SDK -----------------------------------------------------------

    def sdk(self, token: Optional[str] = None) -> Polar:
        """A polar_sdk client for this organization, recording raw responses
        on `.sdk_configuration.client.last_response`."""
        return self.server.sdk(self.token if token is None else token)


class Server:
    """A running `tessera serve`."""

    def __init__(self, base_url: str, admin_token: str, mail_dir: Path, log_path: Path,
                 backend: str):
        self.base_url = base_url
        self.admin_token = admin_token
        self.mail_dir = mail_dir
        self.log_path = log_path
        self.backend = backend
        self.mailbox = Mailbox(mail_dir)

    def http(self, token: Optional[str]) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=15.0,
                            event_hooks=openapi_check.EVENT_HOOKS)

    def sdk(self, token: Optional[str]) -> Polar:
        return Polar(
            access_token=token,
            server_url=self.base_url,
            client=RecordingClient(timeout=SDK_TIMEOUT_MS / 1000,
                                   event_hooks=openapi_check.EVENT_HOOKS),
            timeout_ms=SDK_TIMEOUT_MS,
        )

    def create_org(self, feature_enabled: bool = True) -> Org:
        slug = unique_slug()
        name = f"Org {slug}"
        with self.http(self.admin_token) as c:
            org = _check(
                c.post(
                    "/v1/organizations/",
                    json={
                        "name": name,
                        "slug": slug,
                        "feature_settings": {
                            "seat_based_pricing_enabled": feature_enabled,
                            "member_model_enabled": False,
                        },
                    },
                ),
                201,
            )
            tok = _check(
                c.post(
                    "/v1/organization-access-tokens/",
                    json={"organization_id": org["id"], "comment": "conformance",
                          "scopes": ALL_SCOPES},
                ),
                201,
            )
        assert org["slug"] == slug, org
        token = tok["token"]
        assert token.startswith("tsr_oat_"), tok
        return Org(server=self, id=org["id"], name=org["name"], slug=slug, token=token)

    def log_tail(self, lines: int = 200) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError as e:
            return f"(no server log: {e})"
        return "\n".join(text.splitlines()[-lines:])


# --------------------------------------------------------------------------
# Invitation mailbox (the server's file mail transport)
# --------------------------------------------------------------------------


@dataclass
class Invitation:
    path: Path
    link: str
    token: str
    message: email.message.EmailMessage


def _text_parts(msg: email.message.EmailMessage) -> list[str]:
    """Decoded text of every text/* part, plain text first. Handles
    quoted-printable and base64 transfer encodings and any charset."""
    plain, other = [], []
    for part in msg.walk():
        if part.is_multipart() or part.get_content_maintype() != "text":
            continue
        try:
            text = part.get_content()
        except (LookupError, ValueError):
            payload = part.get_payload(decode=True) or b""
            text = payload.decode(part.get_content_charset() or "utf-8", errors="replace")
        (plain if part.get_content_subtype() == "plain" else other).append(text)
    return plain + other


def _recipients(msg: email.message.EmailMessage) -> set[str]:
    values = [str(v) for v in (msg.get_all("To") or [])]
    return {addr.lower() for _, addr in email.utils.getaddresses(values) if addr}


def parse_invitation(path: Path) -> tuple[set[str], Optional[Invitation]]:
    """Recipients of the message at path, and its invitation when it carries
    a claim link. A message that cannot be parsed (yet) yields nothing."""
    try:
        raw = path.read_bytes()
        msg = email.message_from_bytes(raw, policy=email.policy.default)
    except Exception:
        return set(), None
    rcpts = _recipients(msg)
    for text in _text_parts(msg):
        m = CLAIM_LINK_RE.search(text.replace("&amp;", "&"))
        if m:
            return rcpts, Invitation(path=path, link=m.group(1), token=m.group(2), message=msg)
    return rcpts, None


class Mailbox:
    def __init__(self, mail_dir: Path):
        self.mail_dir = mail_dir

    def files(self) -> list[Path]:
        if not self.mail_dir.exists():
            return []
        return sorted(p for p in self.mail_dir.rglob("*.eml") if p.is_file())

    def messages_to(self, recipient: str) -> list[Path]:
        """Every message file addressed to recipient, with or without a link."""
        out = []
        for p in self.files():
            rcpts, _ = parse_invitation(p)
            if recipient.lower() in rcpts:
                out.append(p)
        return out

    def invitations_to(self, recipient: str) -> list[Invitation]:
        out = []
        for p in self.files():
            rcpts, inv = parse_invitation(p)
            if inv is not None and recipient.lower() in rcpts:
                out.append(inv)
        return out

    def wait_for_invitations(self, recipient: str, count: int = 1,
                             timeout: float = 10.0) -> list[Invitation]:
        """Poll until at least `count` invitations to recipient are on disk."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.invitations_to(recipient)
            if len(found) >= count:
                return found
            if time.monotonic() >= deadline:
                raw = self.messages_to(recipient)
                raise AssertionError(
                    f"expected {count} invitation(s) to {recipient} within {timeout}s, "
                    f"found {len(found)} with a claim link ({len(raw)} message(s) to that "
                    f"address; {len(self.files())} .eml file(s) in {self.mail_dir})"
                )
            time.sleep(0.1)

    def wait_for_invitation(self, recipient: str, timeout: float = 10.0) -> Invitation:
        return self.wait_for_invitations(recipient, 1, timeout)[0]
