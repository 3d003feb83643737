"""Parity check: every JSON answer the suite gets, checked against Polar's OpenAPI.

Each response the suite's HTTP clients receive (polar_sdk's client and the plain-HTTP
helper, both made in support.py) and each webhook the test receiver gets is validated
against the schema that Polar's published OpenAPI document (OpenAPI 3.1, so its schemas
are JSON Schema 2020-12) gives for that route, method and status, or for that webhook
event. The validator is `jsonschema`; `#/components/schemas/...` references resolve
inside the document through a `referencing` registry.

- A request path is matched to Polar's path template (`/v1/customer-seats/{seat_id}`),
  ignoring trailing slashes as Polar's router does; a literal segment beats a parameter.
- Routes Polar lacks are skipped by `SKIPPED_ROUTES` (one list, with the reason).
- A status Polar documents with a JSON body is validated. A status Polar documents
  with no body, or does not document (401, 403 and other errors on most routes), has no
  schema to check: it is counted, not judged. A 2xx Polar does not document for that
  operation is a mismatch (Polar answers with another status).
- Deliberate, documented differences are in `DIFFERENCES` (route, JSON path, why):
  exactly those are tolerated. `KNOWN_MISMATCHES` holds real Tessera bugs that are
  tolerated for now, each to be fixed.
- Formats checked: `date-time` (RFC 3339 with a time zone), `uuid` (lower-case and
  hyphenated), `uuid4` (also version 4), `email` (has an @), `uri` (has a scheme).
  Other formats are annotations only.

Mismatches are collected (thread-safe: webhooks arrive on the receiver's threads) and
an autouse fixture fails the test at whose teardown they are pending, naming method,
route, status, JSON path and the schema error. Responses made while a module-scoped
fixture is set up belong to the first test that uses it.

Environment:
  TESSERA_POLAR_OPENAPI   the OpenAPI document (default: ../shared/reference/polar-openapi-2026-04.json
                          beside the repository)
  TESSERA_OPENAPI_REPORT  when set, a JSON file written at the end of the session: what was
                          validated, skipped, tolerated and found, and the keys Tessera sends
                          that Polar's schemas do not declare (allowed, so only reported)

(PYTEST_DONT_REWRITE: support.py imports this module before pytest loads it as a plugin.)
"""

from __future__ import annotations

import json
import os
import re
import threading
import uuid
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Iterator, Optional
from urllib.parse import urlsplit

import httpx
import pytest
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError
from referencing import Registry
from referencing.jsonschema import DRAFT202012

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SPEC = REPO_ROOT.parent / "shared" / "reference" / "polar-openapi-2026-04.json"
SPEC_URI = "urn:polar:openapi-2026-04"
REPORT_PATH = os.environ.get("TESSERA_OPENAPI_REPORT")


# --------------------------------------------------------------------------
# The lists
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Skip:
    """A Tessera route Polar does not have (or has as something else): not checked."""

    method: str   # "*" for every method
    route: str    # a path template; "{name}" is one segment, "{name*}" the rest of the path
    why: str


SKIPPED_ROUTES: list[Skip] = [
    Skip("*", "/healthz", "Tessera's health check; Polar has none."),
    Skip("*", "/v1/organizations/", "operator route (operator token): Tessera's organization admin, "
         "not Polar's user-facing organizations API."),
    Skip("*", "/v1/organizations/{id}", "operator route, as above."),
    Skip("*", "/v1/organization-access-tokens/", "operator route: Polar makes tokens in its dashboard."),
    Skip("*", "/v1/organization-access-tokens/{id}", "operator route, as above."),
    Skip("*", "/{slug}/portal", "HTML claim page and portal, not JSON API."),
    Skip("*", "/{slug}/portal/{rest*}", "HTML claim page and portal, not JSON API."),
    Skip("*", "/_static/{rest*}", "the portal's stylesheet."),
]


@dataclass(frozen=True)
class Tolerated:
    """One difference from Polar's schema that the check accepts.

    route: the OpenAPI path template, or "webhook:<event type>" for a webhook body.
    path:  JSON path of the value, `$.a.b[0]`; `[*]` matches any index, `.*` any key.
    method/status: None matches any."""

    route: str
    path: str
    why: str
    method: Optional[str] = None
    status: Optional[int] = None


# Deliberate differences, documented in README ("Differences from Polar"). Exactly these
# are tolerated; anything else that disagrees with Polar's schema fails the test.
#
# Empty on purpose: every difference README lists is one of behaviour (a resend's fresh
# token, syntax-only email checks, `checkout_id` refused, token prefixes, unique emails and
# slugs, stored mail without links), not of shape, so no response or webhook differs from
# Polar's schemas because of it. Keys Tessera adds that Polar does not declare (webhook
# `disabled_reason`, a delivery's `duration_ms`, `error` on a 422) are allowed by Polar's
# open objects and need no entry; TESSERA_OPENAPI_REPORT lists them.
# An entry, when one is needed:
#   Tolerated(route="/v1/customer-seats/{seat_id}", method="DELETE", status=200,
#             path="$.member.role", why="README: … (the documented difference)"),
DIFFERENCES: list[Tolerated] = [
]

# to fix (issue 9): real Tessera mismatches with Polar's schema, tolerated until fixed.
# Each is a bug; remove the entry with the fix.
KNOWN_MISMATCHES: list[Tolerated] = [
]


# --------------------------------------------------------------------------
# The document
# --------------------------------------------------------------------------

RFC3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$"
)


def _format_checker() -> FormatChecker:
    checker = FormatChecker(formats=())

    @checker.checks("date-time", raises=ValueError)
    def _date_time(value: object) -> bool:
        if not isinstance(value, str):
            return True
        if not RFC3339.match(value):
            return False
        datetime.fromisoformat(value.replace("z", "Z").replace("Z", "+00:00").replace("t", "T"))
        return True

    @checker.checks("uuid", raises=ValueError)
    def _uuid(value: object) -> bool:
        return not isinstance(value, str) or str(uuid.UUID(value)) == value

    @checker.checks("uuid4", raises=ValueError)
    def _uuid4(value: object) -> bool:
        return not isinstance(value, str) or (str(uuid.UUID(value)) == value
                                              and uuid.UUID(value).version == 4)

    @checker.checks("email")
    def _email(value: object) -> bool:
        return not isinstance(value, str) or ("@" in value and not value.startswith("@")
                                              and not value.endswith("@"))

    @checker.checks("uri")
    def _uri(value: object) -> bool:
        if not isinstance(value, str):
            return True
        parts = urlsplit(value)
        return bool(parts.scheme) and bool(parts.netloc or parts.path)

    return checker


def _pointer(*parts: str) -> str:
    return "#/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


def _closed(node: Any) -> Any:
    if isinstance(node, list):
        return [_closed(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _closed(v) for k, v in node.items()}
    if ("properties" in node and "additionalProperties" not in node
            and "unevaluatedProperties" not in node):
        out["unevaluatedProperties"] = False
    return out


class Spec:
    """Polar's OpenAPI document: its operations and validators for their bodies."""

    def __init__(self, path: Path):
        with path.open() as f:
            self.doc: dict = json.load(f)
        resource = DRAFT202012.create_resource(self.doc)
        self.registry: Registry = Registry().with_resource(SPEC_URI, resource)
        self.format_checker = _format_checker()
        self.templates = [Template(t) for t in self.doc["paths"]]
        self._validators: dict[str, Draft202012Validator] = {}
        self._closed_registry: Optional[Registry] = None
        self._lock = threading.Lock()

    def validator(self, pointer: str) -> Draft202012Validator:
        with self._lock:
            v = self._validators.get(pointer)
            if v is None:
                v = Draft202012Validator({"$ref": SPEC_URI + pointer}, registry=self.registry,
                                         format_checker=self.format_checker)
                self._validators[pointer] = v
            return v

    def closed_validator(self, pointer: str) -> Draft202012Validator:
        """The same schema with every object closed (`unevaluatedProperties: false`): only
        for the report's list of keys Tessera sends that Polar does not declare."""
        with self._lock:
            key = "closed:" + pointer
            v = self._validators.get(key)
            if v is None:
                if self._closed_registry is None:
                    closed = DRAFT202012.create_resource(_closed(self.doc))
                    self._closed_registry = Registry().with_resource(SPEC_URI, closed)
                v = Draft202012Validator({"$ref": SPEC_URI + pointer}, registry=self._closed_registry)
                self._validators[key] = v
            return v

    def operation(self, method: str, path: str) -> Optional[tuple[str, dict]]:
        """The template and operation object for a request, or None."""
        candidates = [t for t in self.templates if t.matches(path)
                      and method.lower() in self.doc["paths"][t.raw]]
        if not candidates:
            return None
        best = max(candidates, key=lambda t: t.specificity)
        return best.raw, self.doc["paths"][best.raw][method.lower()]

    def webhook_pointer(self, event_type: str) -> Optional[str]:
        hook = self.doc.get("webhooks", {}).get(event_type)
        if not hook:
            return None
        try:
            hook["post"]["requestBody"]["content"]["application/json"]["schema"]
        except KeyError:
            return None
        return _pointer("webhooks", event_type, "post", "requestBody", "content",
                        "application/json", "schema")


class Template:
    """A path template; `{x}` matches one segment, `{x*}` the rest. Trailing slashes
    are ignored on both sides."""

    def __init__(self, raw: str):
        self.raw = raw
        segments = [s for s in raw.strip("/").split("/") if s]
        pattern, literal = [], []
        for s in segments:
            if s.startswith("{") and s.endswith("*}"):
                pattern.append(".+")
                literal.append(0)
            elif s.startswith("{") and s.endswith("}"):
                pattern.append("[^/]+")
                literal.append(1)
            else:
                pattern.append(re.escape(s))
                literal.append(2)
        self.regex = re.compile("^/" + "/".join(pattern) + "$")
        self.specificity = tuple(literal)

    def matches(self, path: str) -> bool:
        return bool(self.regex.match("/" + path.strip("/")))


_spec: Optional[Spec] = None
_spec_lock = threading.Lock()


def spec() -> Spec:
    global _spec
    with _spec_lock:
        if _spec is None:
            path = Path(os.environ.get("TESSERA_POLAR_OPENAPI") or DEFAULT_SPEC)
            if not path.is_file():
                raise RuntimeError(
                    f"Polar's OpenAPI document is not at {path}: the parity check needs it "
                    "(set TESSERA_POLAR_OPENAPI)")
            _spec = Spec(path)
        return _spec


# --------------------------------------------------------------------------
# Mismatches
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Mismatch:
    what: str       # "GET /v1/customer-seats -> 200" or "webhook customer_seat.assigned"
    route: str      # template or "webhook:<type>"
    method: Optional[str]
    status: Optional[int]
    path: str       # JSON path
    error: str

    def __str__(self) -> str:
        return f"{self.what} [{self.route}] at {self.path}: {self.error}"


class Findings:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.pending: list[Mismatch] = []
        self.all: list[Mismatch] = []
        self.validated: Counter = Counter()      # "METHOD template status" -> count
        self.unschemed: Counter = Counter()      # statuses with no published JSON body
        self.skipped: Counter = Counter()
        self.tolerated: Counter = Counter()      # (kind, route, path) -> count
        self.extra_keys: Counter = Counter()     # keys Polar does not declare (report only)
        self._capture: Optional[list[Mismatch]] = None

    def add(self, mismatches: Iterable[Mismatch]) -> None:
        with self._lock:
            for m in mismatches:
                if self._capture is not None:
                    self._capture.append(m)
                    continue
                self.pending.append(m)
                self.all.append(m)

    @contextmanager
    def capture(self) -> Iterator[list[Mismatch]]:
        """Mismatches found inside the block go to the yielded list instead of failing
        the test: for the check's own tests."""
        caught: list[Mismatch] = []
        with self._lock:
            self._capture = caught
        try:
            yield caught
        finally:
            with self._lock:
                self._capture = None

    def count(self, counter: Counter, key: Any) -> None:
        with self._lock:
            if self._capture is None:
                counter[key] += 1

    def drain(self) -> list[Mismatch]:
        with self._lock:
            out, self.pending = self.pending, []
            return out


FINDINGS = Findings()


def _json_path(parts: Iterable[Any]) -> str:
    out = "$"
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else f".{p}"
    return out


@lru_cache(maxsize=None)
def _path_regex(pattern: str) -> re.Pattern:
    rx = re.escape(pattern).replace(r"\[\*\]", r"\[\d+\]").replace(r"\.\*", r"\.[^.\[]+")
    return re.compile("^" + rx + "$")


def _tolerance(entries: list[Tolerated], route: str, method: Optional[str],
               status: Optional[int], path: str) -> Optional[Tolerated]:
    for t in entries:
        if t.route != route:
            continue
        if t.method is not None and method is not None and t.method.upper() != method.upper():
            continue
        if t.status is not None and t.status != status:
            continue
        if _path_regex(t.path).match(path):
            return t
    return None


def _short(value: Any, limit: int = 160) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[:limit] + "…"


def _branch_rank(errors: list[ValidationError]) -> tuple[int, int, int]:
    """How far the instance is from one anyOf/oneOf branch: a branch of another JSON
    type is farthest, then one whose tag (a `const`/`enum` property such as
    `amount_type`) differs, then the one with fewer disagreements."""
    wrong_type = any(e.validator == "type" and not e.relative_path for e in errors)
    wrong_tag = sum(1 for e in errors
                    if e.validator in ("const", "enum") and len(e.relative_path) == 1)
    return (int(wrong_type), wrong_tag, sum(len(_leaves(e)) for e in errors))


def _leaves(error: ValidationError) -> list[tuple[str, str, str]]:
    """(JSON path, message, keyword) of what actually disagrees. For anyOf/oneOf, the branch
    the instance comes closest to is followed down, so a nullable field's error is
    the non-null branch's and a tagged union's is its tag's branch's."""
    if error.validator in ("anyOf", "oneOf") and error.context:
        branches: dict[Any, list[ValidationError]] = {}
        for e in error.context:
            key = e.relative_schema_path[0] if e.relative_schema_path else None
            branches.setdefault(key, []).append(e)
        subs = min(branches.values(), key=_branch_rank)
        out: list[tuple[str, str, str]] = []
        for sub in subs:
            out.extend(_leaves(sub))
        return out
    path = _json_path(error.absolute_path)
    if error.validator == "required" and isinstance(error.instance, dict):
        missing = [p for p in error.validator_value if p not in error.instance]
        name = next((p for p in missing if repr(p) in error.message), None)
        if name is not None:
            return [(f"{path}.{name}", "missing; Polar's schema requires it", "required")]
    if error.validator in ("type", "format", "enum", "const"):
        expected = {"type": f"type {error.validator_value!r}",
                    "format": f"format {error.validator_value!r}",
                    "enum": f"one of {error.validator_value!r}",
                    "const": f"{error.validator_value!r}"}[error.validator]
        return [(path, f"Polar's schema says {expected}, Tessera sent {_short(error.instance)}",
                 str(error.validator))]
    return [(path, f"{error.validator}: {error.message[:300]}", str(error.validator))]


def validate(instance: Any, pointer: str, *, what: str, route: str, method: Optional[str],
             status: Optional[int]) -> list[Mismatch]:
    out: list[Mismatch] = []
    seen: set[tuple[str, str]] = set()
    for error in spec().validator(pointer).iter_errors(instance):
        for path, message, _ in _leaves(error):
            if (path, message) in seen:
                continue
            seen.add((path, message))
            for kind, entries in (("difference", DIFFERENCES), ("known", KNOWN_MISMATCHES)):
                t = _tolerance(entries, route, method, status, path)
                if t is not None:
                    FINDINGS.count(FINDINGS.tolerated, (kind, route, t.path))
                    break
            else:
                out.append(Mismatch(what, route, method, status, path, message))
    if REPORT_PATH:
        _note_extra_keys(instance, pointer, route, method, status)
    return out


UNEXPECTED = re.compile(r"\((.*) (?:was|were) unexpected\)")


def _note_extra_keys(instance: Any, pointer: str, route: str, method: Optional[str],
                     status: Optional[int]) -> None:
    """For the report only: keys Tessera sends that Polar's schema does not declare
    (allowed: Polar's objects are open, and its SDK ignores unknown keys)."""
    where = " ".join(str(x) for x in (method, route, status) if x)
    for error in spec().closed_validator(pointer).iter_errors(instance):
        for path, message, kind in _leaves(error):
            m = UNEXPECTED.search(message) if kind == "unevaluatedProperties" else None
            if m:
                general = re.sub(r"\[\d+\]", "[*]", path)
                for name in re.findall(r"'([^']*)'", m.group(1)):
                    FINDINGS.count(FINDINGS.extra_keys, f"{where}: {general}.{name}")


# --------------------------------------------------------------------------
# Hooks
# --------------------------------------------------------------------------


@lru_cache(maxsize=None)
def _template(route: str) -> "Template":
    return Template(route)


def _skip_rule(method: str, path: str) -> Optional[Skip]:
    for s in SKIPPED_ROUTES:
        if s.method in ("*", method.upper()) and _template(s.route).matches(path):
            return s
    return None


def _is_json(res: httpx.Response) -> bool:
    ctype = res.headers.get("content-type", "").split(";")[0].strip().lower()
    return ctype == "application/json" or ctype.endswith("+json")


def check_response(res: httpx.Response) -> list[Mismatch]:
    """Validate one response of the server under test; record and return mismatches."""
    try:
        found = _check_response(res)
    except Exception as e:  # noqa: BLE001 - a bug in the check must not pass silently
        found = [Mismatch(f"{res.request.method} {res.request.url.path} -> {res.status_code}",
                          "?", res.request.method, res.status_code, "$",
                          f"the parity check itself failed: {type(e).__name__}: {e}")]
    FINDINGS.add(found)
    return found


def _check_response(res: httpx.Response) -> list[Mismatch]:
    method, path, status = res.request.method.upper(), res.request.url.path, res.status_code
    what = f"{method} {path} -> {status}"
    skip = _skip_rule(method, path)
    if skip is not None:
        FINDINGS.count(FINDINGS.skipped, f"{method} {skip.route}")
        return []
    if 300 <= status < 400:
        return []
    op = spec().operation(method, path)
    if op is None:
        if 200 <= status < 300:
            return [Mismatch(what, "?", method, status, "$",
                             "Tessera answered a route Polar does not have, and SKIPPED_ROUTES "
                             "does not name it")]
        FINDINGS.count(FINDINGS.skipped, f"{method} (no such route) {status}")
        return []
    template, operation = op
    key = f"{method} {template} {status}"
    responses = operation.get("responses", {})
    documented = responses.get(str(status))
    if documented is None:
        if 200 <= status < 300:
            codes = sorted(c for c in responses if c.startswith("2"))
            return [Mismatch(what, template, method, status, "$",
                             f"Polar answers this operation with {', '.join(codes)}, "
                             f"not {status}")]
        FINDINGS.count(FINDINGS.unschemed, key)
        return []
    content = documented.get("content", {})
    if "application/json" not in content:
        if 200 <= status < 300 and res.content:
            return [Mismatch(what, template, method, status, "$",
                             f"Polar sends no body with {status} here; Tessera sent "
                             f"{res.headers.get('content-type')!r}: {res.text[:120]!r}")]
        FINDINGS.count(FINDINGS.unschemed, key)
        return []
    if not _is_json(res):
        return [Mismatch(what, template, method, status, "$",
                         f"Polar sends application/json with {status} here; Tessera sent "
                         f"{res.headers.get('content-type')!r} ({len(res.content)} bytes)")]
    try:
        body = json.loads(res.content)
    except ValueError as e:
        return [Mismatch(what, template, method, status, "$", f"body is not JSON: {e}")]
    FINDINGS.count(FINDINGS.validated, key)
    pointer = _pointer("paths", template, method.lower(), "responses", str(status), "content",
                       "application/json", "schema")
    return validate(body, pointer, what=what, route=template, method=method, status=status)


def on_response(res: httpx.Response) -> None:
    """httpx response event hook."""
    res.read()
    check_response(res)


#: Pass as `event_hooks=` to an httpx.Client that talks to the server under test.
EVENT_HOOKS = {"response": [on_response]}


def check_webhook(body: bytes) -> list[Mismatch]:
    """Validate a webhook body the test receiver got against Webhook…Payload."""
    try:
        found = _check_webhook(body)
    except Exception as e:  # noqa: BLE001
        found = [Mismatch("webhook", "webhook:?", None, None, "$",
                          f"the parity check itself failed: {type(e).__name__}: {e}")]
    FINDINGS.add(found)
    return found


def _check_webhook(body: bytes) -> list[Mismatch]:
    try:
        payload = json.loads(body)
    except ValueError as e:
        return [Mismatch("webhook", "webhook:?", None, None, "$", f"body is not JSON: {e}")]
    event_type = payload.get("type") if isinstance(payload, dict) else None
    route = f"webhook:{event_type}"
    what = f"webhook {event_type}"
    pointer = spec().webhook_pointer(str(event_type))
    if pointer is None:
        return [Mismatch(what, route, None, None, "$.type",
                         f"Polar has no webhook event {event_type!r}")]
    FINDINGS.count(FINDINGS.validated, route)
    return validate(payload, pointer, what=what, route=route, method=None, status=None)


# --------------------------------------------------------------------------
# pytest plugin (conftest.py loads this module with `pytest_plugins`)
# --------------------------------------------------------------------------


def format_mismatches(found: list[Mismatch]) -> str:
    lines = [f"{len(found)} response(s) disagree with Polar's OpenAPI schema "
             "(see conformance/openapi_check.py; a deliberate difference belongs in DIFFERENCES):"]
    shown: Counter = Counter()
    for m in found:
        key = (m.what, m.path, m.error)
        shown[key] += 1
        if shown[key] == 1:
            lines.append(f"  - {m}")
    dupes = sum(n - 1 for n in shown.values())
    if dupes:
        lines.append(f"  (and {dupes} repeat(s) of the above)")
    return "\n".join(lines)


@pytest.fixture(autouse=True)
def _polar_openapi_parity():
    """Fails the test (at teardown) if any response it caused disagrees with Polar."""
    yield
    found = FINDINGS.drain()
    if found:
        pytest.fail(format_mismatches(found), pytrace=False)


def pytest_sessionfinish(session, exitstatus):
    leftover = FINDINGS.drain()
    if leftover:
        session.config._openapi_leftover = leftover  # type: ignore[attr-defined]
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    report = REPORT_PATH
    if report:
        data = {
            "validated": dict(sorted(FINDINGS.validated.items())),
            "no_published_schema": dict(sorted(FINDINGS.unschemed.items())),
            "skipped": dict(sorted(FINDINGS.skipped.items())),
            "extra_keys_polar_does_not_declare": dict(sorted(FINDINGS.extra_keys.items())),
            "tolerated": [{"kind": k, "route": r, "path": p, "count": n}
                          for (k, r, p), n in sorted(FINDINGS.tolerated.items())],
            "mismatches": sorted({(m.what if m.route == "?" else f"{m.method or ''} {m.route} {m.status or ''}".strip(),
                                   m.path, m.error) for m in FINDINGS.all}),
        }
        Path(report).write_text(json.dumps(data, indent=2, default=list))


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    leftover = getattr(config, "_openapi_leftover", None)
    if leftover:
        terminalreporter.section("Polar OpenAPI parity (after the last test)")
        terminalreporter.write_line(format_mismatches(leftover))
    if FINDINGS.tolerated:
        known = sum(n for (k, _, _), n in FINDINGS.tolerated.items() if k == "known")
        if known:
            terminalreporter.write_line(
                f"Polar OpenAPI parity: {known} value(s) tolerated only by KNOWN_MISMATCHES (to fix, issue 9)")
