import Foundation
import SQLKit
import TesseraCore

/// Organizations and access tokens.
public struct OrganizationStore: Sendable {
    let session: SQLSession

    public func insert(_ organization: Organization) async throws {
        try await session.execute("""
            INSERT INTO organizations (id, name, slug, seat_based_pricing_enabled, member_model_enabled, created_at, modified_at)
            VALUES (\(bind: organization.id.wire), \(bind: organization.name), \(bind: organization.slug),
                    \(bind: organization.seatBasedPricingEnabled), \(bind: organization.memberModelEnabled),
                    \(bind: organization.createdAt.micros), \(bind: organization.modifiedAt.micros))
            """)
    }

    public func update(_ organization: Organization) async throws {
        try await session.execute("""
            UPDATE organizations SET name = \(bind: organization.name), slug = \(bind: organization.slug),
                seat_based_pricing_enabled = \(bind: organization.seatBasedPricingEnabled),
                member_model_enabled = \(bind: organization.memberModelEnabled),
                modified_at = \(bind: organization.modifiedAt.micros)
            WHERE id = \(bind: organization.id.wire)
            """)
    }

    public func find(id: UUID) async throws -> Organization? {
        try await session.first("SELECT * FROM organizations WHERE id = \(bind: id.wire)").map(Self.organization)
    }

    public func find(slug: String) async throws -> Organization? {
        try await session.first("SELECT * FROM organizations WHERE slug = \(bind: slug)").map(Self.organization)
    }

    public func slugExists(_ slug: String, except id: UUID? = nil) async throws -> Bool {
        try await session.first("""
            SELECT id FROM organizations WHERE slug = \(bind: slug) AND id <> \(bind: id?.wire ?? "")
            """) != nil
    }

    static func organization(_ row: any SQLRow) throws -> Organization {
        Organization(
            id: try row.uuid("id"), name: try row.string("name"), slug: try row.string("slug"),
            seatBasedPricingEnabled: try row.bool("seat_based_pricing_enabled"),
            memberModelEnabled: try row.bool("member_model_enabled"),
            createdAt: try row.date("created_at"), modifiedAt: try row.optionalDate("modified_at"))
    }
}

/// Bearer credentials, looked up by the hash of the presented token.
public struct AccessTokenStore: Sendable {
    let session: SQLSession

    public func insert(_ token: AccessToken, hash: String) async throws {
        try await session.execute("""
            INSERT INTO access_tokens (id, kind, token_hash, organization_id, customer_id, member_id, comment, scopes,
                                       expires_at, last_used_at, created_at, modified_at)
            VALUES (\(bind: token.id.wire), \(bind: token.kind.rawValue), \(bind: hash), \(bind: token.organizationId?.wire),
                    \(bind: token.customerId?.wire), \(bind: token.memberId?.wire), \(bind: token.comment),
                    \(bind: token.scopes.joined(separator: " ")), \(bind: token.expiresAt.micros),
                    \(bind: token.lastUsedAt.micros), \(bind: token.createdAt.micros), \(bind: token.modifiedAt.micros))
            """)
    }

    /// The token with this hash. A session token whose customer or member is gone or deleted is
    /// not found: deleting them also deletes their sessions (`deleteSessions`), and this keeps any
    /// session that outlived its subject (say, from before that rule) from being used.
    public func find(hash: String) async throws -> AccessToken? {
        try await session.first("""
            SELECT t.* FROM access_tokens t
            WHERE t.token_hash = \(bind: hash)
              AND (t.customer_id IS NULL OR EXISTS (
                    SELECT 1 FROM customers c
                    WHERE c.id = t.customer_id AND c.organization_id = t.organization_id AND c.deleted_at IS NULL))
              AND (t.member_id IS NULL OR EXISTS (
                    SELECT 1 FROM members m
                    WHERE m.id = t.member_id AND m.customer_id = t.customer_id AND m.deleted_at IS NULL))
            """).map(Self.token)
    }

    public func find(id: UUID, kind: AccessToken.Kind) async throws -> AccessToken? {
        try await session.first("""
            SELECT * FROM access_tokens WHERE id = \(bind: id.wire) AND kind = \(bind: kind.rawValue)
            """).map(Self.token)
    }

    public func delete(id: UUID) async throws {
        try await session.execute("DELETE FROM access_tokens WHERE id = \(bind: id.wire)")
    }

    /// Ends every portal session of a customer: its own and those of its members (which carry
    /// the customer too). Run in the transaction that deletes the customer.
    public func deleteSessions(customerId: UUID) async throws {
        try await session.execute("""
            DELETE FROM access_tokens WHERE customer_id = \(bind: customerId.wire) AND kind IN (
                \(bind: AccessToken.Kind.customerSession.rawValue), \(bind: AccessToken.Kind.memberSession.rawValue))
            """)
    }

    /// Ends every portal session of a member. Run in the transaction that deletes the member.
    public func deleteSessions(memberId: UUID) async throws {
        try await session.execute("""
            DELETE FROM access_tokens WHERE member_id = \(bind: memberId.wire)
              AND kind = \(bind: AccessToken.Kind.memberSession.rawValue)
            """)
    }

    /// Records use at most once a minute per token, to keep reads from becoming writes.
    public func touch(id: UUID, at now: Date) async throws {
        let threshold = now.addingTimeInterval(-60).micros
        try await session.execute("""
            UPDATE access_tokens SET last_used_at = \(bind: now.micros)
            WHERE id = \(bind: id.wire) AND (last_used_at IS NULL OR last_used_at < \(bind: threshold))
            """)
    }

    public func countOperatorTokens() async throws -> Int {
        let row = try await session.first("""
            SELECT COUNT(*) AS n FROM access_tokens WHERE kind = \(bind: AccessToken.Kind.operatorAccess.rawValue)
            """)
        return try row?.int("n") ?? 0
    }

    static func token(_ row: any SQLRow) throws -> AccessToken {
        let kindText = try row.string("kind")
        guard let kind = AccessToken.Kind(rawValue: kindText) else {
            throw DatabaseError.unexpected("unknown token kind \(kindText)")
        }
        let scopes = try row.string("scopes")
        return AccessToken(
            id: try row.uuid("id"), kind: kind, organizationId: try row.optionalUUID("organization_id"),
            customerId: try row.optionalUUID("customer_id"), memberId: try row.optionalUUID("member_id"),
            comment: try row.string("comment"),
            scopes: scopes.split(separator: " ").map(String.init),
            expiresAt: try row.optionalDate("expires_at"), lastUsedAt: try row.optionalDate("last_used_at"),
            createdAt: try row.date("created_at"), modifiedAt: try row.optionalDate("modified_at"))
    }
}

extension SQLSession {
    public var organizations: OrganizationStore { OrganizationStore(session: self) }
    public var accessTokens: AccessTokenStore { AccessTokenStore(session: self) }
    public var customers: CustomerStore { CustomerStore(session: self) }
    public var members: MemberStore { MemberStore(session: self) }
    public var products: ProductStore { ProductStore(session: self) }
    public var subscriptions: SubscriptionStore { SubscriptionStore(session: self) }
    public var orders: OrderStore { OrderStore(session: self) }
    public var seats: SeatStore { SeatStore(session: self) }
    public var outbox: OutboxStore { OutboxStore(session: self) }
}

/// A page of results and the total across all pages.
public struct Page<Item: Sendable>: Sendable {
    public var items: [Item]
    public var totalCount: Int

    public init(items: [Item], totalCount: Int) {
        self.items = items
        self.totalCount = totalCount
    }
}

/// Page number (from 1) and size, already validated.
public struct PageRequest: Sendable {
    public var page: Int
    public var limit: Int

    public init(page: Int, limit: Int) {
        self.page = page
        self.limit = limit
    }

    var offset: Int { (page - 1) * limit }
}
