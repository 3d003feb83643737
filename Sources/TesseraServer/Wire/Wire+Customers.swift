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

    static func member(_ member: Member) -> JSONValue {
        .object([
            "id": JSONValue(member.id),
            "created_at": JSONValue(member.createdAt),
            "modified_at": JSONValue(member.modifiedAt),
            "customer_id": JSONValue(member.customerId),
            "email": .string(member.email),
            "name": JSONValue(member.name),
            "external_id": JSONValue(member.externalId),
            "role": .string(member.role.rawValue),
        ])
    }
}
