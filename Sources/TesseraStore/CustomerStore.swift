import Foundation
import SQLKit
import TesseraCore

/// Customers of an organization. Deleted customers are kept (soft delete) so that seat
/// history still resolves, but they are invisible to every lookup here.
public struct CustomerStore: Sendable {
    let session: SQLSession

    public func insert(_ customer: Customer) async throws {
        try await session.execute("""
            INSERT INTO customers (id, organization_id, email, email_key, name, external_id, metadata, created_at, modified_at)
            VALUES (\(bind: customer.id.wire), \(bind: customer.organizationId.wire), \(bind: customer.email),
                    \(bind: EmailAddress.normalized(customer.email)), \(bind: customer.name), \(bind: customer.externalId),
                    \(bind: customer.metadata.stored), \(bind: customer.createdAt.micros), \(bind: customer.modifiedAt.micros))
            """)
    }

    public func update(_ customer: Customer) async throws {
        try await session.execute("""
            UPDATE customers SET email = \(bind: customer.email), email_key = \(bind: EmailAddress.normalized(customer.email)),
                name = \(bind: customer.name), external_id = \(bind: customer.externalId),
                metadata = \(bind: customer.metadata.stored), modified_at = \(bind: customer.modifiedAt.micros)
            WHERE id = \(bind: customer.id.wire) AND organization_id = \(bind: customer.organizationId.wire)
            """)
    }

    public func find(id: UUID, organizationId: UUID) async throws -> Customer? {
        try await session.first("""
            SELECT * FROM customers WHERE id = \(bind: id.wire) AND organization_id = \(bind: organizationId.wire)
              AND deleted_at IS NULL
            """).map(Self.customer)
    }

    /// The organization's live customer with this id; `notFound(.customer)` when there is none.
    public func require(id: UUID, organizationId: UUID) async throws -> Customer {
        guard let customer = try await find(id: id, organizationId: organizationId) else {
            throw TesseraError.notFound(.customer)
        }
        return customer
    }

    /// A customer even after deletion: pools keep pointing at their billing customer.
    public func findIncludingDeleted(id: UUID) async throws -> Customer {
        guard let row = try await session.first("SELECT * FROM customers WHERE id = \(bind: id.wire)") else {
            throw DatabaseError.unexpected("customer \(id.wire) is missing")
        }
        return try Self.customer(row)
    }

    /// Customers by id, deleted ones included, keyed by id: what a page of pools embeds, one
    /// query per `SQLSession.idsPerStatement` ids.
    public func findIncludingDeleted(ids: Set<UUID>) async throws -> [UUID: Customer] {
        try await session.rows(of: "customers", ids: ids, Self.customer, id: \.id)
    }

    public func find(email: String, organizationId: UUID) async throws -> Customer? {
        try await session.first("""
            SELECT * FROM customers WHERE email_key = \(bind: EmailAddress.normalized(email))
              AND organization_id = \(bind: organizationId.wire) AND deleted_at IS NULL
            """).map(Self.customer)
    }

    /// The organization's customer with this email and the member with it of the customer
    /// `memberOf`, either nil where there is none, read in one statement: a seat's recipient in
    /// legacy mode is both.
    public func find(email: String, organizationId: UUID, withMemberOf memberOf: UUID) async throws
        -> (customer: Customer?, member: Member?)
    {
        let key = EmailAddress.normalized(email)
        guard let row = try await session.first("""
            SELECT \(unsafeRaw: Self.joinedColumns), \(unsafeRaw: MemberColumns.joinedSelectList)
            FROM (SELECT 1 AS one) one
            LEFT JOIN customers c ON c.email_key = \(bind: key) AND c.organization_id = \(bind: organizationId.wire)
                                 AND c.deleted_at IS NULL
            LEFT JOIN members m ON m.email_key = \(bind: key) AND m.customer_id = \(bind: memberOf.wire)
                               AND m.deleted_at IS NULL
            """) else { return (nil, nil) }
        let customer = try Self.joinedCustomer(row)
        let member = try MemberStore.joinedMember(row)
        return (customer, member)
    }

    public func find(externalId: String, organizationId: UUID) async throws -> Customer? {
        try await session.first("""
            SELECT * FROM customers WHERE external_id = \(bind: externalId)
              AND organization_id = \(bind: organizationId.wire) AND deleted_at IS NULL
            """).map(Self.customer)
    }

    public func list(organizationId: UUID, email: String?, page: PageRequest) async throws -> Page<Customer> {
        var filter: SQLQueryString = "organization_id = \(bind: organizationId.wire) AND deleted_at IS NULL"
        if let email { filter += " AND email_key = \(bind: EmailAddress.normalized(email))" }
        let rows = try await session.rows("""
            SELECT * FROM customers WHERE \(filter) ORDER BY created_at, id LIMIT \(bind: page.limit) OFFSET \(bind: page.offset)
            """)
        let count = try await session.first("SELECT COUNT(*) AS n FROM customers WHERE \(filter)")
        return Page(items: try rows.map(Self.customer), totalCount: try count?.int("n") ?? 0)
    }

    public func softDelete(id: UUID, at now: Date) async throws {
        try await session.execute("""
            UPDATE customers SET deleted_at = \(bind: now.micros), modified_at = \(bind: now.micros) WHERE id = \(bind: id.wire)
            """)
    }

    static func customer(_ row: StoredRow) throws -> Customer {
        try customer(row, prefix: "", id: try row.uuid("id"))
    }

    /// A customer's columns in a query that joins it as `c`, named `c_…`: read back by
    /// ``joinedCustomer(_:)``.
    static let joinedColumns = ResultColumns.joinedSelectList(
        alias: "c", ["id", "organization_id", "email", "name", "external_id", "metadata", "created_at", "modified_at"])

    /// The customer a query joined as `c` (``joinedColumns``), nil when the join found none; its
    /// id read once, as an id, as ``MemberStore/joinedMember(_:)`` reads a member's.
    static func joinedCustomer(_ row: StoredRow) throws -> Customer? {
        guard let id = try row.optionalUUID("c_id") else { return nil }
        return try customer(row, prefix: "c_", id: id)
    }

    /// A customer from its columns, named with `prefix` when a query joined them under one.
    private static func customer(_ row: StoredRow, prefix: String, id: UUID) throws -> Customer {
        Customer(
            id: id, organizationId: try row.uuid(prefix + "organization_id"),
            email: try row.string(prefix + "email"), name: try row.optionalString(prefix + "name"),
            externalId: try row.optionalString(prefix + "external_id"), metadata: try row.metadata(prefix + "metadata"),
            createdAt: try row.date(prefix + "created_at"), modifiedAt: try row.optionalDate(prefix + "modified_at"))
    }
}
