import Foundation
import SQLKit
import TesseraCore

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

    /// The organization's subscriptions with these ids, oldest first, in one query.
    public func find(ids: [UUID], organizationId: UUID) async throws -> [Subscription] {
        guard !ids.isEmpty else { return [] }
        return try await session.rows("""
            SELECT * FROM subscriptions
            WHERE id IN (\(binds: ids.map(\.wire))) AND organization_id = \(bind: organizationId.wire)
            ORDER BY created_at, id
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

    /// Active subscriptions set to cancel whose period has ended by `now`, earliest first.
    /// The literal conditions are the partial index's (migration 9), so the index serves them.
    public func dueToEnd(at now: Date, limit: Int) async throws -> [Subscription] {
        try await session.rows(Self.dueToEndQuery(at: now, limit: limit), Self.subscription)
    }

    static func dueToEndQuery(at now: Date, limit: Int) -> SQLQueryString {
        """
        SELECT * FROM subscriptions
        WHERE cancel_at_period_end = TRUE AND status = 'active' AND current_period_end <= \(bind: now.micros)
        ORDER BY current_period_end LIMIT \(bind: limit)
        """
    }

    /// The customer's active subscriptions (those set to cancel at the period's end included),
    /// oldest first.
    public func active(customerId: UUID, organizationId: UUID) async throws -> [Subscription] {
        try await session.rows("""
            SELECT * FROM subscriptions
            WHERE customer_id = \(bind: customerId.wire) AND organization_id = \(bind: organizationId.wire)
              AND status = \(bind: Subscription.Status.active.rawValue)
            ORDER BY created_at, id
            """, Self.subscription)
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

    static func subscription(_ row: StoredRow) throws -> Subscription {
        Subscription(
            id: try row.uuid("id"), organizationId: try row.uuid("organization_id"),
            customerId: try row.uuid("customer_id"), productId: try row.uuid("product_id"),
            seats: try row.optionalInt("seats"), activeSeats: try row.int("active_seats"),
            status: try row.choice("status", as: Subscription.Status.self),
            amount: try row.int("amount"), currency: try row.string("currency"),
            recurringInterval: try row.choice("recurring_interval", as: Product.RecurringInterval.self),
            cancelAtPeriodEnd: try row.bool("cancel_at_period_end"), canceledAt: try row.optionalDate("canceled_at"),
            startedAt: try row.date("started_at"), endedAt: try row.optionalDate("ended_at"),
            currentPeriodStart: try row.date("current_period_start"),
            currentPeriodEnd: try row.date("current_period_end"), metadata: try row.metadata("metadata"),
            createdAt: try row.date("created_at"), modifiedAt: try row.optionalDate("modified_at"))
    }
}
