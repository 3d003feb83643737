import Foundation
import SQLKit
import TesseraCore

/// Members of customers.
public struct MemberStore: Sendable {
    let session: SQLSession

    public func insert(_ member: Member) async throws {
        try await session.execute("""
            INSERT INTO members (id, organization_id, customer_id, email, email_key, name, external_id, role, created_at, modified_at)
            VALUES (\(bind: member.id.wire), \(bind: member.organizationId.wire), \(bind: member.customerId.wire),
                    \(bind: member.email), \(bind: EmailAddress.normalized(member.email)), \(bind: member.name),
                    \(bind: member.externalId), \(bind: member.role.rawValue), \(bind: member.createdAt.micros),
                    \(bind: member.modifiedAt.micros))
            """)
    }

    public func update(_ member: Member) async throws {
        try await session.execute("""
            UPDATE members SET email = \(bind: member.email), email_key = \(bind: EmailAddress.normalized(member.email)),
                name = \(bind: member.name), external_id = \(bind: member.externalId), role = \(bind: member.role.rawValue),
                modified_at = \(bind: member.modifiedAt.micros)
            WHERE id = \(bind: member.id.wire)
            """)
    }

    public func find(id: UUID, organizationId: UUID) async throws -> Member? {
        try await session.first("""
            SELECT * FROM members WHERE id = \(bind: id.wire) AND organization_id = \(bind: organizationId.wire)
              AND deleted_at IS NULL
            """).map { try Self.member($0) }
    }

    /// The organization's live member of this customer; `notFound(.member)` when there is none
    /// (a member of another customer is not found either).
    public func require(id: UUID, customerId: UUID, organizationId: UUID) async throws -> Member {
        guard let member = try await find(id: id, organizationId: organizationId), member.customerId == customerId else {
            throw TesseraError.notFound(.member)
        }
        return member
    }

    public func find(email: String, customerId: UUID) async throws -> Member? {
        try await session.first("""
            SELECT * FROM members WHERE customer_id = \(bind: customerId.wire)
              AND email_key = \(bind: EmailAddress.normalized(email)) AND deleted_at IS NULL
            """).map { try Self.member($0) }
    }

    public func find(externalId: String, customerId: UUID) async throws -> Member? {
        try await session.first("""
            SELECT * FROM members WHERE customer_id = \(bind: customerId.wire)
              AND external_id = \(bind: externalId) AND deleted_at IS NULL
            """).map { try Self.member($0) }
    }

    public func list(organizationId: UUID, customerId: UUID?, page: PageRequest) async throws -> Page<Member> {
        var filter: SQLQueryString = "organization_id = \(bind: organizationId.wire) AND deleted_at IS NULL"
        if let customerId { filter += " AND customer_id = \(bind: customerId.wire)" }
        let rows = try await session.rows("""
            SELECT * FROM members WHERE \(filter) ORDER BY created_at, id LIMIT \(bind: page.limit) OFFSET \(bind: page.offset)
            """)
        let count = try await session.first("SELECT COUNT(*) AS n FROM members WHERE \(filter)")
        return Page(items: try rows.map { try Self.member($0) }, totalCount: try count?.int("n") ?? 0)
    }

    /// The ids of a customer's live members.
    public func ids(customerId: UUID) async throws -> [UUID] {
        try await session.rows("""
            SELECT id FROM members WHERE customer_id = \(bind: customerId.wire) AND deleted_at IS NULL
            """).map { try $0.uuid("id") }
    }

    public func softDelete(id: UUID, at now: Date) async throws {
        try await session.execute("""
            UPDATE members SET deleted_at = \(bind: now.micros), modified_at = \(bind: now.micros) WHERE id = \(bind: id.wire)
            """)
    }

    static func member(_ row: StoredRow, prefix: String = "") throws -> Member {
        Member(
            id: try row.uuid(prefix + "id"), organizationId: try row.uuid(prefix + "organization_id"),
            customerId: try row.uuid(prefix + "customer_id"), email: try row.string(prefix + "email"),
            name: try row.optionalString(prefix + "name"), externalId: try row.optionalString(prefix + "external_id"),
            role: try row.choice(prefix + "role", as: Member.Role.self), createdAt: try row.date(prefix + "created_at"),
            modifiedAt: try row.optionalDate(prefix + "modified_at"))
    }
}
