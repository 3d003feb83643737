"""customer_seats.get_claim_info and customer_seats.claim_seat. polar_sdk sends
these two without credentials: the invitation token is the credential."""

from __future__ import annotations

import secrets

import pytest
from polar_sdk import models

from support import assert_api_error, unique_email


@pytest.fixture
def invited(org, server):
    """A pending seat on a fresh subscription and the token from its email."""
    product = org.create_product(name="Claimable plan")
    sub = org.create_subscription(seats=2, product=product)
    who = unique_email("invitee")
    with org.sdk() as polar:
        seat = polar.customer_seats.assign_seat(request={"subscription_id": sub["id"], "email": who})
    token = server.mailbox.wait_for_invitation(who).token
    return {"seat": seat, "email": who, "token": token, "product": product, "subscription": sub}


@pytest.fixture
def anonymous(server):
    """polar_sdk with no access token at all."""
    with server.sdk(None) as polar:
        yield polar


def test_claim_info_describes_the_invitation(invited, org, anonymous):
    info = anonymous.customer_seats.get_claim_info(invitation_token=invited["token"])
    assert isinstance(info, models.SeatClaimInfo)
    assert info.product_name == "Claimable plan"
    assert info.product_id == invited["product"]["id"]
    assert info.organization_name == org.name
    assert info.organization_slug == org.slug
    assert info.customer_email == invited["email"]
    assert info.can_claim is True


def test_claim_info_has_no_side_effects(invited, org, anonymous):
    for _ in range(3):
        anonymous.customer_seats.get_claim_info(invitation_token=invited["token"])
    with org.sdk() as polar:
        listed = polar.customer_seats.list_seats(subscription_id=invited["subscription"]["id"])
    assert [s.status for s in listed.seats] == [models.SeatStatus.PENDING]


def test_claim_info_for_unknown_token_is_404(anonymous):
    with pytest.raises(models.SDKError) as ei:
        anonymous.customer_seats.get_claim_info(invitation_token=secrets.token_urlsafe(32))
    assert_api_error(ei.value, 404)


def test_claim_marks_seat_claimed_and_returns_session_token(invited, anonymous):
    res = anonymous.customer_seats.claim_seat(request={"invitation_token": invited["token"]})
    assert isinstance(res, models.CustomerSeatClaimResponse)
    assert res.seat.id == invited["seat"].id
    assert res.seat.status == models.SeatStatus.CLAIMED
    assert res.seat.claimed_at is not None
    assert res.seat.customer_email == invited["email"]
    assert res.customer_session_token.startswith("tsr_mst_")


def test_claimed_seat_shows_as_claimed_in_list(invited, org, anonymous):
    anonymous.customer_seats.claim_seat(request={"invitation_token": invited["token"]})
    with org.sdk() as polar:
        listed = polar.customer_seats.list_seats(subscription_id=invited["subscription"]["id"])
    assert [(s.id, s.status) for s in listed.seats] == [
        (invited["seat"].id, models.SeatStatus.CLAIMED)
    ]
    assert listed.available_seats == 1


def test_claiming_twice_is_invalid_invitation_token(invited, anonymous):
    anonymous.customer_seats.claim_seat(request={"invitation_token": invited["token"]})
    with pytest.raises(models.SDKError) as ei:
        anonymous.customer_seats.claim_seat(request={"invitation_token": invited["token"]})
    assert_api_error(ei.value, 400, "InvalidInvitationToken")


def test_claim_info_after_claim_is_404(invited, anonymous):
    anonymous.customer_seats.claim_seat(request={"invitation_token": invited["token"]})
    with pytest.raises(models.SDKError) as ei:
        anonymous.customer_seats.get_claim_info(invitation_token=invited["token"])
    assert_api_error(ei.value, 404)


def test_claim_with_unknown_token_is_400(anonymous):
    with pytest.raises(models.SDKError) as ei:
        anonymous.customer_seats.claim_seat(
            request={"invitation_token": secrets.token_urlsafe(32)}
        )
    assert_api_error(ei.value, 400, "InvalidInvitationToken")


def test_revoked_seat_cannot_be_claimed(invited, org, anonymous):
    with org.sdk() as polar:
        polar.customer_seats.revoke_seat(seat_id=invited["seat"].id)
    with pytest.raises(models.SDKError) as ei:
        anonymous.customer_seats.claim_seat(request={"invitation_token": invited["token"]})
    assert_api_error(ei.value, 400, "InvalidInvitationToken")
