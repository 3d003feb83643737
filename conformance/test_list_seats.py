"""customer_seats.list_seats."""

from __future__ import annotations

import uuid

import pytest
from polar_sdk import models

from support import assert_api_error, unique_email


def test_list_by_subscription_counts_seats(org):
    sub = org.create_subscription(seats=3)
    a, b = unique_email("a"), unique_email("b")
    with org.sdk() as polar:
        polar.customer_seats.assign_seat(request={"subscription_id": sub["id"], "email": a})
        polar.customer_seats.assign_seat(
            request={"subscription_id": sub["id"], "email": b, "immediate_claim": True}
        )
        listed = polar.customer_seats.list_seats(subscription_id=sub["id"])
    assert isinstance(listed, models.SeatsList)
    assert listed.total_seats == 3
    assert listed.available_seats == 1
    by_email = {s.customer_email: s for s in listed.seats}
    assert set(by_email) == {a, b}
    assert by_email[a].status == models.SeatStatus.PENDING
    assert by_email[b].status == models.SeatStatus.CLAIMED
    assert all(s.subscription_id == sub["id"] for s in listed.seats)


def test_list_of_empty_pool(org):
    sub = org.create_subscription(seats=4)
    with org.sdk() as polar:
        listed = polar.customer_seats.list_seats(subscription_id=sub["id"])
    assert listed.seats == []
    assert listed.total_seats == 4
    assert listed.available_seats == 4


def test_list_by_order(org):
    order = org.create_order(seats=2)
    who = unique_email()
    with org.sdk() as polar:
        seat = polar.customer_seats.assign_seat(request={"order_id": order["id"], "email": who})
        listed = polar.customer_seats.list_seats(order_id=order["id"])
    assert [s.id for s in listed.seats] == [seat.id]
    assert listed.seats[0].order_id == order["id"]
    assert listed.total_seats == 2
    assert listed.available_seats == 1


def test_list_without_pool_is_400(org):
    with org.sdk() as polar:
        with pytest.raises(models.SDKError) as ei:
            polar.customer_seats.list_seats()
    body = assert_api_error(ei.value, 400)
    assert body["detail"] == "Either subscription_id or order_id must be provided"
    assert isinstance(body.get("error"), str) and body["error"]


def test_list_of_unknown_subscription_is_404(org):
    with org.sdk() as polar:
        with pytest.raises(models.SDKError) as ei:
            polar.customer_seats.list_seats(subscription_id=str(uuid.uuid4()))
    assert_api_error(ei.value, 404)


def test_list_of_another_organizations_subscription_is_404(org, other_org):
    foreign = other_org.create_subscription(seats=2)
    with org.sdk() as polar:
        with pytest.raises(models.SDKError) as ei:
            polar.customer_seats.list_seats(subscription_id=foreign["id"])
    assert_api_error(ei.value, 404)
