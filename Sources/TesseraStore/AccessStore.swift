import Foundation
import SQLKit
import TesseraCore

/// The access check's one read: does a person hold, through a claimed seat, a live grant of a
/// benefit (or a claimed seat of a product)? Each form is a single indexed statement, so the
/// check costs the same whatever the size of the organization.
public struct AccessStore: Sendable {
    let session: SQLSession

    /// What the check asks for.
    public enum Target: Sendable, Equatable {
        case benefit(UUID)
        case product(UUID)
    }

    /// Who the check is about, as the merchant's app knows them.
    public enum Person: Sendable, Equatable {
        case email(String)
        case externalCustomerId(String)
        case externalMemberId(String)
    }

    /// The first match, or why there is none: the person is unknown, or holds nothing that
    /// grants the target.
    public func check(_ target: Target, for person: Person, organizationId: UUID) async throws -> AccessFinding {
        let rows = try await session.rows(Self.query(target, for: person, organizationId: organizationId)) { row in
            try Self.finding(row, target: target)
        }
        return rows.first ?? .personNotFound
    }

    /// The statement of ``check(_:for:organizationId:)``: the person's holders (members, or a
    /// customer) LEFT JOINed to what they hold, so that one statement tells "unknown person"
    /// from "holds nothing". Matches sort first.
    static func query(_ target: Target, for person: Person, organizationId: UUID) -> SQLQueryString {
        let holders: SQLQueryString
        let holderColumn: SQLQueryString
        switch person {
        case .email(let email):
            holders = """
                SELECT id AS holder_id, customer_id AS holder_customer_id FROM members
                WHERE organization_id = \(bind: organizationId.wire) AND email_key = \(bind: EmailAddress.normalized(email))
                  AND deleted_at IS NULL
                """
            holderColumn = "member_id"
        case .externalMemberId(let externalId):
            holders = """
                SELECT id AS holder_id, customer_id AS holder_customer_id FROM members
                WHERE organization_id = \(bind: organizationId.wire) AND external_id = \(bind: externalId) AND deleted_at IS NULL
                """
            holderColumn = "member_id"
        case .externalCustomerId(let externalId):
            holders = """
                SELECT id AS holder_id, id AS holder_customer_id FROM customers
                WHERE organization_id = \(bind: organizationId.wire) AND external_id = \(bind: externalId) AND deleted_at IS NULL
                """
            holderColumn = "customer_id"
        }
        switch target {
        case .benefit(let benefitId):
            return """
                SELECT h.holder_id, g.id AS grant_id, g.granted_at, g.properties AS grant_properties,
                       s.id AS seat_id, s.subscription_id, s.order_id, s.customer_id AS seat_customer_id,
                       s.member_id AS seat_member_id, b.type AS benefit_type, b.metadata AS benefit_metadata
                FROM (\(holders)) h
                LEFT JOIN benefit_grants g ON g.\(holderColumn) = h.holder_id AND g.benefit_id = \(bind: benefitId.wire)
                  AND g.revoked_at IS NULL
                LEFT JOIN seats s ON s.id = g.seat_id AND s.status = \(bind: SeatStatus.claimed.rawValue)
                LEFT JOIN benefits b ON b.id = g.benefit_id AND b.deleted_at IS NULL
                ORDER BY CASE WHEN s.id IS NULL OR b.id IS NULL THEN 1 ELSE 0 END
                LIMIT 1
                """
        case .product(let productId):
            return """
                SELECT h.holder_id, s.id AS seat_id, s.subscription_id, s.order_id, s.customer_id AS seat_customer_id,
                       s.member_id AS seat_member_id
                FROM (\(holders)) h
                LEFT JOIN seats s ON s.\(holderColumn) = h.holder_id AND s.status = \(bind: SeatStatus.claimed.rawValue)
                  AND (s.subscription_id IN (SELECT id FROM subscriptions WHERE product_id = \(bind: productId.wire))
                       OR s.order_id IN (SELECT id FROM orders WHERE product_id = \(bind: productId.wire)))
                ORDER BY CASE WHEN s.id IS NULL THEN 1 ELSE 0 END
                LIMIT 1
                """
        }
    }

    static func finding(_ row: StoredRow, target: Target) throws -> AccessFinding {
        guard let seatId = try row.optionalUUID("seat_id") else { return .holdsNothing }
        let pool = try row.pool()
        var grant: AccessFinding.Grant?
        if case .benefit = target {
            guard let grantId = try row.optionalUUID("grant_id"),
                  let kind = try row.optionalChoice("benefit_type", as: Benefit.Kind.self) else { return .holdsNothing }
            grant = AccessFinding.Grant(id: grantId, grantedAt: try row.optionalDate("granted_at"),
                                        properties: try row.metadata("grant_properties"), benefitKind: kind,
                                        benefitMetadata: try row.metadata("benefit_metadata"))
        }
        return .match(AccessFinding.Match(
            seatId: seatId, pool: pool, customerId: try row.uuid("seat_customer_id"),
            memberId: try row.optionalUUID("seat_member_id"), grant: grant))
    }
}

/// What the access check found.
public enum AccessFinding: Sendable, Equatable {
    /// A claimed seat (and, for a benefit, its live grant).
    case match(Match)
    /// Nobody in the organization has that email or external id.
    case personNotFound
    /// The person exists but holds no claimed seat granting it.
    case holdsNothing

    public struct Match: Sendable, Equatable {
        public var seatId: UUID
        public var pool: SeatPoolReference
        public var customerId: UUID
        public var memberId: UUID?
        public var grant: Grant?
    }

    public struct Grant: Sendable, Equatable {
        public var id: UUID
        public var grantedAt: Date?
        public var properties: [String: JSONValue]
        public var benefitKind: Benefit.Kind
        public var benefitMetadata: [String: JSONValue]
    }
}
