"""Benefits through polar-sdk: the three types Tessera supports, created, read, listed,
updated and deleted with Polar's own client, and a product's benefits set with
`polar.products.update_benefits`. Every answer is also checked against Polar's OpenAPI
document by openapi_check (through the recording client support.py installs).
"""

from __future__ import annotations

import pytest
from polar_sdk import models

from support import Org, assert_validation_error, unique_email


def _custom(org: Org, description: str = "Priority support"):
    return org.sdk().benefits.create(request={
        "type": "custom", "description": description, "properties": {"note": "Write to vip@example.com"},
    })


def test_each_supported_type_round_trips(org: Org):
    polar = org.sdk()
    custom = _custom(org)
    assert isinstance(custom, models.BenefitCustom)
    assert custom.properties.note == "Write to vip@example.com"
    assert custom.organization_id == org.id

    flag = polar.benefits.create(request={"type": "feature_flag", "description": "Beta features", "properties": {}})
    assert isinstance(flag, models.BenefitFeatureFlag)

    keys = polar.benefits.create(request={
        "type": "license_keys", "description": "Desktop app key", "metadata": {"tier": "pro"},
        "properties": {"prefix": "ACME", "expires": {"ttl": 1, "timeframe": "year"},
                       "activations": {"limit": 3, "enable_customer_admin": True}, "limit_usage": 100},
    })
    assert isinstance(keys, models.BenefitLicenseKeys)
    assert keys.properties.prefix == "ACME"
    assert keys.properties.expires.timeframe == "year"
    assert keys.properties.activations.limit == 3
    assert keys.metadata == {"tier": "pro"}

    fetched = polar.benefits.get(id=keys.id)
    assert fetched == keys

    page = polar.benefits.list(type_filter="feature_flag")
    assert [b.id for b in page.result.items] == [flag.id]
    everything = polar.benefits.list(limit=100)
    assert {b.id for b in everything.result.items} == {custom.id, flag.id, keys.id}
    searched = polar.benefits.list(query="desktop")
    assert [b.id for b in searched.result.items] == [keys.id]


def test_update_changes_only_what_is_sent(org: Org):
    polar = org.sdk()
    custom = _custom(org)
    updated = polar.benefits.update(id=custom.id, request_body={"type": "custom", "description": "Onboarding call"})
    assert updated.description == "Onboarding call"
    assert updated.properties.note == "Write to vip@example.com"
    assert updated.modified_at is not None

    with pytest.raises(Exception) as raised:
        polar.benefits.update(id=custom.id, request_body={"type": "feature_flag", "properties": {}})
    assert_validation_error(raised.value, "type")


def test_unsupported_polar_types_are_refused_by_name(org: Org):
    with pytest.raises(Exception) as raised:
        org.sdk().benefits.create(request={
            "type": "downloadables", "description": "Files", "properties": {"files": ["00000000-0000-4000-8000-000000000000"]},
        })
    details = assert_validation_error(raised.value, "type")
    assert "Tessera does not support downloadables" in details[0].msg


def test_delete_removes_it_from_products_and_lookups(org: Org):
    polar = org.sdk()
    support = _custom(org)
    flag = polar.benefits.create(request={"type": "feature_flag", "description": "Beta features", "properties": {}})
    product = org.create_product()

    updated = polar.products.update_benefits(id=product["id"], product_benefits_update={"benefits": [flag.id, support.id]})
    assert [b.id for b in updated.benefits] == [flag.id, support.id]
    assert [b.id for b in polar.products.get(id=product["id"]).benefits] == [flag.id, support.id]

    polar.benefits.delete(id=support.id)
    # Polar documents this 404, so polar-sdk raises its typed ResourceNotFound.
    with pytest.raises(models.ResourceNotFound) as raised:
        polar.benefits.get(id=support.id)
    assert raised.value.status_code == 404
    assert [b.id for b in polar.products.get(id=product["id"]).benefits] == [flag.id]


def test_a_product_refuses_an_unknown_benefit(org: Org, other_org: Org):
    theirs = _custom(other_org)
    product = org.create_product()
    with pytest.raises(Exception) as raised:
        org.sdk().products.update_benefits(id=product["id"], product_benefits_update={"benefits": [theirs.id]})
    assert_validation_error(raised.value, "benefits")
    assert org.sdk().products.get(id=product["id"]).benefits == []


def test_a_claimed_seat_grants_the_products_benefits_until_revoked(org: Org):
    polar = org.sdk()
    support = _custom(org)
    product = org.create_product()
    polar.products.update_benefits(id=product["id"], product_benefits_update={"benefits": [support.id]})
    sub = org.create_subscription(seats=2, product=product)
    email = unique_email("holder")
    seat = polar.customer_seats.assign_seat(
        request={"subscription_id": sub["id"], "email": email, "immediate_claim": True})

    granted = polar.benefit_grants.list(is_granted=True).result.items
    assert [g.benefit_id for g in granted] == [support.id]
    assert granted[0].is_granted and not granted[0].is_revoked
    assert granted[0].subscription_id == sub["id"]
    assert granted[0].member.email == email
    of_support = polar.benefits.grants(id=support.id).result.items
    assert [g.id for g in of_support] == [granted[0].id]

    # The holder's customer state lists the grant; the billing customer's, the subscription.
    state = polar.customers.get_state(id=seat.customer_id)
    assert [g.benefit_id for g in state.granted_benefits] == [support.id]
    assert state.active_meters == []
    billing = polar.customers.get_state(id=sub["customer_id"])
    assert [s.id for s in billing.active_subscriptions] == [sub["id"]]

    polar.customer_seats.revoke_seat(seat_id=seat.id)
    assert polar.benefit_grants.list(is_granted=True).result.items == []
    revoked = polar.benefit_grants.list(is_granted=False).result.items
    assert [g.id for g in revoked] == [granted[0].id]
    assert revoked[0].is_revoked and revoked[0].revoked_at is not None
    assert polar.customers.get_state(id=seat.customer_id).granted_benefits == []


def test_a_seats_license_key_validates_until_the_seat_is_revoked(org: Org):
    polar = org.sdk()
    keys = polar.benefits.create(request={
        "type": "license_keys", "description": "Desktop app key",
        "properties": {"prefix": "ACME", "limit_usage": 5},
    })
    product = org.create_product()
    polar.products.update_benefits(id=product["id"], product_benefits_update={"benefits": [keys.id]})
    sub = org.create_subscription(seats=1, product=product)
    seat = polar.customer_seats.assign_seat(
        request={"subscription_id": sub["id"], "email": unique_email("keyholder"), "immediate_claim": True})

    listed = polar.license_keys.list(benefit_id=keys.id).result.items
    assert len(listed) == 1 and listed[0].key.startswith("ACME-") and listed[0].status == "granted"
    key = listed[0].key
    assert polar.license_keys.get(id=listed[0].id).activations == []

    validated = polar.license_keys.validate(request={"key": key, "organization_id": org.id, "increment_usage": 1})
    assert validated.usage == 1 and validated.validations == 1
    # The desktop app's call, with no token at all.
    anonymous = org.server.sdk(None)
    assert anonymous.customer_portal.license_keys.validate(
        request={"key": key, "organization_id": org.id}).validations == 2

    polar.customer_seats.revoke_seat(seat_id=seat.id)
    with pytest.raises(models.ResourceNotFound):
        anonymous.customer_portal.license_keys.validate(request={"key": key, "organization_id": org.id})
    assert polar.license_keys.list(status="revoked").result.items[0].id == listed[0].id


def test_a_license_key_is_activated_validated_with_its_activation_and_deactivated(org: Org):
    polar = org.sdk()
    keys = polar.benefits.create(request={
        "type": "license_keys", "description": "Desktop app key",
        "properties": {"activations": {"limit": 1, "enable_customer_admin": True}},
    })
    product = org.create_product()
    polar.products.update_benefits(id=product["id"], product_benefits_update={"benefits": [keys.id]})
    sub = org.create_subscription(seats=1, product=product)
    polar.customer_seats.assign_seat(
        request={"subscription_id": sub["id"], "email": unique_email("activator"), "immediate_claim": True})
    listed = polar.license_keys.list(benefit_id=keys.id).result.items[0]

    anonymous = org.server.sdk(None)
    activation = anonymous.customer_portal.license_keys.activate(
        request={"key": listed.key, "organization_id": org.id, "label": "laptop", "conditions": {"major": 1}})
    assert activation.license_key.id == listed.id and activation.label == "laptop"
    assert polar.license_keys.get_activation(id=listed.id, activation_id=activation.id).label == "laptop"
    with pytest.raises(Exception) as raised:
        polar.license_keys.activate(request={"key": listed.key, "organization_id": org.id, "label": "desktop"})
    assert getattr(raised.value, "status_code", None) == 403

    validated = polar.license_keys.validate(request={
        "key": listed.key, "organization_id": org.id, "activation_id": activation.id, "conditions": {"major": 1}})
    assert validated.activation.id == activation.id

    anonymous.customer_portal.license_keys.deactivate(
        request={"key": listed.key, "organization_id": org.id, "activation_id": activation.id})
    assert polar.license_keys.get(id=listed.id).activations == []


def test_a_license_key_is_changed_and_read_back_through_the_customers_portal(org: Org):
    polar = org.sdk()
    keys = polar.benefits.create(request={
        "type": "license_keys", "description": "Desktop app key", "properties": {"limit_usage": 3},
    })
    product = org.create_product()
    polar.products.update_benefits(id=product["id"], product_benefits_update={"benefits": [keys.id]})
    sub = org.create_subscription(seats=1, product=product)
    seat = polar.customer_seats.assign_seat(
        request={"subscription_id": sub["id"], "email": unique_email("portalkey"), "immediate_claim": True})
    listed = polar.license_keys.list(benefit_id=keys.id).result.items[0]

    changed = polar.license_keys.update(id=listed.id, license_key_update={"usage": 2, "limit_usage": 10})
    assert changed.usage == 2 and changed.limit_usage == 10 and changed.status == "granted"
    # polar-sdk always sends `usage` (its model defaults it to 0), so every update through it
    # sets usage too, on Polar as here: a caller keeps usage only by sending it.
    disabled = polar.license_keys.update(id=listed.id, license_key_update={"status": "disabled"})
    assert disabled.status == "disabled" and disabled.usage == 0 and disabled.limit_usage == 10
    with pytest.raises(models.ResourceNotFound):
        polar.license_keys.validate(request={"key": listed.key, "organization_id": org.id})
    polar.license_keys.update(id=listed.id, license_key_update={"status": "granted"})

    with org.server.http(org.server.admin_token) as c:
        res = c.post("/v1/organization-access-tokens/", json={
            "organization_id": org.id, "comment": "sessions", "scopes": ["customer_sessions:write"]})
        assert res.status_code == 201, res.text
    session = org.sdk(res.json()["token"]).customer_sessions.create(request={"customer_id": seat.customer_id})
    security = {"customer_session": session.token}
    mine = org.server.sdk(None).customer_portal.license_keys.list(security=security).result
    assert [k.id for k in mine.items] == [listed.id] and mine.items[0].key == listed.key
    one = org.server.sdk(None).customer_portal.license_keys.get(security=security, id=listed.id)
    assert one.id == listed.id and one.activations == []

    # Revoked with its seat, the key cannot be granted again by a change.
    polar.customer_seats.revoke_seat(seat_id=seat.id)
    # Polar documents no 403 for this call, so polar-sdk raises its generic error.
    with pytest.raises(models.SDKError) as raised:
        polar.license_keys.update(id=listed.id, license_key_update={"status": "granted"})
    assert raised.value.status_code == 403 and "revoked" in raised.value.body
