import Foundation
import TesseraCore
import TesseraStore

extension Wire {
    /// Polar's `Benefit` (its `custom`, `feature_flag` and `license_keys` shapes). Every benefit
    /// a merchant makes can be chosen for a product, deleted, and shown or hidden.
    static func benefit(_ benefit: Benefit) -> JSONValue {
        [
            "id": JSONValue(benefit.id),
            "created_at": JSONValue(benefit.createdAt),
            "modified_at": JSONValue(benefit.modifiedAt),
            "type": .string(benefit.kind.rawValue),
            "description": .string(benefit.description),
            "selectable": true,
            "deletable": true,
            "is_deleted": JSONValue(benefit.isDeleted),
            "organization_id": JSONValue(benefit.organizationId),
            "metadata": .object(benefit.metadata),
            "visibility": .string(benefit.visibility.rawValue),
            "visibility_configurable": true,
            "properties": benefit.properties.json,
        ]
    }
}

/// A grant with what its answer embeds: the benefit, the holder's customer and member.
struct BenefitGrantDetails: Sendable {
    var grant: BenefitGrant
    var benefit: Benefit
    var customer: Customer
    var member: Member?
}

extension Wire {
    /// Polar's `BenefitGrant` (and, in webhooks, `BenefitGrantWebhook`). Grants never fail in
    /// Tessera (nothing is granted through a third party), so `error` is always null.
    static func benefitGrant(_ details: BenefitGrantDetails) -> JSONValue {
        let grant = details.grant
        return [
            "id": JSONValue(grant.id),
            "created_at": JSONValue(grant.createdAt),
            "modified_at": JSONValue(grant.modifiedAt),
            "granted_at": JSONValue(grant.grantedAt),
            "is_granted": JSONValue(grant.isGranted),
            "revoked_at": JSONValue(grant.revokedAt),
            "is_revoked": JSONValue(grant.revokedAt != nil),
            "subscription_id": JSONValue(grant.pool.subscriptionId),
            "order_id": JSONValue(grant.pool.orderId),
            "customer_id": JSONValue(grant.customerId),
            "member_id": JSONValue(grant.memberId),
            "benefit_id": JSONValue(grant.benefitId),
            "error": .null,
            "customer": Wire.customer(details.customer),
            "member": details.member.map(Wire.member) ?? .null,
            "benefit": Wire.benefit(details.benefit),
            "properties": .object(grant.properties),
        ]
    }
}
