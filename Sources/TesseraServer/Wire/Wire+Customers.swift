import Foundation
import TesseraCore
import TesseraStore

extension Wire {
    static func customer(_ customer: Customer, deletedAt: Date? = nil) -> JSONValue {
        .object([
            "id": JSONValue(customer.id),
            "created_at": JSONValue(customer.createdAt),
            "modified_at": JSONValue(customer.modifiedAt),
            "metadata": .object(customer.metadata),
            "external_id": JSONValue(customer.externalId),
            "email": .string(customer.email),
            "email_verified": false,
            "type": "individual",
            "name": JSONValue(customer.name),
            "billing_name": .null,
            "billing_address": .null,
            "tax_id": .null,
            "locale": .null,
            "organization_id": JSONValue(customer.organizationId),
            "default_payment_method_id": .null,
            "deleted_at": JSONValue(deletedAt),
            "first_user_event_at": .null,
            "avatar_url": .null,
        ])
    }

    /// A member in Polar's `Member` shape, written straight to text (inside every seat of a
    /// list): the one definition of that shape, keys in byte order.
    static func write(_ member: Member, to json: inout JSONWriter) {
        json.beginObject()
        json.key("created_at"); json.timestamp(member.createdAt)
        json.key("customer_id"); json.uuid(member.customerId)
        json.key("email"); json.string(member.email)
        json.key("external_id"); json.string(member.externalId)
        json.key("id"); json.uuid(member.id)
        json.key("modified_at"); json.timestamp(member.modifiedAt)
        json.key("name"); json.string(member.name)
        json.key("role"); json.string(member.role.rawValue)
        json.endObject()
    }

    static func member(_ member: Member) -> JSONValue {
        var json = JSONWriter()
        write(member, to: &json)
        return JSONValue(written: json)
    }
}

extension Wire {
    /// Polar's `CustomerState`: the customer, their active subscriptions and live grants.
    /// Tessera meters nothing, so `active_meters` (and each subscription's `meters`) is empty.
    static func customerState(_ state: CustomerState) -> JSONValue {
        guard case .object(var fields) = customer(state.customer) else { return .null }
        let subscriptionKeys: Set<String> = [
            "id", "created_at", "modified_at", "metadata", "status", "amount", "currency", "recurring_interval",
            "current_period_start", "current_period_end", "trial_start", "trial_end", "cancel_at_period_end",
            "canceled_at", "started_at", "ends_at", "product_id", "discount_id",
        ]
        fields["active_subscriptions"] = .array(state.activeSubscriptions.map { subscription in
            var shown = subscriptionFields(subscription).filter { subscriptionKeys.contains($0.key) }
            shown["custom_field_data"] = .object([:])
            shown["meters"] = []
            return .object(shown)
        })
        fields["granted_benefits"] = .array(state.grants.map { grant, benefit in
            [
                "id": JSONValue(grant.id),
                "created_at": JSONValue(grant.createdAt),
                "modified_at": JSONValue(grant.modifiedAt),
                "granted_at": JSONValue(grant.grantedAt ?? grant.createdAt),
                "benefit_id": JSONValue(benefit.id),
                "benefit_type": .string(benefit.kind.rawValue),
                "benefit_metadata": .object(benefit.metadata),
                "properties": .object(grant.properties),
            ]
        })
        fields["active_meters"] = []
        return .object(fields)
    }
}
