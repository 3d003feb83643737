"""Issue 9: the places where Tessera once answered differently from Polar, driven
through polar_sdk as a merchant's code would."""

from __future__ import annotations

import pytest
from polar_sdk import models

from support import assert_api_error, assert_validation_error, unique_email


def _member_model(org) -> None:
    with org.server.http(org.server.admin_token) as c:
        res = c.patch(f"/v1/organizations/{org.id}",
                      json={"feature_settings": {"member_model_enabled": True}})
        assert res.status_code == 200, res.text


def _assign_422(org, request: dict) -> str:
    with org.sdk() as polar:
        with pytest.raises(models.HTTPValidationError) as ei:
            polar.customer_seats.assign_seat(request=request)
    details = assert_validation_error(ei.value)
    return details[0].msg


@pytest.mark.parametrize("fields, message", [
    ({}, "Exactly one of subscription_id or order_id must be provided"),
    ({"pool": True}, "At least one of email, external_customer_id, customer_id, external_member_id, "
                     "or member_id must be provided"),
    ({"pool": True, "customer_id": "CUSTOMER", "member_id": "RANDOM"},
     "Cannot combine external_customer_id/customer_id with external_member_id/member_id"),
    ({"pool": True, "member_id": "RANDOM", "external_member_id": "m1"},
     "Cannot provide both external_member_id and member_id"),
    ({"pool": True, "email": "EMAIL", "external_customer_id": "c1"},
     "Exactly one of email, external_customer_id, or customer_id must be provided"),
    ({"pool": True, "member_id": "RANDOM", "email": "EMAIL"}, "Cannot combine member_id with email"),
])
def test_assignment_rules_answer_in_polars_words(org, fields, message):
    import uuid
    sub = org.create_subscription(seats=1)
    customer = org.create_customer()
    request = {}
    for key, value in fields.items():
        if key == "pool":
            request["subscription_id"] = sub["id"]
        elif value == "CUSTOMER":
            request[key] = customer["id"]
        elif value == "RANDOM":
            request[key] = str(uuid.uuid4())
        elif value == "EMAIL":
            request[key] = unique_email()
        else:
            request[key] = value
    if not fields:
        request["email"] = unique_email()
    assert _assign_422(org, request) == f"Value error, {message}"


def test_member_model_seats_name_their_holder_and_claim_signs_in_a_member(org, server):
    _member_model(org)
    sub = org.create_subscription(seats=2)
    who = unique_email("newbie")
    with org.sdk() as polar:
        seat = polar.customer_seats.assign_seat(request={"subscription_id": sub["id"], "email": who})
        assert seat.customer_email == who
        assert seat.customer_id == sub["customer_id"]
        listed = polar.customer_seats.list_seats(subscription_id=sub["id"])
        assert [s.customer_email for s in listed.seats] == [who]
    token = server.mailbox.wait_for_invitation(who).token
    with server.sdk(None) as anonymous:
        assert anonymous.customer_seats.get_claim_info(invitation_token=token).customer_email == who
        claimed = anonymous.customer_seats.claim_seat(request={"invitation_token": token})
    assert claimed.seat.customer_email == who
    assert claimed.customer_session_token.startswith("tsr_mst_")
    with org.sdk() as polar:
        revoked = polar.customer_seats.revoke_seat(seat_id=seat.id)
    assert revoked.status == models.SeatStatus.REVOKED
    assert revoked.customer_email == who
    assert revoked.member is not None and revoked.member.email == who


def test_unknown_customer_in_the_member_model_is_polars_400(org):
    import uuid
    _member_model(org)
    sub = org.create_subscription(seats=1)
    with org.sdk() as polar:
        with pytest.raises(models.SDKError) as ei:
            polar.customer_seats.assign_seat(request={"subscription_id": sub["id"], "customer_id": str(uuid.uuid4())})
    body = assert_api_error(ei.value, 400, "InvalidSeatAssignmentRequest")
    assert body["detail"] == "Customer not found for the provided customer_id or external_customer_id."


def test_nul_characters_are_refused_and_never_stored(org):
    with org.sdk() as polar:
        with pytest.raises(models.HTTPValidationError) as ei:
            polar.customers.create(request={"email": unique_email(), "name": "a\u0000b"})
    details = assert_validation_error(ei.value, loc_hint="name")
    assert details[0].msg == "Value error, This value contains invalid characters"
    with org.server.http(org.token) as c:
        res = c.get("/v1/customers/", params={"email": "a\u0000b@example.com"})
        assert res.status_code == 422, res.text


@pytest.mark.parametrize("value", ["maybe", "no", None])
def test_feature_settings_of_the_wrong_type_are_a_422(org, value):
    with org.server.http(org.server.admin_token) as c:
        res = c.patch(f"/v1/organizations/{org.id}",
                      json={"feature_settings": {"seat_based_pricing_enabled": value}})
        assert res.status_code == 422, res.text
        assert res.json()["detail"][0]["loc"] == ["body", "feature_settings", "seat_based_pricing_enabled"]
        assert c.get(f"/v1/organizations/{org.id}").json()["feature_settings"]["seat_based_pricing_enabled"] is True
