"""customer_seats.assign_seat: the happy paths and the pool rules."""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import pytest
from polar_sdk import models

from support import TOKEN_RE, assert_api_error, unique_email


def test_assign_by_email_returns_pending_seat(org):
    sub = org.create_subscription(seats=2)
    who = unique_email()
    with org.sdk() as polar:
        seat = polar.customer_seats.assign_seat(
            request={"subscription_id": sub["id"], "email": who, "metadata": {"team": "blue"}}
        )
    assert isinstance(seat, models.CustomerSeat)
    assert seat.status == models.SeatStatus.PENDING
    assert seat.customer_email == who
    assert seat.subscription_id == sub["id"]
    assert seat.order_id is None
    assert seat.invitation_token_expires_at is not None
    assert seat.claimed_at is None
    assert seat.revoked_at is None
    assert seat.seat_metadata == {"team": "blue"}
    uuid.UUID(seat.id)


def test_assign_response_carries_no_invitation_token(org):
    sub = org.create_subscription(seats=1)
    with org.sdk() as polar:
        polar.customer_seats.assign_seat(
            request={"subscription_id": sub["id"], "email": unique_email()}
        )
        raw = polar.sdk_configuration.client.last_json()
    assert "invitation_token" not in raw
    assert not any("token" in k and k != "invitation_token_expires_at" for k in raw), raw


def test_assign_timestamps_are_utc_and_invitation_lasts_24_hours(org):
    sub = org.create_subscription(seats=1)
    before = datetime.now(timezone.utc)
    with org.sdk() as polar:
        seat = polar.customer_seats.assign_seat(
            request={"subscription_id": sub["id"], "email": unique_email()}
        )
    for ts in (seat.created_at, seat.invitation_token_expires_at):
        assert ts.tzinfo is not None and ts.utcoffset() == timedelta(0), ts
    assert abs(seat.created_at - before) < timedelta(minutes=5)
    lifetime = seat.invitation_token_expires_at - before
    assert timedelta(hours=23, minutes=55) < lifetime < timedelta(hours=24, minutes=5), lifetime


def test_assign_sends_one_invitation_email_with_claim_link(org, server):
    sub = org.create_subscription(seats=1)
    who = unique_email()
    with org.sdk() as polar:
        polar.customer_seats.assign_seat(request={"subscription_id": sub["id"], "email": who})
    inv = server.mailbox.wait_for_invitation(who)
    assert inv.link == f"{server.base_url}/{org.slug}/portal/claim?token={inv.token}"
    assert TOKEN_RE.match(inv.token)
    assert len(inv.token) >= 43, "a 256-bit token is at least 43 base64url characters"
    time.sleep(1.0)  # a duplicate delivery would show up by now
    assert len(server.mailbox.messages_to(who)) == 1


def test_assign_with_immediate_claim_is_claimed_and_sends_no_email(org, server):
    sub = org.create_subscription(seats=2)
    claimed_now, invited = unique_email("immediate"), unique_email("invited")
    with org.sdk() as polar:
        seat = polar.customer_seats.assign_seat(
            request={"subscription_id": sub["id"], "email": claimed_now, "immediate_claim": True}
        )
        assert seat.status == models.SeatStatus.CLAIMED
        assert seat.claimed_at is not None
        assert seat.customer_email == claimed_now
        # A normal invitation afterwards proves the mail worker is running.
        polar.customer_seats.assign_seat(request={"subscription_id": sub["id"], "email": invited})
    server.mailbox.wait_for_invitation(invited)
    time.sleep(0.5)
    assert server.mailbox.messages_to(claimed_now) == []


def test_assign_by_customer_id_uses_that_customers_email(org):
    sub = org.create_subscription(seats=1)
    member = org.create_customer(unique_email("member"), name="Member One")
    with org.sdk() as polar:
        seat = polar.customer_seats.assign_seat(
            request={"subscription_id": sub["id"], "customer_id": member["id"]}
        )
    assert seat.status == models.SeatStatus.PENDING
    assert seat.customer_id == member["id"]
    assert seat.customer_email == member["email"]


def test_assign_on_paid_order(org):
    order = org.create_order(seats=2, status="paid")
    who = unique_email()
    with org.sdk() as polar:
        seat = polar.customer_seats.assign_seat(request={"order_id": order["id"], "email": who})
    assert seat.order_id == order["id"]
    assert seat.subscription_id is None
    assert seat.status == models.SeatStatus.PENDING
    assert seat.customer_email == who


def test_metadata_with_ten_keys_is_accepted(org):
    sub = org.create_subscription(seats=1)
    metadata = {f"k{i}": i for i in range(10)}
    with org.sdk() as polar:
        seat = polar.customer_seats.assign_seat(
            request={"subscription_id": sub["id"], "email": unique_email(), "metadata": metadata}
        )
    assert seat.seat_metadata == metadata


def test_assign_beyond_pool_size_is_seat_not_available(org):
    sub = org.create_subscription(seats=1)
    with org.sdk() as polar:
        polar.customer_seats.assign_seat(
            request={"subscription_id": sub["id"], "email": unique_email()}
        )
        with pytest.raises(models.SDKError) as ei:
            polar.customer_seats.assign_seat(
                request={"subscription_id": sub["id"], "email": unique_email()}
            )
    assert_api_error(ei.value, 400, "SeatNotAvailable")


def test_same_email_twice_in_one_pool_is_seat_already_assigned(org):
    sub = org.create_subscription(seats=3)
    who = unique_email()
    with org.sdk() as polar:
        polar.customer_seats.assign_seat(request={"subscription_id": sub["id"], "email": who})
        with pytest.raises(models.SDKError) as ei:
            polar.customer_seats.assign_seat(request={"subscription_id": sub["id"], "email": who})
    assert_api_error(ei.value, 400, "SeatAlreadyAssigned")


def test_emails_compare_case_insensitively(org):
    sub = org.create_subscription(seats=3)
    who = unique_email()
    with org.sdk() as polar:
        polar.customer_seats.assign_seat(request={"subscription_id": sub["id"], "email": who})
        with pytest.raises(models.SDKError) as ei:
            polar.customer_seats.assign_seat(
                request={"subscription_id": sub["id"], "email": who.upper()}
            )
    assert_api_error(ei.value, 400, "SeatAlreadyAssigned")


def test_unknown_subscription_is_404(org):
    with org.sdk() as polar:
        with pytest.raises(models.SDKError) as ei:
            polar.customer_seats.assign_seat(
                request={"subscription_id": str(uuid.uuid4()), "email": unique_email()}
            )
    assert_api_error(ei.value, 404)


def test_subscription_of_another_organization_is_404(org, other_org):
    foreign = other_org.create_subscription(seats=5)
    with org.sdk() as polar:
        with pytest.raises(models.SDKError) as ei:
            polar.customer_seats.assign_seat(
                request={"subscription_id": foreign["id"], "email": unique_email()}
            )
    assert_api_error(ei.value, 404)


def test_unknown_customer_id_is_customer_not_found(org):
    sub = org.create_subscription(seats=1)
    with org.sdk() as polar:
        with pytest.raises(models.SDKError) as ei:
            polar.customer_seats.assign_seat(
                request={"subscription_id": sub["id"], "customer_id": str(uuid.uuid4())}
            )
    assert_api_error(ei.value, 404, "CustomerNotFound")


def test_pending_order_is_rejected_with_400(org):
    order = org.create_order(seats=2, status="pending")
    with org.sdk() as polar:
        with pytest.raises(models.SDKError) as ei:
            polar.customer_seats.assign_seat(
                request={"order_id": order["id"], "email": unique_email()}
            )
    assert_api_error(ei.value, 400)


def test_feature_disabled_is_feature_not_enabled(org):
    sub = org.create_subscription(seats=1)
    org.set_seat_feature(False)
    with org.sdk() as polar:
        with pytest.raises(models.SDKError) as ei:
            polar.customer_seats.assign_seat(
                request={"subscription_id": sub["id"], "email": unique_email()}
            )
    assert_api_error(ei.value, 403, "FeatureNotEnabled")


def test_concurrent_assigns_never_overfill_the_pool(org, server):
    seats = 3
    sub = org.create_subscription(seats=seats)

    def attempt(i: int):
        with org.sdk() as polar:
            try:
                polar.customer_seats.assign_seat(
                    request={"subscription_id": sub["id"], "email": unique_email(f"race{i}")}
                )
                return "ok"
            except models.SDKError as e:
                assert_api_error(e, 400, "SeatNotAvailable")
                return "full"

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(attempt, range(8)))
    assert results.count("ok") == seats, results
    with org.sdk() as polar:
        listed = polar.customer_seats.list_seats(subscription_id=sub["id"])
    assert len([s for s in listed.seats if s.status != models.SeatStatus.REVOKED]) == seats
    assert listed.available_seats == 0
