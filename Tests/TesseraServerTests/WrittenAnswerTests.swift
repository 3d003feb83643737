import Foundation
import Testing
import TesseraCore
@testable import TesseraServer
@testable import TesseraStore

/// Answers written straight to text (the access check's, claim info's) are byte for byte the
/// same answers as `JSONValue`s serialized: keys in byte order, every key present.
@Suite struct WrittenAnswerTests {
    private static let (benefit, product, seat, pool, customer, member, grantId) =
        (UUID(), UUID(), UUID(), UUID(), UUID(), UUID(), UUID())

    /// The shape as a value: what the written text must equal.
    private static func expected(target: AccessStore.Target, finding: AccessFinding) -> JSONValue {
        var fields: [String: JSONValue] = [
            "allowed": false, "reason": .null, "benefit_id": .null, "product_id": .null, "seat_id": .null,
            "subscription_id": .null, "order_id": .null, "customer_id": .null, "member_id": .null, "grant": .null,
        ]
        switch target {
        case .benefit(let id): fields["benefit_id"] = JSONValue(id)
        case .product(let id): fields["product_id"] = JSONValue(id)
        }
        switch finding {
        case .personNotFound: fields["reason"] = "person_not_found"
        case .holdsNothing: fields["reason"] = "no_claimed_seat"
        case .match(let match):
            fields["allowed"] = true
            fields["seat_id"] = JSONValue(match.seatId)
            fields["subscription_id"] = JSONValue(match.pool.subscriptionId)
            fields["order_id"] = JSONValue(match.pool.orderId)
            fields["customer_id"] = JSONValue(match.customerId)
            fields["member_id"] = JSONValue(match.memberId)
            if let grant = match.grant {
                fields["grant"] = [
                    "id": JSONValue(grant.id), "granted_at": JSONValue(grant.grantedAt),
                    "benefit_type": .string(grant.benefitKind.rawValue),
                    "benefit_metadata": .object(grant.benefitMetadata), "properties": .object(grant.properties),
                ]
            }
        }
        return .object(fields)
    }

    @Test func everyFindingIsWrittenAsItsValue() {
        let grant = AccessFinding.Grant(
            id: Self.grantId, grantedAt: Date(timeIntervalSince1970: 1_790_000_000.123456),
            properties: ["license_key": "K-1", "nested": ["a": [1, "é\"\n"]]], benefitKind: .featureFlag,
            benefitMetadata: ["tier": "pro"])
        let ungranted = AccessFinding.Grant(id: Self.grantId, grantedAt: nil, properties: [:], benefitKind: .custom,
                                            benefitMetadata: [:])
        let findings: [AccessFinding] = [
            .personNotFound, .holdsNothing,
            .match(.init(seatId: Self.seat, pool: .subscription(Self.pool), customerId: Self.customer,
                         memberId: Self.member, grant: grant)),
            .match(.init(seatId: Self.seat, pool: .order(Self.pool), customerId: Self.customer, memberId: nil,
                         grant: ungranted)),
            .match(.init(seatId: Self.seat, pool: .order(Self.pool), customerId: Self.customer, memberId: nil,
                         grant: nil)),
        ]
        for target in [AccessStore.Target.benefit(Self.benefit), .product(Self.product)] {
            for finding in findings {
                let written = Wire.access(finding, target: target).bytes
                let value = Self.expected(target: target, finding: finding)
                #expect(written == value.serializedBytes(), "\(String(decoding: written, as: UTF8.self))")
            }
        }
    }

    @Test func claimInfoIsWrittenAsItsValue() {
        let organization = Organization(id: UUID(), name: "Acme \"Ltd\" é", slug: "acme", seatBasedPricingEnabled: true,
                                        memberModelEnabled: false, createdAt: Date(), modifiedAt: nil)
        let info = SeatOperations.ClaimInfo(
            offer: PoolOffer(organization: organization, productId: Self.product, productName: "Team\nplan"),
            email: "alice@example.com")
        let value: JSONValue = [
            "product_name": "Team\nplan", "product_id": JSONValue(Self.product), "organization_name": "Acme \"Ltd\" é",
            "organization_slug": "acme", "customer_email": "alice@example.com", "can_claim": true,
        ]
        #expect(Wire.seatClaimInfo(info).bytes == value.serializedBytes())
    }
}
