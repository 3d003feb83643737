import Foundation
import SQLKit
import TesseraCore

/// Benefit grants: written in the transaction that claims or revokes their seat, or changes
/// their product's benefits.
public struct BenefitGrantStore: Sendable {
    let session: SQLSession

    /// Inserts grants, many to a statement.
    public func insert(_ grants: [BenefitGrant]) async throws {
        try await session.insert("""
            INSERT INTO benefit_grants (id, organization_id, benefit_id, seat_id, customer_id, member_id, subscription_id,
                                        order_id, properties, granted_at, revoked_at, created_at, modified_at) VALUES
            """, rows: grants.map { grant in
            """
            (\(bind: grant.id.wire), \(bind: grant.organizationId.wire), \(bind: grant.benefitId.wire), \(bind: grant.seatId.wire),
             \(bind: grant.customerId.wire), \(bind: grant.memberId?.wire), \(bind: grant.pool.subscriptionId?.wire),
             \(bind: grant.pool.orderId?.wire), \(bind: grant.properties.stored), \(bind: grant.grantedAt.micros),
             \(bind: grant.revokedAt.micros), \(bind: grant.createdAt.micros), \(bind: grant.modifiedAt.micros))
            """
        })
    }

    /// Revokes the live grants of a seat and answers them as revoked, in one statement.
    public func revokeLive(seatId: UUID, at now: Date) async throws -> [BenefitGrant] {
        try await revokeLive(where: "seat_id = \(bind: seatId.wire) AND revoked_at IS NULL", at: now)
    }

    /// Revokes the live grants of a benefit held through the pools of a product (the benefit
    /// was taken off it).
    public func revokeLive(benefitId: UUID, productId: UUID, organizationId: UUID, at now: Date) async throws -> [BenefitGrant] {
        try await revokeLive(where: """
            benefit_id = \(bind: benefitId.wire) AND organization_id = \(bind: organizationId.wire) AND revoked_at IS NULL
              AND (subscription_id IN (SELECT id FROM subscriptions WHERE product_id = \(bind: productId.wire))
                   OR order_id IN (SELECT id FROM orders WHERE product_id = \(bind: productId.wire)))
            """, at: now)
    }

    /// Revokes every live grant of a benefit (it was deleted).
    public func revokeLive(benefitId: UUID, organizationId: UUID, at now: Date) async throws -> [BenefitGrant] {
        try await revokeLive(where: """
            benefit_id = \(bind: benefitId.wire) AND organization_id = \(bind: organizationId.wire) AND revoked_at IS NULL
            """, at: now)
    }

    private func revokeLive(where filter: SQLQueryString, at now: Date) async throws -> [BenefitGrant] {
        try await session.rows("""
            UPDATE benefit_grants SET revoked_at = \(bind: now.micros), modified_at = \(bind: now.micros)
            WHERE \(filter) RETURNING *
            """, Self.grant)
    }

    public func find(id: UUID, organizationId: UUID) async throws -> BenefitGrant? {
        try await session.first("""
            SELECT * FROM benefit_grants WHERE id = \(bind: id.wire) AND organization_id = \(bind: organizationId.wire)
            """).map(Self.grant)
    }

    /// The live grants of a benefit.
    public func live(benefitId: UUID, organizationId: UUID) async throws -> [BenefitGrant] {
        try await session.rows("""
            SELECT * FROM benefit_grants
            WHERE benefit_id = \(bind: benefitId.wire) AND organization_id = \(bind: organizationId.wire) AND revoked_at IS NULL
            ORDER BY created_at, id
            """, Self.grant)
    }

    /// The live grants held by a customer (as the holder's customer), oldest first.
    public func live(customerId: UUID, organizationId: UUID) async throws -> [BenefitGrant] {
        try await session.rows("""
            SELECT * FROM benefit_grants
            WHERE customer_id = \(bind: customerId.wire) AND organization_id = \(bind: organizationId.wire) AND revoked_at IS NULL
            ORDER BY created_at, id
            """, Self.grant)
    }

    /// A page of the organization's grants, oldest first, narrowed by what is given.
    public func list(organizationId: UUID, benefitId: UUID? = nil, customerIds: [UUID]? = nil, memberId: UUID? = nil,
                     isGranted: Bool? = nil, page: PageRequest) async throws -> Page<BenefitGrant> {
        var filter: SQLQueryString = "organization_id = \(bind: organizationId.wire)"
        if let benefitId { filter += " AND benefit_id = \(bind: benefitId.wire)" }
        if let customerIds {
            guard !customerIds.isEmpty else { return Page(items: [], totalCount: 0) }
            filter += " AND customer_id IN (\(binds: customerIds.map(\.wire)))"
        }
        if let memberId { filter += " AND member_id = \(bind: memberId.wire)" }
        switch isGranted {
        case true?: filter += " AND revoked_at IS NULL"
        case false?: filter += " AND revoked_at IS NOT NULL"
        case nil: break
        }
        let grants = try await session.rows("""
            SELECT * FROM benefit_grants WHERE \(filter)
            ORDER BY created_at, id LIMIT \(bind: page.limit) OFFSET \(bind: page.offset)
            """, Self.grant)
        let count = try await session.first("SELECT COUNT(*) AS n FROM benefit_grants WHERE \(filter)")
        return Page(items: grants, totalCount: try count?.int("n") ?? 0)
    }

    static func grant(_ row: StoredRow) throws -> BenefitGrant {
        BenefitGrant(
            id: try row.uuid("id"), organizationId: try row.uuid("organization_id"), benefitId: try row.uuid("benefit_id"),
            seatId: try row.uuid("seat_id"), customerId: try row.uuid("customer_id"), memberId: try row.optionalUUID("member_id"),
            pool: try row.pool(), properties: try row.metadata("properties"), grantedAt: try row.optionalDate("granted_at"),
            revokedAt: try row.optionalDate("revoked_at"), createdAt: try row.date("created_at"),
            modifiedAt: try row.optionalDate("modified_at"))
    }
}
