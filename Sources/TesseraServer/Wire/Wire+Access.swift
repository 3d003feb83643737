import Foundation
import TesseraCore
import TesseraStore

extension Wire {
    /// The access check's answer. Every key is always present (null when it does not apply), so
    /// a client reads one shape: `allowed`, and `reason` when not.
    static func access(_ finding: AccessFinding, target: AccessStore.Target) -> JSONWriter {
        // Written straight out, keys in byte order (as `JSONValue` would write them): building
        // the answer as a tree first was 4% of an access check.
        var benefitId: UUID?, productId: UUID?
        switch target {
        case .benefit(let id): benefitId = id
        case .product(let id): productId = id
        }
        var reason: String?
        var match: AccessFinding.Match?
        switch finding {
        case .personNotFound: reason = "person_not_found"
        case .holdsNothing: reason = "no_claimed_seat"
        case .match(let found): match = found
        }
        var json = JSONWriter()
        json.beginObject()
        json.key("allowed"); json.bool(match != nil)
        json.key("benefit_id"); json.uuid(benefitId)
        json.key("customer_id"); json.uuid(match?.customerId)
        json.key("grant")
        if let grant = match?.grant {
            json.beginObject()
            json.key("benefit_metadata"); json.value(.object(grant.benefitMetadata))
            json.key("benefit_type"); json.string(grant.benefitKind.rawValue)
            json.key("granted_at"); json.timestamp(grant.grantedAt)
            json.key("id"); json.uuid(grant.id)
            json.key("properties"); json.value(.object(grant.properties))
            json.endObject()
        } else {
            json.null()
        }
        json.key("member_id"); json.uuid(match?.memberId)
        json.key("order_id"); json.uuid(match?.pool.orderId)
        json.key("product_id"); json.uuid(productId)
        json.key("reason"); json.string(reason)
        json.key("seat_id"); json.uuid(match?.seatId)
        json.key("subscription_id"); json.uuid(match?.pool.subscriptionId)
        json.endObject()
        return json
    }
}
