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

    /// Members by id, deleted ones included, keyed by id: one query per `perStatement` ids, since
    /// a pool's list can ask for a holder per seat.
    public func findIncludingDeleted(ids: Set<UUID>, perStatement: Int = SQLSession.idsPerStatement) async throws
        -> [UUID: Member]
    {
        try await session.rows(of: "members", ids: ids, perStatement: perStatement, { try Self.member($0) }, id: \.id)
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

    static func member(_ row: StoredRow, columns: MemberColumns = .stored) throws -> Member {
        try member(row, columns: columns, id: try row.uuid(columns.id))
    }

    /// The member a query joined as `m` (``MemberColumns/joined``), nil when the join found none.
    /// Its id is read once, as an id: reading it as text first to test for NULL made a `String`
    /// per row of a seat list.
    static func joinedMember(_ row: StoredRow) throws -> Member? {
        guard let id = try row.optionalUUID(MemberColumns.joined.id) else { return nil }
        return try member(row, columns: .joined, id: id)
    }

    private static func member(_ row: StoredRow, columns: MemberColumns, id: UUID) throws -> Member {
        Member(
            id: id, organizationId: try row.uuid(columns.organizationId),
            customerId: try row.uuid(columns.customerId), email: try row.string(columns.email),
            name: try row.optionalString(columns.name), externalId: try row.optionalString(columns.externalId),
            role: try row.choice(columns.role, as: Member.Role.self), createdAt: try row.date(columns.createdAt),
            modifiedAt: try row.optionalDate(columns.modifiedAt))
    }
}

/// The names of a member's columns in a result: as stored, or with `m_` before each where a
/// seat's query joins its member. Made once, not joined anew for every row read.
struct MemberColumns: Sendable {
    let id, organizationId, customerId, email, name, externalId, role, createdAt, modifiedAt: String

    private init(prefix: String) {
        id = prefix + "id"
        organizationId = prefix + "organization_id"
        customerId = prefix + "customer_id"
        email = prefix + "email"
        name = prefix + "name"
        externalId = prefix + "external_id"
        role = prefix + "role"
        createdAt = prefix + "created_at"
        modifiedAt = prefix + "modified_at"
    }

    static let stored = MemberColumns(prefix: "")
    /// A member joined as `m`, its columns named `m_…` (`joinedSelectList`).
    static let joined = MemberColumns(prefix: "m_")

    /// The select list of a member joined as `m`, in the order `MemberStore.member` reads them:
    /// `m.id AS m_id, …`. Used by the seat details and a recipient's customer-and-member read.
    static let joinedSelectList = ResultColumns.joinedSelectList(
        alias: "m", ["id", "organization_id", "customer_id", "email", "name", "external_id", "role", "created_at", "modified_at"])
}
