"""Credentials on the organization-scoped operations."""

from __future__ import annotations

import pytest
from polar_sdk import models

from support import assert_api_error, unique_email


def test_unknown_bearer_token_is_401(org):
    sub = org.create_subscription(seats=1)
    with org.sdk(token="tsr_oat_not-a-real-token") as polar:
        with pytest.raises(models.SDKError) as ei:
            polar.customer_seats.list_seats(subscription_id=sub["id"])
    assert ei.value.status_code == 401
    assert ei.value.headers.get("www-authenticate", "").lower().startswith("bearer")


def test_missing_bearer_token_is_401(org, server):
    sub = org.create_subscription(seats=1)
    with server.sdk(None) as polar:
        with pytest.raises(models.SDKError) as ei:
            polar.customer_seats.assign_seat(
                request={"subscription_id": sub["id"], "email": unique_email()}
            )
    assert ei.value.status_code == 401

