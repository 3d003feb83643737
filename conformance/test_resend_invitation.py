"""customer_seats.resend_invitation."""

from __future__ import annotations

import uuid

import pytest
from polar_sdk import models

from support import assert_api_error, unique_email


def test_resend_sends_a_new_email_with_a_fresh_token(org, server):
    sub = org.create_subscription(seats=1)
    who = unique_email()
    with org.sdk() as polar:
        seat = polar.customer_seats.assign_seat(request={"subscription_id": sub["id"], "email": who})
        first = server.mailbox.wait_for_invitation(who)
        resent = polar.customer_seats.resend_invitation(seat_id=seat.id)
    assert resent.id == seat.id
    assert resent.status == models.SeatStatus.PENDING
    both = server.mailbox.wait_for_invitations(who, count=2)
    assert len(both) == 2
    new_tokens = {inv.token for inv in both} - {first.token}
    assert len(new_tokens) == 1, "the resent email must carry a different token"


def test_resent_token_works_and_old_token_no_longer_does(org, server):
    sub = org.create_subscription(seats=1)
    who = unique_email()
    with org.sdk() as polar:
        seat = polar.customer_seats.assign_seat(request={"subscription_id": sub["id"], "email": who})
        old = server.mailbox.wait_for_invitation(who).token
        polar.customer_seats.resend_invitation(seat_id=seat.id)
        new = ({i.token for i in server.mailbox.wait_for_invitations(who, count=2)} - {old}).pop()

        info = polar.customer_seats.get_claim_info(invitation_token=new)
        assert info.customer_email == who
        with pytest.raises(models.SDKError) as ei:
            polar.customer_seats.get_claim_info(invitation_token=old)
    assert_api_error(ei.value, 404)


def test_resend_on_claimed_seat_is_seat_not_pending(org):
    sub = org.create_subscription(seats=1)
    with org.sdk() as polar:
        seat = polar.customer_seats.assign_seat(
            request={"subscription_id": sub["id"], "email": unique_email(), "immediate_claim": True}
        )
        with pytest.raises(models.SDKError) as ei:
            polar.customer_seats.resend_invitation(seat_id=seat.id)
    assert_api_error(ei.value, 400, "SeatNotPending")


def test_resend_on_unknown_seat_is_404(org):
    with org.sdk() as polar:
        with pytest.raises(models.SDKError) as ei:
            polar.customer_seats.resend_invitation(seat_id=str(uuid.uuid4()))
    assert_api_error(ei.value, 404)


def test_resend_on_seat_of_another_organization_is_404(org, other_org):
    sub = other_org.create_subscription(seats=1)
    who = unique_email()
    with other_org.sdk() as polar:
        seat = polar.customer_seats.assign_seat(request={"subscription_id": sub["id"], "email": who})
    with org.sdk() as polar:
        with pytest.raises(models.SDKError) as ei:
            polar.customer_seats.resend_invitation(seat_id=seat.id)
    assert_api_error(ei.value, 404)
