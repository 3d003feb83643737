"""Schemathesis hooks for test_openapi_schemathesis.py (loaded through SCHEMATHESIS_HOOKS).

The test writes what it made beforehand to the JSON file named by TESSERA_SCHEMATHESIS_SEED:
tokens, and the ids of real objects. These hooks
- send each operation the credentials its `security` in the document asks for;
- draw a path, query or body field that names an object either as generated or as the made
  object's id, and for the operations whose valid bodies a schema cannot pin down (exactly one
  of several fields) draw a valid body some of the time, so that operations reach their success
  answers and not only their 404s and 422s;
- give a generated `Idempotency-Key` a value made from the request itself, so that a key is
  never reused with another request (that 422 is tested elsewhere, and would hide the rest);
- point every webhook URL at a closed loopback port: generated URLs must never make the server
  send anything off this machine.
"""

from __future__ import annotations

import json
import os
import uuid
from typing import Any

import schemathesis
from hypothesis import strategies as st

# Loopback port 9 (discard) is closed: a delivery there fails at once, and locally.
WEBHOOK_SINK = "http://127.0.0.1:9/tessera-schemathesis"

with open(os.environ["TESSERA_SCHEMATHESIS_SEED"]) as _file:
    SEEDED: dict[str, Any] = json.load(_file)


def seeded_path_id(method: str, template: str, name: str) -> str | None:
    """The made object for path parameter `name` of `METHOD template`: the first entry for that
    method's exact route (a deletion's own object), or for any method on the route or under it."""
    for entry_method, prefix, param, value in SEEDED["path_ids"]:
        if param != name:
            continue
        if entry_method == method and template == prefix:
            return value
        if entry_method == "*" and (template == prefix or template.startswith(prefix + "/")):
            return value
    return None


def either(generated: Any, real: Any) -> st.SearchStrategy:
    return st.sampled_from([generated, real]) if generated != real else st.just(generated)


@schemathesis.hook
def flatmap_path_parameters(ctx, path_parameters):
    operation = ctx.operation
    choices = {}
    for name, value in (path_parameters or {}).items():
        real = seeded_path_id(operation.method.upper(), operation.path, name)
        choices[name] = either(value, real) if real is not None else st.just(value)
    return st.fixed_dictionaries(choices)


def valid_bodies(method: str, path: str) -> st.SearchStrategy | None:
    """Valid bodies of the operations whose schema allows many invalid ones (exactly one of
    several fields), made of the seeded objects and fresh names."""
    f = SEEDED["field_ids"]
    email = st.integers(min_value=0, max_value=10**6).map(lambda i: f"person-{i}@example.com")
    pool = {"subscription_id": st.just(f["subscription_id"])}
    key = {"key": st.just(f["key"]), "organization_id": st.just(f["organization_id"])}
    label = st.integers(min_value=0, max_value=999).map(lambda i: f"device-{i}")
    customer = {"customer_id": st.just(f["customer_id"])}
    return {
        ("POST", "/v1/customer-seats"): st.fixed_dictionaries({**pool, "email": email}),
        ("POST", "/v1/customer-portal/seats"): st.fixed_dictionaries({**pool, "email": email}),
        ("POST", "/v1/customer-seats/bulk"): st.fixed_dictionaries(
            {"subscription_id": st.just(operation_fields("POST", "/v1/customer-seats/bulk")["subscription_id"]),
             "recipients": st.lists(st.fixed_dictionaries({"email": email}), min_size=1, max_size=3)}),
        ("POST", "/v1/subscriptions/"): st.fixed_dictionaries(
            {"product_id": st.just(f["product_id"]), **customer, "seats": st.integers(min_value=1, max_value=20)}),
        ("POST", "/v1/orders/"): st.fixed_dictionaries(
            {"product_id": st.just(operation_fields("POST", "/v1/orders/")["product_id"]), **customer,
             "seats": st.integers(min_value=1, max_value=20)}),
        ("POST", "/v1/customer-sessions/"): st.fixed_dictionaries(customer),
        ("POST", "/v1/customer-seats/{seat_id}/transfer"): st.fixed_dictionaries({"email": email}),
        ("POST", "/v1/customer-seats/claim"): st.just(
            {"invitation_token": operation_fields("POST", "/v1/customer-seats/claim")["invitation_token"]}),
        ("POST", "/v1/customers/{id}/members"): st.fixed_dictionaries({"email": email}),
        ("POST", "/v1/license-keys/validate"): st.fixed_dictionaries(key),
        ("POST", "/v1/customer-portal/license-keys/validate"): st.fixed_dictionaries(key),
        ("POST", "/v1/license-keys/activate"): st.fixed_dictionaries({**key, "label": label}),
        ("POST", "/v1/customer-portal/license-keys/activate"): st.fixed_dictionaries({**key, "label": label}),
    }.get((method, path))


@schemathesis.hook
def flatmap_query(ctx, query):
    if not isinstance(query, dict):
        return st.just(query)
    fields, drawn = seeded(ctx, query)
    if ctx.operation.path == "/v1/access":
        holder = {"benefit_id": fields["benefit_id"], "email": SEEDED["holder_email"]}
        return st.one_of(st.just(holder), drawn)
    return drawn


def seeded(ctx, values: dict[str, Any]):
    """The operation's seeded fields, and `values` drawn with either the value schemathesis
    made or the seeded one, field by field."""
    fields = operation_fields(ctx.operation.method.upper(), ctx.operation.path)
    drawn = st.fixed_dictionaries({name: either(value, fields[name]) if name in fields else st.just(value)
                                   for name, value in values.items()})
    return fields, drawn


def operation_fields(method: str, path: str) -> dict[str, Any]:
    """Query and body fields with the made objects' values: by name, and for some operations
    objects of their own (a bulk assignment fills a pool of its own, a claim takes an
    invitation of its own ...)."""
    return {**SEEDED["field_ids"], **SEEDED["operation_fields"].get(f"{method} {path}", {})}


@schemathesis.hook
def flatmap_body(ctx, body):
    if not isinstance(body, dict):
        return st.just(body)
    _, drawn = seeded(ctx, body)
    valid = valid_bodies(ctx.operation.method.upper(), ctx.operation.path)
    return st.one_of(valid, drawn) if valid is not None else drawn


def is_uuid(value: Any) -> bool:
    try:
        uuid.UUID(str(value))
        return True
    except ValueError:
        return False


def use_seeded_ids(case) -> None:
    """The coverage phase's cases skip the flatmap hooks: there, every id that is a valid UUID
    becomes the made object's, so that its boundary values reach real objects (an invalid id
    stays, for its 422)."""
    operation = case.operation
    for name, value in (case.path_parameters or {}).items():
        real = seeded_path_id(operation.method.upper(), operation.path, name)
        if real is not None and (is_uuid(value) or name in ("invitation_token", "external_id")):
            case.path_parameters[name] = real
    fields = operation_fields(operation.method.upper(), operation.path)
    for container in (case.query, case.body):
        if isinstance(container, dict):
            for name, value in container.items():
                if name in fields and (is_uuid(value) or name in ("key", "invitation_token")):
                    container[name] = fields[name]


@schemathesis.hook
def before_call(ctx, case, kwargs):
    # Every phase's cases pass here.
    if case.meta is not None and case.meta.phase.name == "coverage":
        use_seeded_ids(case)
    if isinstance(case.body, dict) and isinstance(case.body.get("url"), str):
        case.body["url"] = WEBHOOK_SINK
    requirements = case.operation.definition.raw.get("security", [])
    kinds = {name for requirement in requirements for name in requirement}
    token = None
    if "organizationAccessToken" in kinds:
        token = SEEDED["organization_token"]
    elif "operatorToken" in kinds:
        token = SEEDED["operator_token"]
    elif kinds & {"customerSession", "memberSession"}:
        token = SEEDED["portal_token"]
    headers = dict(case.headers or {})
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    if "Idempotency-Key" in headers:
        request = json.dumps([case.method, case.formatted_path, case.query, case.body], sort_keys=True, default=str)
        headers["Idempotency-Key"] = str(uuid.uuid5(uuid.NAMESPACE_URL, request))
    case.headers = headers
