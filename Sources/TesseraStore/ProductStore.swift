import Foundation
import SQLKit
import TesseraCore

/// Products and their prices (kept as JSON on the product row).
public struct ProductStore: Sendable {
    let session: SQLSession

    public func insert(_ product: Product) async throws {
        try await session.execute("""
            INSERT INTO products (id, organization_id, name, description, recurring_interval, prices, metadata,
                                  is_archived, created_at, modified_at)
            VALUES (\(bind: product.id.wire), \(bind: product.organizationId.wire), \(bind: product.name),
                    \(bind: product.description), \(bind: product.recurringInterval?.rawValue),
                    \(bind: try Self.encodePrices(product.prices)), \(bind: product.metadata.stored),
                    \(bind: product.isArchived), \(bind: product.createdAt.micros), \(bind: product.modifiedAt.micros))
            """)
    }

    public func update(_ product: Product) async throws {
        try await session.execute("""
            UPDATE products SET name = \(bind: product.name), description = \(bind: product.description),
                recurring_interval = \(bind: product.recurringInterval?.rawValue),
                prices = \(bind: try Self.encodePrices(product.prices)), metadata = \(bind: product.metadata.stored),
                is_archived = \(bind: product.isArchived), modified_at = \(bind: product.modifiedAt.micros)
            WHERE id = \(bind: product.id.wire) AND organization_id = \(bind: product.organizationId.wire)
            """)
    }

    /// `locking`: held until the transaction ends (`FOR UPDATE` on PostgreSQL; SQLite's write
    /// transactions already exclude each other), so that changes to one product take turns.
    public func find(id: UUID, organizationId: UUID, locking: Bool = false) async throws -> Product? {
        try await session.first("""
            SELECT * FROM products WHERE id = \(bind: id.wire) AND organization_id = \(bind: organizationId.wire)\(unsafeRaw: locking ? session.forUpdate : "")
            """).map(Self.product)
    }

    /// A product's name alone (an invitation email's), without decoding its prices.
    public func name(id: UUID, organizationId: UUID) async throws -> String? {
        try await session.first("""
            SELECT name FROM products WHERE id = \(bind: id.wire) AND organization_id = \(bind: organizationId.wire)
            """).map { try $0.string("name") }
    }

    /// The organization's products with these ids, keyed by id, in one query.
    public func find(ids: Set<UUID>, organizationId: UUID) async throws -> [UUID: Product] {
        guard !ids.isEmpty else { return [:] }
        let rows = try await session.rows("""
            SELECT * FROM products
            WHERE id IN (\(binds: ids.map(\.wire))) AND organization_id = \(bind: organizationId.wire)
            """)
        return try Dictionary(rows.map { let product = try Self.product($0); return (product.id, product) },
                              uniquingKeysWith: { first, _ in first })
    }

    /// The organization's product with this id; `notFound(.product)` when there is none.
    /// `locking` as for `find`.
    public func require(id: UUID, organizationId: UUID, locking: Bool = false) async throws -> Product {
        guard let product = try await find(id: id, organizationId: organizationId, locking: locking) else {
            throw TesseraError.notFound(.product)
        }
        return product
    }

    public func list(organizationId: UUID, page: PageRequest) async throws -> Page<Product> {
        let rows = try await session.rows("""
            SELECT * FROM products WHERE organization_id = \(bind: organizationId.wire)
            ORDER BY created_at, id LIMIT \(bind: page.limit) OFFSET \(bind: page.offset)
            """)
        let count = try await session.first(
            "SELECT COUNT(*) AS n FROM products WHERE organization_id = \(bind: organizationId.wire)")
        return Page(items: try rows.map(Self.product), totalCount: try count?.int("n") ?? 0)
    }

    static func encodePrices(_ prices: [ProductPrice]) throws -> String {
        String(decoding: try JSONEncoder().encode(prices), as: UTF8.self)
    }

    static func product(_ row: StoredRow) throws -> Product {
        let prices = try JSONDecoder().decode([ProductPrice].self, from: Data(try row.string("prices").utf8))
        return Product(
            id: try row.uuid("id"), organizationId: try row.uuid("organization_id"), name: try row.string("name"),
            description: try row.optionalString("description"),
            recurringInterval: try row.optionalChoice("recurring_interval", as: Product.RecurringInterval.self),
            prices: prices, metadata: try row.metadata("metadata"), isArchived: try row.bool("is_archived"),
            createdAt: try row.date("created_at"), modifiedAt: try row.optionalDate("modified_at"))
    }
}
