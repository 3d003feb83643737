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

    public func find(id: UUID, organizationId: UUID) async throws -> Product? {
        try await session.first("""
            SELECT * FROM products WHERE id = \(bind: id.wire) AND organization_id = \(bind: organizationId.wire)
            """).map(Self.product)
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

    static func product(_ row: any SQLRow) throws -> Product {
        let prices = try JSONDecoder().decode([ProductPrice].self, from: Data(try row.string("prices").utf8))
        return Product(
            id: try row.uuid("id"), organizationId: try row.uuid("organization_id"), name: try row.string("name"),
            description: try row.optionalString("description"),
            recurringInterval: try row.optionalString("recurring_interval").flatMap(Product.RecurringInterval.init(rawValue:)),
            prices: prices, metadata: try row.metadata("metadata"), isArchived: try row.bool("is_archived"),
            createdAt: try row.date("created_at"), modifiedAt: try row.optionalDate("modified_at"))
    }
}

/// Subscriptions: seat pools that renew.
public struct SubscriptionStore: Sendable {
    let session: SQLSession

    public func insert(_ subscription: Subscription) async throws {
        try await session.execute("""
            INSERT INTO subscriptions (id, organization_id, customer_id, product_id, seats, active_seats, status, amount,
                currency, recurring_interval, cancel_at_period_end, canceled_at, started_at, ended_at,
                current_period_start, current_period_end, metadata, created_at, modified_at)
            VALUES (\(bind: subscription.id.wire), \(bind: subscription.organizationId.wire),
                    \(bind: subscription.customerId.wire), \(bind: subscription.productId.wire), \(bind: subscription.seats),
                    \(bind: subscription.activeSeats), \(bind: subscription.status.rawValue), \(bind: subscription.amount),
                    \(bind: subscription.currency), \(bind: subscription.recurringInterval.rawValue),
                    \(bind: subscription.cancelAtPeriodEnd), \(bind: subscription.canceledAt.micros),
                    \(bind: subscription.startedAt.micros), \(bind: subscription.endedAt.micros),
                    \(bind: subscription.currentPeriodStart.micros), \(bind: subscription.currentPeriodEnd.micros),
                    \(bind: subscription.metadata.stored), \(bind: subscription.createdAt.micros),
                    \(bind: subscription.modifiedAt.micros))
            """)
    }

    /// Writes everything but `active_seats`, which only `SeatStore` changes.
    public func update(_ subscription: Subscription) async throws {
        try await session.execute("""
            UPDATE subscriptions SET seats = \(bind: subscription.seats), status = \(bind: subscription.status.rawValue),
                amount = \(bind: subscription.amount), cancel_at_period_end = \(bind: subscription.cancelAtPeriodEnd),
                canceled_at = \(bind: subscription.canceledAt.micros), ended_at = \(bind: subscription.endedAt.micros),
                metadata = \(bind: subscription.metadata.stored), modified_at = \(bind: subscription.modifiedAt.micros)
            WHERE id = \(bind: subscription.id.wire) AND organization_id = \(bind: subscription.organizationId.wire)
            """)
    }

    public func find(id: UUID, organizationId: UUID) async throws -> Subscription? {
        try await session.first("""
            SELECT * FROM subscriptions WHERE id = \(bind: id.wire) AND organization_id = \(bind: organizationId.wire)
            """).map(Self.subscription)
    }

    /// Loads the subscription and locks its row until the transaction ends (PostgreSQL), so a
    /// seat-count change and a seat assignment never interleave.
    public func findForUpdate(id: UUID, organizationId: UUID) async throws -> Subscription? {
        try await session.first("""
            SELECT * FROM subscriptions WHERE id = \(bind: id.wire) AND organization_id = \(bind: organizationId.wire)
            \(unsafeRaw: session.forUpdate)
            """).map(Self.subscription)
    }

    public func list(organizationId: UUID, customerId: UUID?, productId: UUID?, page: PageRequest) async throws
        -> Page<Subscription>
    {
        var filter: SQLQueryString = "organization_id = \(bind: organizationId.wire)"
        if let customerId { filter += " AND customer_id = \(bind: customerId.wire)" }
        if let productId { filter += " AND product_id = \(bind: productId.wire)" }
        let rows = try await session.rows("""
            SELECT * FROM subscriptions WHERE \(filter) ORDER BY created_at, id
            LIMIT \(bind: page.limit) OFFSET \(bind: page.offset)
            """)
        let count = try await session.first("SELECT COUNT(*) AS n FROM subscriptions WHERE \(filter)")
        return Page(items: try rows.map(Self.subscription), totalCount: try count?.int("n") ?? 0)
    }

    static func subscription(_ row: any SQLRow) throws -> Subscription {
        Subscription(
            id: try row.uuid("id"), organizationId: try row.uuid("organization_id"),
            customerId: try row.uuid("customer_id"), productId: try row.uuid("product_id"),
            seats: try row.optionalInt("seats"), activeSeats: try row.int("active_seats"),
            status: Subscription.Status(rawValue: try row.string("status")) ?? .active,
            amount: try row.int("amount"), currency: try row.string("currency"),
            recurringInterval: Product.RecurringInterval(rawValue: try row.string("recurring_interval")) ?? .month,
            cancelAtPeriodEnd: try row.bool("cancel_at_period_end"), canceledAt: try row.optionalDate("canceled_at"),
            startedAt: try row.date("started_at"), endedAt: try row.optionalDate("ended_at"),
            currentPeriodStart: try row.date("current_period_start"),
            currentPeriodEnd: try row.date("current_period_end"), metadata: try row.metadata("metadata"),
            createdAt: try row.date("created_at"), modifiedAt: try row.optionalDate("modified_at"))
    }
}

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

    static func order(_ row: any SQLRow) throws -> Order {
        Order(
            id: try row.uuid("id"), organizationId: try row.uuid("organization_id"),
            customerId: try row.uuid("customer_id"), productId: try row.uuid("product_id"),
            seats: try row.optionalInt("seats"), activeSeats: try row.int("active_seats"),
            status: Order.Status(rawValue: try row.string("status")) ?? .paid,
            amount: try row.int("amount"), currency: try row.string("currency"),
            metadata: try row.metadata("metadata"), createdAt: try row.date("created_at"),
            modifiedAt: try row.optionalDate("modified_at"))
    }
}
