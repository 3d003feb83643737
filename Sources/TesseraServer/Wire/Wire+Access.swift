import Foundation
import TesseraCore
import TesseraStore

extension Wire {
    /// The access check's answer. Every key is always present (null when it does not apply), so
    /// a client reads one shape: `allowed`, and `reason` when not.
    static func access(_ finding: AccessFinding, target: AccessStore.Target) -> JSONValue {
        var fields: [String: JSONValue] = [
            "allowed": false, "reason": .null, "benefit_id": .null, "product_id": .null, "seat_id": .null,
            "subscription_id": .null, "order_id": .null, "customer_id": .null, "member_id": .null, "grant": .null,
        ]
        switch target {
        case .benefit(let id): fields["benefit_id"] = JSONValue(id)
        case .product(let id): fields["product_id"] = JSONValue(id)
        }
        switch finding {
        case .personNotFound:
            fields["reason"] = "person_not_found"
        case .holdsNothing:
            fields["reason"] = "no_claimed_seat"
        case .match(let match):
            fields["allowed"] = true
            fields["seat_id"] = JSONValue(match.seatId)
            fields["subscription_id"] = JSONValue(match.pool.subscriptionId)
            fields["order_id"] = JSONValue(match.pool.orderId)
            fields["customer_id"] = JSONValue(match.customerId)
            fields["member_id"] = JSONValue(match.memberId)
            if let grant = match.grant {
                fields["grant"] = [
                    "id": JSONValue(grant.id),
                    "granted_at": JSONValue(grant.grantedAt),
                    "benefit_type": .string(grant.benefitKind.rawValue),
                    "benefit_metadata": .object(grant.benefitMetadata),
                    "properties": .object(grant.properties),
                ]
            }
        }
        return .object(fields)
    }
}
