"""customer_seats.revoke_seat."""

from __future__ import annotations

import uuid

import pytest
from polar_sdk import models

from support import assert_api_error, unique_email


def _assigned(org, seats: int = 1, **extra):
    sub = org.create_subscription(seats=seats)
    with org.sdk() as polar:
        seat = polar.customer_seats.assign_seat(
            request={"subscription_id": sub["id"], "email": unique_email(), **extra}
        )
    return sub, seat


def test_revoke_pending_seat(org):
    _, seat = _assigned(org)
    with org.sdk() as polar:
        revoked = polar.customer_seats.revoke_seat(seat_id=seat.id)
    assert revoked.id == seat.id
    assert revoked.status == models.SeatStatus.REVOKED
    assert revoked.revoked_at is not None


def test_revoke_claimed_seat(org):
    _, seat = _assigned(org, immediate_claim=True)
    assert seat.status == models.SeatStatus.CLAIMED
    with org.sdk() as polar:
        revoked = polar.customer_seats.revoke_seat(seat_id=seat.id)
    assert revoked.status == models.SeatStatus.REVOKED
    assert revoked.revoked_at is not None


def test_revoke_twice_is_idempotent(org):
    _, seat = _assigned(org)
    with org.sdk() as polar:
        first = polar.customer_seats.revoke_seat(seat_id=seat.id)
        second = polar.customer_seats.revoke_seat(seat_id=seat.id)
    assert second.id == seat.id
    assert second.status == models.SeatStatus.REVOKED
    assert second.revoked_at is not None
    assert first.revoked_at is not None


def test_revoke_frees_a_seat(org):
    sub, seat = _assigned(org, seats=2)
    with org.sdk() as polar:
        before = polar.customer_seats.list_seats(subscription_id=sub["id"])
        polar.customer_seats.revoke_seat(seat_id=seat.id)
        after = polar.customer_seats.list_seats(subscription_id=sub["id"])
    assert before.available_seats == 1
    assert after.available_seats == 2
    assert after.total_seats == 2


def test_next_assign_reuses_the_revoked_row(org):
    sub, seat = _assigned(org, seats=1)
    newcomer = unique_email("newcomer")
    with org.sdk() as polar:
        polar.customer_seats.revoke_seat(seat_id=seat.id)
        reused = polar.customer_seats.assign_seat(
            request={"subscription_id": sub["id"], "email": newcomer}
        )
        listed = polar.customer_seats.list_seats(subscription_id=sub["id"])
    assert reused.id == seat.id
    assert reused.status == models.SeatStatus.PENDING
    assert reused.customer_email == newcomer
    assert reused.revoked_at is None
    assert reused.claimed_at is None
    assert listed.available_seats == 0
    assert [s.id for s in listed.seats] == [seat.id]


def test_revoke_unknown_seat_is_404(org):
    with org.sdk() as polar:
        with pytest.raises(models.SDKError) as ei:
            polar.customer_seats.revoke_seat(seat_id=str(uuid.uuid4()))
    assert_api_error(ei.value, 404)


def test_revoke_seat_of_another_organization_is_404(org, other_org):
    _, foreign_seat = _assigned(other_org)
    with org.sdk() as polar:
        with pytest.raises(models.SDKError) as ei:
            polar.customer_seats.revoke_seat(seat_id=foreign_seat.id)
    assert_api_error(ei.value, 404)
    with other_org.sdk() as polar:
        listed = polar.customer_seats.list_seats(subscription_id=foreign_seat.subscription_id)
    assert listed.seats[0].status == models.SeatStatus.PENDING
