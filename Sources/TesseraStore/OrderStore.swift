import Foundation
import SQLKit
import TesseraCore

/// One-time orders: seat pools that do not renew.
public struct OrderStore: Sendable {
    let session: SQLSession

    public func insert(_ order: Order) async throws {
        try await session.execute("""
            INSERT INTO orders (id, organization_id, customer_id, product_id, seats, active_seats, status, amount, currency,
                                metadata, created_at, modified_at)
            VALUES (\(bind: order.id.wire), \(bind: order.organizationId.wire), \(bind: order.customerId.wire),
                    \(bind: order.productId.wire), \(bind: order.seats), \(bind: order.activeSeats),
                    \(bind: order.status.rawValue), \(bind: order.amount), \(bind: order.currency),
                    \(bind: order.metadata.stored), \(bind: order.createdAt.micros), \(bind: order.modifiedAt.micros))
            """)
    }

    public func update(_ order: Order) async throws {
        try await session.execute("""
            UPDATE orders SET status = \(bind: order.status.rawValue), metadata = \(bind: order.metadata.stored),
                modified_at = \(bind: order.modifiedAt.micros)
            WHERE id = \(bind: order.id.wire) AND organization_id = \(bind: order.organizationId.wire)
            """)
    }

    public func find(id: UUID, organizationId: UUID) async throws -> Order? {
        try await session.first("""
            SELECT * FROM orders WHERE id = \(bind: id.wire) AND organization_id = \(bind: organizationId.wire)
            """).map(Self.order)
    }

    public func list(organizationId: UUID, customerId: UUID?, productId: UUID?, page: PageRequest) async throws
        -> Page<Order>
    {
        var filter: SQLQueryString = "organization_id = \(bind: organizationId.wire)"
        if let customerId { filter += " AND customer_id = \(bind: customerId.wire)" }
        if let productId { filter += " AND product_id = \(bind: productId.wire)" }
        let rows = try await session.rows("""
            SELECT * FROM orders WHERE \(filter) ORDER BY created_at, id LIMIT \(bind: page.limit) OFFSET \(bind: page.offset)
            """)
        let count = try await session.first("SELECT COUNT(*) AS n FROM orders WHERE \(filter)")
        return Page(items: try rows.map(Self.order), totalCount: try count?.int("n") ?? 0)
    }

    static func order(_ row: StoredRow) throws -> Order {
        Order(
            id: try row.uuid("id"), organizationId: try row.uuid("organization_id"),
            customerId: try row.uuid("customer_id"), productId: try row.uuid("product_id"),
            seats: try row.optionalInt("seats"), activeSeats: try row.int("active_seats"),
            status: try row.choice("status", as: Order.Status.self),
            amount: try row.int("amount"), currency: try row.string("currency"),
            metadata: try row.metadata("metadata"), createdAt: try row.date("created_at"),
            modifiedAt: try row.optionalDate("modified_at"))
    }
}
