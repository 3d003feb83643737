"""customer_seats.assign_seat: request validation answers 422, which polar_sdk
parses into HTTPValidationError."""

from __future__ import annotations

import pytest
from polar_sdk import models

from support import assert_validation_error, unique_email


def _assign_expecting_422(org, request: dict) -> models.HTTPValidationError:
    with org.sdk() as polar:
        with pytest.raises(models.HTTPValidationError) as ei:
            polar.customer_seats.assign_seat(request=request)
    return ei.value


def test_both_subscription_and_order_is_422(org):
    sub = org.create_subscription(seats=1)
    order = org.create_order(seats=1)
    exc = _assign_expecting_422(
        org, {"subscription_id": sub["id"], "order_id": order["id"], "email": unique_email()}
    )
    assert_validation_error(exc)


def test_neither_subscription_nor_order_is_422(org):
    exc = _assign_expecting_422(org, {"email": unique_email()})
    assert_validation_error(exc)


def test_no_recipient_is_422(org):
    sub = org.create_subscription(seats=1)
    exc = _assign_expecting_422(org, {"subscription_id": sub["id"]})
    assert_validation_error(exc)


def test_malformed_email_is_422(org):
    sub = org.create_subscription(seats=1)
    exc = _assign_expecting_422(org, {"subscription_id": sub["id"], "email": "not-an-email"})
    assert_validation_error(exc, loc_hint="email")


def test_metadata_with_eleven_keys_is_422(org):
    sub = org.create_subscription(seats=1)
    exc = _assign_expecting_422(
        org,
        {"subscription_id": sub["id"], "email": unique_email(),
         "metadata": {f"k{i}": i for i in range(11)}},
    )
    assert_validation_error(exc, loc_hint="metadata")


def test_metadata_over_one_kilobyte_is_422(org):
    sub = org.create_subscription(seats=1)
    exc = _assign_expecting_422(
        org,
        {"subscription_id": sub["id"], "email": unique_email(), "metadata": {"note": "x" * 1100}},
    )
    assert_validation_error(exc, loc_hint="metadata")


def test_rejected_request_assigns_nothing(org):
    sub = org.create_subscription(seats=1)
    _assign_expecting_422(
        org,
        {"subscription_id": sub["id"], "email": unique_email(),
         "metadata": {f"k{i}": i for i in range(11)}},
    )
    with org.sdk() as polar:
        listed = polar.customer_seats.list_seats(subscription_id=sub["id"])
    assert listed.seats == []
    assert listed.available_seats == 1
