"""The `tessera` client commands: from an empty server to a claimed seat with only
`tessera` subprocesses, the human tables and `--json`, and one-line errors with exit codes.

Exit codes: 1 for an error answer from the API, 3 when the server cannot be reached,
64 (ArgumentParser's EX_USAGE) for a usage error.
"""

from __future__ import annotations

import json
import os
import subprocess
from typing import Optional

import httpx
from conftest import _free_port, _server_binary
from support import Server, unique_email, unique_slug

API_ERROR = 1
TRANSPORT_ERROR = 3
USAGE_ERROR = 64


def tessera(server_url: str, *args: str, token: Optional[str] = None,
            check: bool = True, stdin: Optional[str] = None) -> subprocess.CompletedProcess:
    """Runs `tessera ARGS` with TESSERA_SERVER_URL (and TESSERA_ACCESS_TOKEN when given)
    in a clean environment, with `stdin` as its standard input (none by default)."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "TESSERA_SERVER_URL": server_url}
    if token is not None:
        env["TESSERA_ACCESS_TOKEN"] = token
    stdin_args = {"stdin": subprocess.DEVNULL} if stdin is None else {"input": stdin}
    # The bound only stops a hung command: an import of 1,000 rows into PostgreSQL, against a
    # debug build on a loaded machine, takes half a minute or more.
    res = subprocess.run([str(_server_binary()), *args], env=env, capture_output=True, text=True,
                         timeout=300, **stdin_args)
    if check:
        assert res.returncode == 0, (
            f"tessera {' '.join(args)} exited {res.returncode}\nstdout: {res.stdout}\nstderr: {res.stderr}"
        )
        assert res.stderr == "", res.stderr
    return res


def tessera_json(server_url: str, *args: str, token: Optional[str] = None):
    return json.loads(tessera(server_url, *args, "--json", token=token).stdout)


def one_error_line(res: subprocess.CompletedProcess, exit_code: int) -> str:
    """Asserts the command failed with exit_code, printing nothing on stdout and exactly one
    `error: …` line on stderr; returns that line."""
    assert res.returncode == exit_code, (res.returncode, res.stdout, res.stderr)
    assert res.stdout == "", res.stdout
    lines = res.stderr.splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got: {res.stderr!r}"
    assert lines[0].startswith("error: "), lines[0]
    assert "Traceback" not in lines[0] and "Fatal error" not in lines[0]
    return lines[0]


def row_of(table: str, first_cell: str) -> list[str]:
    """The cells of the table row whose first column is first_cell."""
    for line in table.splitlines():
        cells = line.split()
        if cells and cells[0] == first_cell:
            return cells
    raise AssertionError(f"no row {first_cell!r} in:\n{table}")


def setup_org(server: Server) -> tuple[str, str]:
    """An organization and a token for it, made with `tessera` (returns org id, token)."""
    url = server.base_url
    org = tessera_json(url, "organizations", "create", "--name", "CLI Org", "--slug", unique_slug("cli"),
                       token=server.admin_token)
    scopes = ["customer_seats:write", "customers:write", "products:write", "subscriptions:write",
              "orders:write"]
    args = ["tokens", "create", "--organization-id", org["id"], "--comment", "cli test"]
    for scope in scopes:
        args += ["--scope", scope]
    out = tessera(url, *args, token=server.admin_token).stdout
    token = out.strip().splitlines()[-1]
    assert token.startswith("tsr_oat_"), out
    return org["id"], token


def setup_pool(server: Server, token: str, seats: int) -> str:
    url = server.base_url
    customer = tessera_json(url, "customers", "create", "--email", unique_email("billing"), token=token)
    product = tessera_json(url, "products", "create", "--name", "Team plan", "--recurring", "month",
                           "--seat-price", "1500", token=token)
    sub = tessera_json(url, "subscriptions", "create", "--customer-id", customer["id"],
                       "--product-id", product["id"], "--seats", str(seats), token=token)
    return sub["id"]


# --------------------------------------------------------------------------
# The walkthrough of the README
# --------------------------------------------------------------------------


def test_from_an_empty_server_to_a_claimed_seat(server: Server):
    url = server.base_url
    slug = unique_slug("acme")

    # 1. The operator makes an organization and a token for it.
    out = tessera(url, "organizations", "create", "--name", "Acme", "--slug", slug,
                  token=server.admin_token).stdout
    org_id = out.splitlines()[1].split()[0]
    assert row_of(out, org_id)[1:3] == ["Acme", slug], out
    out = tessera(url, "tokens", "create", "--organization-id", org_id,
                  "--scope", "customer_seats:write", "--scope", "customers:write",
                  "--scope", "products:write", "--scope", "subscriptions:write",
                  "--comment", "backend", token=server.admin_token).stdout
    token = out.splitlines()[-1]          # what `| tail -n 1` gives
    assert token.startswith("tsr_oat_"), out
    assert "customer_seats:write" in out

    # 2. A customer, a seat-based product and a subscription with 2 seats.
    customer = tessera_json(url, "customers", "create", "--email", unique_email("billing"),
                            "--name", "BigCo", token=token)
    assert customer["name"] == "BigCo"
    table = tessera(url, "customers", "list", "--email", customer["email"], token=token).stdout
    assert row_of(table, customer["id"])[1] == customer["email"]

    product = tessera_json(url, "products", "create", "--name", "Team plan", "--recurring", "month",
                           "--seat-price", "1500", "--max-seats", "50", token=token)
    assert product["recurring_interval"] == "month"
    tier = product["prices"][0]["seat_tiers"]["tiers"][0]
    assert (tier["min_seats"], tier["max_seats"], tier["price_per_seat"]) == (1, 50, 1500)
    table = tessera(url, "products", "get", product["id"], token=token).stdout
    row = " ".join(row_of(table, product["id"]))
    assert "Team plan every month 15.00 USD 1–50" in row, table

    sub = tessera_json(url, "subscriptions", "create", "--customer-id", customer["id"],
                       "--product-id", product["id"], "--seats", "2", token=token)
    assert sub["seats"] == 2 and sub["status"] == "active"

    # 3. Assign a seat by email: an invitation goes out.
    ada = unique_email("ada")
    out = tessera(url, "seats", "assign", "--subscription-id", sub["id"], "--email", ada,
                  "--metadata", "team=data", token=token).stdout
    assert "pending" in out and ada in out, out
    seats = tessera_json(url, "seats", "list", "--subscription-id", sub["id"], token=token)
    assert [s["customer_email"] for s in seats["seats"]] == [ada]
    seat_id = seats["seats"][0]["id"]
    assert seats["seats"][0]["seat_metadata"] == {"team": "data"}

    # 4. Ada's email has the claim link; its token is all `claim-info` and `claim` need.
    invitation = server.mailbox.wait_for_invitation(ada)
    info = tessera(url, "seats", "claim-info", invitation.token).stdout
    assert "Team plan" in info and slug in info and ada in info, info
    assert "Can claim:" in info and info.rstrip().endswith("yes"), info
    info_json = tessera_json(url, "seats", "claim-info", invitation.link)   # the whole link works too
    assert info_json["customer_email"] == ada and info_json["can_claim"] is True

    claimed = tessera_json(url, "seats", "claim", invitation.token)
    assert claimed["seat"]["id"] == seat_id
    assert claimed["seat"]["status"] == "claimed"
    assert claimed["customer_session_token"].startswith("tsr_mst_")

    # 5. The pool shows the claimed seat.
    table = tessera(url, "seats", "list", "--subscription-id", sub["id"], token=token).stdout
    lines = table.splitlines()
    assert lines[0].split() == ["ID", "STATUS", "EMAIL", "CLAIMED/REVOKED"], table
    row = row_of(table, seat_id)
    assert row[1:3] == ["claimed", ada], table
    assert row[3] != "-", table
    assert lines[-1] == "1 of 2 seats available", table


# --------------------------------------------------------------------------
# Errors: one line on stderr, a non-zero exit code
# --------------------------------------------------------------------------


def test_full_pool_is_one_seat_not_available_line(server: Server):
    _, token = setup_org(server)
    sub_id = setup_pool(server, token, seats=1)
    tessera(server.base_url, "seats", "assign", "--subscription-id", sub_id, "--email", unique_email(),
            token=token)
    res = tessera(server.base_url, "seats", "assign", "--subscription-id", sub_id, "--email", unique_email(),
                  token=token, check=False)
    line = one_error_line(res, API_ERROR)
    assert line.startswith("error: SeatNotAvailable: "), line
    assert "400" in line


def test_malformed_email_is_one_invalid_request_line(server: Server):
    _, token = setup_org(server)
    sub_id = setup_pool(server, token, seats=1)
    res = tessera(server.base_url, "seats", "assign", "--subscription-id", sub_id, "--email", "not-an-email",
                  token=token, check=False)
    line = one_error_line(res, API_ERROR)
    assert line.startswith("error: invalid request: body.email: "), line


def test_bad_token_is_one_401_line(server: Server):
    res = tessera(server.base_url, "seats", "list", "--subscription-id", "00000000-0000-0000-0000-000000000000",
                  token="tsr_oat_not-a-real-token", check=False)
    line = one_error_line(res, API_ERROR)
    assert "invalid_token" in line and "401" in line, line


def test_unreachable_server_is_one_transport_line():
    url = f"http://127.0.0.1:{_free_port()}"
    res = tessera(url, "seats", "list", "--subscription-id", "x", token="tsr_oat_x", check=False)
    line = one_error_line(res, TRANSPORT_ERROR)
    assert line == f"error: cannot reach {url}: connection refused", line
    # --server-url wins over the environment.
    res = tessera("http://127.0.0.1:9", "seats", "claim-info", "x", "--server-url", url, check=False)
    assert one_error_line(res, TRANSPORT_ERROR) == f"error: cannot reach {url}: connection refused"


def test_unknown_ids_are_one_not_found_line(server: Server):
    _, token = setup_org(server)
    res = tessera(server.base_url, "seats", "revoke", "00000000-0000-0000-0000-000000000000", token=token,
                  check=False)
    assert "ResourceNotFound" in one_error_line(res, API_ERROR)
    res = tessera(server.base_url, "seats", "claim", "no-such-invitation", check=False)
    assert one_error_line(res, API_ERROR).startswith("error: InvalidInvitationToken: ")
    # Invitation tokens are URL-safe base64: one starting with "-" is a token, not an option.
    res = tessera(server.base_url, "seats", "claim-info", "-0YClG8YcLRjao_0aH0iheY2jGYdvcbagm8NxPyjfyc", check=False)
    assert one_error_line(res, API_ERROR).startswith("error: ResourceNotFound: ")


def test_usage_errors(server: Server):
    url = server.base_url
    # A missing required option.
    res = tessera(url, "customers", "create", token="tsr_oat_x", check=False)
    assert res.returncode == USAGE_ERROR, res
    assert "--email" in res.stderr and "Usage:" in res.stderr, res.stderr
    # Neither or both pools, or no person.
    for args in (["seats", "assign", "--email", "a@example.com"],
                 ["seats", "assign", "--subscription-id", "s", "--order-id", "o", "--email", "a@example.com"],
                 ["seats", "assign", "--subscription-id", "s"],
                 ["seats", "list"],
                 ["products", "create", "--name", "P", "--seat-price", "100"],
                 ["products", "create", "--name", "P", "--seat-price", "100", "--one-time", "--recurring", "month"],
                 ["tokens", "create", "--organization-id", "o"]):
        res = tessera(url, *args, token="tsr_oat_x", check=False)
        assert res.returncode == USAGE_ERROR, (args, res)
        assert res.stdout == ""
        assert "Error:" in res.stderr and "Usage:" in res.stderr, (args, res.stderr)
    # No token for a command that needs one: one line.
    res = tessera(url, "seats", "list", "--subscription-id", "s", check=False)
    line = one_error_line(res, USAGE_ERROR)
    assert "TESSERA_ACCESS_TOKEN" in line
    # A server URL that is not one.
    res = tessera("not a url", "seats", "claim-info", "x", check=False)
    assert res.returncode == USAGE_ERROR and "--server-url" in res.stderr, res


def test_help_says_what_each_command_does_with_an_example():
    binary = str(_server_binary())
    top = subprocess.run([binary, "--help"], capture_output=True, text=True, check=True).stdout
    for command in ("organizations", "tokens", "customers", "products", "subscriptions", "orders", "seats", "access"):
        assert f"  {command} " in top, top
    commands = [["seats", sub] for sub in ("assign", "import", "list", "transfer", "revoke", "resend", "history",
                                           "claim-info", "claim")]
    commands += [["organizations", "create"], ["tokens", "create"], ["tokens", "delete"],
                 ["customers", "create"], ["customers", "list"], ["customers", "get"], ["customers", "delete"],
                 ["products", "create"], ["products", "list"], ["products", "get"],
                 ["subscriptions", "create"], ["subscriptions", "list"], ["subscriptions", "get"],
                 ["subscriptions", "set-seats"], ["subscriptions", "revoke"],
                 ["orders", "create"], ["orders", "list"], ["orders", "get"], ["orders", "mark-paid"],
                 ["access", "check"]]
    for command in commands:
        text = subprocess.run([binary, *command, "--help"], capture_output=True, text=True, check=True).stdout
        assert text.startswith("OVERVIEW: "), (command, text)
        assert f"tessera {' '.join(command)}" in text.split("USAGE:")[0], (command, text)
        for option in ("--server-url", "--token", "--json"):
            assert option in text, (command, option)


# --------------------------------------------------------------------------
# The other commands
# --------------------------------------------------------------------------


def test_orders_seat_changes_and_cleanup(server: Server):
    url = server.base_url
    _, token = setup_org(server)
    customer = tessera_json(url, "customers", "create", "--email", unique_email("billing"),
                            "--external-id", unique_slug("ext"), token=token)
    assert tessera_json(url, "customers", "get", customer["id"], token=token)["id"] == customer["id"]
    product = tessera_json(url, "products", "create", "--name", "Team pack", "--one-time",
                           "--seat-price", "900", token=token)
    assert product["recurring_interval"] is None or "recurring_interval" not in product
    assert product["id"] in [p["id"] for p in tessera_json(url, "products", "list", "--limit", "100",
                                                           token=token)["items"]]

    # A pending order's seats cannot be assigned until it is paid.
    order = tessera_json(url, "orders", "create", "--customer-id", customer["id"], "--product-id", product["id"],
                         "--seats", "3", "--pending", token=token)
    assert order["status"] == "pending"
    res = tessera(url, "seats", "assign", "--order-id", order["id"], "--email", unique_email(), token=token,
                  check=False)
    one_error_line(res, API_ERROR)
    table = tessera(url, "orders", "mark-paid", order["id"], token=token).stdout
    assert row_of(table, order["id"])[1] == "paid", table
    assert tessera_json(url, "orders", "get", order["id"], token=token)["paid"] is True
    assert order["id"] in tessera(url, "orders", "list", token=token).stdout

    bob = unique_email("bob")
    seat = tessera_json(url, "seats", "assign", "--order-id", order["id"], "--email", bob, token=token)
    assert seat["status"] == "pending"
    first = server.mailbox.wait_for_invitation(bob)
    resent = tessera_json(url, "seats", "resend", seat["id"], token=token)
    assert resent["id"] == seat["id"]
    invitations = server.mailbox.wait_for_invitations(bob, 2)
    assert {i.token for i in invitations} - {first.token}
    revoked = tessera(url, "seats", "revoke", seat["id"], token=token).stdout
    assert row_of(revoked, seat["id"])[1] == "revoked", revoked
    table = tessera(url, "seats", "list", "--order-id", order["id"], token=token).stdout
    assert table.splitlines()[-1] == "3 of 3 seats available", table

    # Immediate claim by customer id, then resize and revoke a subscription.
    sub_id = setup_pool(server, token, seats=2)
    seat = tessera_json(url, "seats", "assign", "--subscription-id", sub_id, "--customer-id", customer["id"],
                        "--immediate-claim", token=token)
    assert seat["status"] == "claimed"
    sub = tessera_json(url, "subscriptions", "set-seats", sub_id, "5", token=token)
    assert sub["seats"] == 5
    assert tessera_json(url, "subscriptions", "get", sub_id, token=token)["seats"] == 5
    assert sub_id in [s["id"] for s in tessera_json(url, "subscriptions", "list", "--limit", "100",
                                                    token=token)["items"]]
    res = tessera(url, "subscriptions", "set-seats", sub_id, "0", token=token, check=False)
    assert res.returncode == USAGE_ERROR
    revoked = tessera_json(url, "subscriptions", "revoke", sub_id, token=token)
    assert revoked["status"] == "canceled"

    # Deleting a customer and a token.
    other = tessera_json(url, "customers", "create", "--email", unique_email("gone"), token=token)
    assert tessera(url, "customers", "delete", other["id"], token=token).stdout.startswith("Deleted customer")
    res = tessera(url, "customers", "get", other["id"], token=token, check=False)
    assert "ResourceNotFound" in one_error_line(res, API_ERROR)

    org_id, spare = setup_org(server)
    created = tessera_json(url, "tokens", "create", "--organization-id", org_id, "--scope", "customers:read",
                           "--expires-in", "3600", token=server.admin_token)
    assert created["organization_access_token"]["expires_at"]
    assert tessera_json(url, "tokens", "delete", created["organization_access_token"]["id"],
                        token=server.admin_token) == {"deleted": True,
                                                      "id": created["organization_access_token"]["id"]}
    res = tessera(url, "customers", "list", token=created["token"], check=False)
    assert "401" in one_error_line(res, API_ERROR)
    assert tessera_json(url, "customers", "list", token=spare)["items"] == []


def test_json_is_the_api_answer_as_the_server_sent_it(server: Server):
    """`--json` prints the server's body unchanged, so fields the SDK's models lack (a
    subscription's `prices`, a product's `organization_id`, …) reach scripts too."""
    url = server.base_url
    _, token = setup_org(server)
    sub_id = setup_pool(server, token, seats=2)
    api = httpx.get(f"{url}/v1/subscriptions/{sub_id}", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 200, api.text

    out = tessera(url, "subscriptions", "get", sub_id, "--json", token=token).stdout
    assert out.endswith("\n") and not out.endswith("\n\n"), repr(out[-3:])
    printed = json.loads(out)
    assert printed == api.json()
    assert printed["prices"] and printed["prices"][0]["amount_type"] == "seat_based", printed["prices"]
    # Exactly the server's text: the same keys in the same order, with the server's spacing.
    assert list(printed) == list(api.json())
    assert out == api.text + "\n"

    # A list's items are the server's too.
    listed = tessera_json(url, "subscriptions", "list", "--limit", "100", token=token)
    assert [s["prices"] for s in listed["items"] if s["id"] == sub_id] == [printed["prices"]]


def test_access_check_exits_zero_when_allowed_and_three_when_not(server: Server):
    org = server.create_org()
    product = org.create_product()
    sub = org.create_subscription(seats=2, product=product)
    email = unique_email("access")
    org.sdk().customer_seats.assign_seat(
        request={"subscription_id": sub["id"], "email": email, "immediate_claim": True})
    url = server.base_url

    allowed = tessera(url, "access", "check", "--product-id", product["id"], "--email", email, token=org.token)
    assert row_of(allowed.stdout, "Allowed:")[1] == "yes", allowed.stdout
    as_json = tessera_json(url, "access", "check", "--product-id", product["id"], "--email", email, token=org.token)
    assert as_json["allowed"] is True and as_json["subscription_id"] == sub["id"]

    denied = tessera(url, "access", "check", "--product-id", product["id"], "--email", unique_email("nobody"),
                     token=org.token, check=False)
    assert denied.returncode == 3, (denied.returncode, denied.stdout, denied.stderr)
    assert denied.stdout.strip() == "Not allowed: person_not_found"
    usage = tessera(url, "access", "check", "--email", email, token=org.token, check=False)
    assert usage.returncode == USAGE_ERROR and "exactly one of --benefit-id and --product-id" in usage.stderr


def test_no_email_prints_the_claim_link_once_and_sends_nothing(server: Server):
    org = server.create_org()
    sub = org.create_subscription(seats=2)
    email = unique_email("handed")
    url = server.base_url

    assigned = tessera(url, "seats", "assign", "--subscription-id", sub["id"], "--email", email, "--no-email",
                       token=org.token)
    link = assigned.stdout.strip().splitlines()[-1]
    assert "No email sent" in assigned.stdout and link.startswith(url + "/"), assigned.stdout
    assert "/portal/claim?token=" in link
    token = link.split("token=", 1)[1]
    # The link claims the seat; no email went out.
    info = httpx.get(f"{url}/v1/customer-seats/claim/{token}")
    assert info.status_code == 200 and info.json()["customer_email"] == email
    assert server.mailbox.invitations_to(email) == []
    seat_id = tessera_json(url, "seats", "list", "--subscription-id", sub["id"], token=org.token)["seats"][0]["id"]

    resent = tessera(url, "seats", "resend", seat_id, "--no-email", token=org.token)
    new_link = resent.stdout.strip().splitlines()[-1]
    assert new_link != link and "/portal/claim?token=" in new_link
    assert httpx.get(f"{url}/v1/customer-seats/claim/{token}").status_code == 404
    # An emailed invitation queued after them arrives; none of theirs ever did.
    later = unique_email("emailed")
    tessera(url, "seats", "assign", "--subscription-id", sub["id"], "--email", later, token=org.token)
    server.mailbox.wait_for_invitation(later)
    assert server.mailbox.invitations_to(email) == []


def test_seats_history_shows_who_did_what_newest_first(server: Server):
    org = server.create_org()
    sub = org.create_subscription(seats=2)
    email = unique_email("history")
    url = server.base_url
    assigned = tessera_json(url, "seats", "assign", "--subscription-id", sub["id"], "--email", email,
                            "--immediate-claim", token=org.token)
    tessera(url, "seats", "revoke", assigned["id"], token=org.token)

    shown = tessera(url, "seats", "history", assigned["id"], token=org.token)
    events = [line.split()[2] for line in shown.stdout.strip().splitlines()[1:]]
    assert events == ["revoked", "claimed", "assigned"], shown.stdout
    as_json = tessera_json(url, "seats", "history", "--subscription-id", sub["id"], "--limit", "2", token=org.token)
    assert len(as_json["items"]) == 2 and as_json["next_cursor"]
    rest = tessera_json(url, "seats", "history", "--subscription-id", sub["id"], "--limit", "2",
                        "--cursor", as_json["next_cursor"], token=org.token)
    assert [e["type"] for e in as_json["items"] + rest["items"]] == ["revoked", "claimed", "assigned"]
    usage = tessera(url, "seats", "history", token=org.token, check=False)
    assert usage.returncode == USAGE_ERROR and "exactly one of a seat id" in usage.stderr


# --------------------------------------------------------------------------
# seats import: a CSV file through the bulk call
# --------------------------------------------------------------------------


def seat_emails(url: str, token: str, sub_id: str) -> dict[str, dict]:
    """The pool's active seats by email."""
    seats = tessera_json(url, "seats", "list", "--subscription-id", sub_id, token=token)["seats"]
    return {s["email"] or s["customer_email"]: s for s in seats if s["status"] != "revoked"}


def summary(out: str) -> dict[str, str]:
    """The `Label:  value` lines of an import's summary."""
    return {k.strip(): v.strip() for k, v in (line.split(":", 1) for line in out.splitlines()[:3])}


def test_seats_import_assigns_a_csv_and_reports_each_failed_line(server: Server, tmp_path):
    org = server.create_org()
    sub = org.create_subscription(seats=5)
    url = server.base_url
    ada, bo, cy, held = (unique_email(tag) for tag in ("ada", "bo", "cy", "held"))
    tessera(url, "seats", "assign", "--subscription-id", sub["id"], "--email", held, token=org.token)
    csv = tmp_path / "people.csv"
    csv.write_text(f"email,external_id\r\n{ada},user-ada\r\n\r\n{bo}\r\n{held.upper()}\r\nnot-an-email\r\n"
                   f"\"{cy}\",\r\n")

    res = tessera(url, "seats", "import", "--subscription-id", sub["id"], str(csv), token=org.token, check=False)
    assert res.returncode == API_ERROR, (res.stdout, res.stderr)
    assert res.stderr == "", "no progress bar when stderr is not a terminal"
    assert summary(res.stdout) == {"Assigned": "3", "Already assigned": "1", "Failed": "1"}, res.stdout
    failed = row_of(res.stdout, "6")
    assert failed[1] == "not-an-email" and " ".join(failed[2:]).startswith("invalid request: body.email: "), res.stdout

    # Really assigned, with the external id on the member; each new person invited once.
    seats = seat_emails(url, org.token, sub["id"])
    assert set(seats) == {ada, bo, cy, held}
    assert seats[ada]["member"]["external_id"] == "user-ada"
    for email in (ada, bo, cy):
        assert len(server.mailbox.wait_for_invitations(email)) == 1

    # Importing the same file again assigns nothing new and invites no one again.
    again = tessera(url, "seats", "import", "--subscription-id", sub["id"], str(csv), token=org.token, check=False)
    assert summary(again.stdout) == {"Assigned": "0", "Already assigned": "4", "Failed": "1"}, again.stdout
    assert len(server.mailbox.invitations_to(ada)) == 1


def test_seats_import_without_email_from_stdin_prints_each_link_and_sends_nothing(server: Server):
    org = server.create_org()
    sub = org.create_subscription(seats=3)
    url = server.base_url
    ada, bo = unique_email("ada"), unique_email("bo")
    res = tessera(url, "seats", "import", "--subscription-id", sub["id"], "-", "--no-email",
                  token=org.token, stdin=f"{ada}\n{bo}\n")
    assert summary(res.stdout) == {"Assigned": "2", "Already assigned": "0", "Failed": "0"}, res.stdout
    assert "No emails sent" in res.stdout
    link = row_of(res.stdout, "1")[2]
    assert row_of(res.stdout, "1")[1] == ada and "/portal/claim?token=" in link, res.stdout
    claim = httpx.get(f"{url}/v1/customer-seats/claim/{link.split('token=', 1)[1]}")
    assert claim.status_code == 200 and claim.json()["customer_email"] == ada
    # An invitation emailed after them arrives; none of theirs ever did.
    later = unique_email("emailed")
    tessera(url, "seats", "assign", "--subscription-id", sub["id"], "--email", later, token=org.token)
    server.mailbox.wait_for_invitation(later)
    assert server.mailbox.invitations_to(ada) == [] and server.mailbox.invitations_to(bo) == []


def test_seats_import_atomic_assigns_nothing_when_a_line_fails(server: Server, tmp_path):
    org = server.create_org()
    sub = org.create_subscription(seats=1000)
    url = server.base_url
    ada = unique_email("ada")
    csv = tmp_path / "atomic.csv"
    csv.write_text(f"{ada}\nnot-an-email\n")
    res = tessera(url, "seats", "import", "--subscription-id", sub["id"], str(csv), "--atomic",
                  token=org.token, check=False)
    assert res.returncode == API_ERROR, (res.stdout, res.stderr)
    assert res.stdout.startswith("Nothing was assigned"), res.stdout
    assert row_of(res.stdout, "2")[1] == "not-an-email", res.stdout
    assert seat_emails(url, org.token, sub["id"]) == {}

    # More rows than one request takes is refused before anything is sent.
    big = tmp_path / "big.csv"
    big.write_text("".join(f"{unique_email('p')}\n" for _ in range(1001)))
    res = tessera(url, "seats", "import", "--subscription-id", sub["id"], str(big), "--atomic",
                  token=org.token, check=False)
    line = one_error_line(res, USAGE_ERROR)
    assert "--atomic takes at most 1000 rows" in line and "1001" in line, line
    assert seat_emails(url, org.token, sub["id"]) == {}

    # A malformed line or an unreadable file: one error line, nothing sent.
    bad = tmp_path / "bad.csv"
    bad.write_text(f"{ada}\n{ada},ext,extra\n")
    line = one_error_line(tessera(url, "seats", "import", "--subscription-id", sub["id"], str(bad),
                                  token=org.token, check=False), USAGE_ERROR)
    assert "line 2" in line and "3 fields" in line, line
    line = one_error_line(tessera(url, "seats", "import", "--subscription-id", sub["id"], str(tmp_path / "none.csv"),
                                  token=org.token, check=False), USAGE_ERROR)
    assert "cannot read" in line, line
    assert seat_emails(url, org.token, sub["id"]) == {}

    # Without --atomic the same 1,001 rows go in two requests: the first fills the pool of 1,000,
    # the second is refused whole, and the summary says where the import stopped.
    res = tessera(url, "seats", "import", "--subscription-id", sub["id"], str(big), "--no-email",
                  token=org.token, check=False)
    assert res.returncode == API_ERROR, (res.stdout[:300], res.stderr)
    assert summary(res.stdout) == {"Assigned": "1000", "Already assigned": "0", "Failed": "0"}
    assert res.stdout.rstrip().endswith("Stopped at line 1001: it and the lines after it were not sent."), res.stdout[-300:]
    assert res.stderr.startswith("error: SeatNotAvailable: "), res.stderr
    assert len(seat_emails(url, org.token, sub["id"])) == 1000


# --------------------------------------------------------------------------
# seats transfer and --expires-at
# --------------------------------------------------------------------------


def test_seats_transfer_hands_a_seat_to_another_person(server: Server):
    org = server.create_org()
    sub = org.create_subscription(seats=2)
    url = server.base_url
    ada, bo, cy = unique_email("ada"), unique_email("bo"), unique_email("cy")
    seat = tessera_json(url, "seats", "assign", "--subscription-id", sub["id"], "--email", ada, "--immediate-claim",
                        "--metadata", "team=red", token=org.token)

    out = tessera(url, "seats", "transfer", seat["id"], "--email", bo, token=org.token).stdout
    assert row_of(out, seat["id"])[1:3] == ["pending", bo], out
    assert f"invitation sent to {bo}" in out, out
    server.mailbox.wait_for_invitation(bo)
    assert list(seat_emails(url, org.token, sub["id"])) == [bo]

    # No email: the link is printed; metadata replaced; then claimed at once by a member's external id.
    handed = tessera(url, "seats", "transfer", seat["id"], "--email", cy, "--no-email", "--metadata", "team=blue",
                     token=org.token).stdout
    link = handed.strip().splitlines()[-1]
    assert "No email sent" in handed and "/portal/claim?token=" in link, handed
    assert seat_emails(url, org.token, sub["id"])[cy]["seat_metadata"] == {"team": "blue"}
    dee = unique_email("dee")
    moved = tessera_json(url, "seats", "transfer", seat["id"], "--external-member-id", "user-dee", "--email", dee,
                         "--immediate-claim", token=org.token)
    assert moved["id"] == seat["id"] and moved["status"] == "claimed"
    assert server.mailbox.invitations_to(cy) == []

    # A revoked seat cannot be handed on: one error line.
    tessera(url, "seats", "revoke", seat["id"], token=org.token)
    res = tessera(url, "seats", "transfer", seat["id"], "--email", ada, token=org.token, check=False)
    assert one_error_line(res, API_ERROR).startswith("error: SeatNotActive: "), res.stderr
    res = tessera(url, "seats", "transfer", seat["id"], token=org.token, check=False)
    assert res.returncode == USAGE_ERROR and "exactly one of --email" in res.stderr, res.stderr


def test_expires_at_on_assign_transfer_and_import(server: Server, tmp_path):
    org = server.create_org()
    sub = org.create_subscription(seats=4)
    url = server.base_url
    when = "2099-01-01T00:00:00Z"
    ada, bo, cy = unique_email("ada"), unique_email("bo"), unique_email("cy")

    out = tessera(url, "seats", "assign", "--subscription-id", sub["id"], "--email", ada, "--expires-at", when,
                  "--no-email", token=org.token).stdout
    lines = out.strip().splitlines()
    assert "Expires: 2099-01-01T00:00:00Z (the seat is revoked then)" in lines, out
    assert "/portal/claim?token=" in lines[-1], "the link stays alone on the last line"
    plain = tessera_json(url, "seats", "assign", "--subscription-id", sub["id"], "--email", bo, token=org.token)
    assert "expires_at" not in plain
    moved = tessera_json(url, "seats", "transfer", plain["id"], "--email", cy, "--expires-at", "2099-02-01T00:00:00+01:00",
                         token=org.token)
    assert moved["expires_at"].startswith("2099-01-31T23:00:00")
    csv = tmp_path / "expiring.csv"
    dee = unique_email("dee")
    csv.write_text(f"{dee}\n")
    tessera(url, "seats", "import", "--subscription-id", sub["id"], str(csv), "--expires-at", when, token=org.token)
    seats = seat_emails(url, org.token, sub["id"])
    assert seats[ada]["expires_at"].startswith("2099-01-01T00:00:00")
    assert seats[dee]["expires_at"].startswith("2099-01-01T00:00:00")

    res = tessera(url, "seats", "assign", "--subscription-id", sub["id"], "--email", unique_email(),
                  "--expires-at", "next tuesday", token=org.token, check=False)
    assert res.returncode == USAGE_ERROR and "--expires-at must be an RFC 3339 date-time" in res.stderr, res.stderr
    res = tessera(url, "seats", "assign", "--subscription-id", sub["id"], "--email", unique_email(),
                  "--expires-at", "2001-01-01T00:00:00Z", token=org.token, check=False)
    assert one_error_line(res, API_ERROR).startswith("error: invalid request: body.expires_at: "), res.stderr
