import Foundation
import SQLKit
import TesseraCore

/// The merchant dashboard's overview figures. Each is one aggregate statement that walks an
/// index from the organization (its pools, its endpoints, its seat events, its emails), so the
/// overview costs the same number of statements whatever the organization's size. The two
/// that count everything they show (seat totals, claims per day) are also stored, and read back
/// by primary key: `dashboard_seat_totals` and `dashboard_daily_claims` (migration 19).
public struct DashboardStore: Sendable {
    let session: SQLSession

    /// Seats across the pools that can hold them: active subscriptions and paid orders.
    public struct SeatTotals: Sendable, Equatable {
        public var pools: Int
        /// Seats bought.
        public var seats: Int
        /// Seats pending or claimed.
        public var used: Int

        public init(pools: Int, seats: Int, used: Int) {
            self.pools = pools
            self.seats = seats
            self.used = used
        }
    }

    public func seatTotals(organizationId: UUID) async throws -> SeatTotals {
        let row = try await session.first(Self.seatTotalsQuery(organizationId: organizationId))
        return SeatTotals(pools: try row?.int("pools") ?? 0, seats: try row?.int("seats") ?? 0,
                          used: try row?.int("used") ?? 0)
    }

    static func seatTotalsQuery(organizationId: UUID) -> SQLQueryString {
        """
        SELECT COUNT(*) AS pools, COALESCE(SUM(seats), 0) AS seats, COALESCE(SUM(active_seats), 0) AS used FROM (
            SELECT seats, active_seats FROM subscriptions
            WHERE organization_id = \(bind: organizationId.wire) AND seats IS NOT NULL
              AND status = \(bind: Subscription.Status.active.rawValue)
            UNION ALL
            SELECT seats, active_seats FROM orders
            WHERE organization_id = \(bind: organizationId.wire) AND seats IS NOT NULL
              AND status = \(bind: Order.Status.paid.rawValue)
        ) pools
        """
    }

    /// Seat totals as the overview stores them: what they were at `computedAt`, and when the
    /// overview was last seen (which keeps them refreshed in the background).
    public struct StoredSeatTotals: Sendable, Equatable {
        public var totals: SeatTotals
        public var computedAt: Date
        public var viewedAt: Date

        public init(totals: SeatTotals, computedAt: Date, viewedAt: Date) {
            self.totals = totals
            self.computedAt = computedAt
            self.viewedAt = viewedAt
        }
    }

    public func storedSeatTotals(organizationId: UUID) async throws -> StoredSeatTotals? {
        guard let row = try await session.first(Self.storedSeatTotalsQuery(organizationId: organizationId)) else {
            return nil
        }
        return StoredSeatTotals(
            totals: SeatTotals(pools: try row.int("pools"), seats: try row.int("seats"), used: try row.int("used")),
            computedAt: try row.date("computed_at"), viewedAt: try row.date("viewed_at"))
    }

    static func storedSeatTotalsQuery(organizationId: UUID) -> SQLQueryString {
        """
        SELECT pools, seats, used, computed_at, viewed_at FROM dashboard_seat_totals
        WHERE organization_id = \(bind: organizationId.wire)
        """
    }

    /// Stores totals computed for a view of the overview, seen at `stored.viewedAt`, unless
    /// newer ones are stored already (a refresh that counted after this view did): as with
    /// ``refreshSeatTotals(organizationId:_:computedAt:)``, stored totals only move forward.
    public func storeSeatTotals(organizationId: UUID, _ stored: StoredSeatTotals) async throws {
        try await session.execute("""
            INSERT INTO dashboard_seat_totals (organization_id, pools, seats, used, computed_at, viewed_at)
            VALUES (\(bind: organizationId.wire), \(bind: stored.totals.pools), \(bind: stored.totals.seats),
                    \(bind: stored.totals.used), \(bind: stored.computedAt.micros), \(bind: stored.viewedAt.micros))
            ON CONFLICT (organization_id) DO UPDATE SET pools = excluded.pools, seats = excluded.seats,
                used = excluded.used, computed_at = excluded.computed_at, viewed_at = excluded.viewed_at
            WHERE dashboard_seat_totals.computed_at < excluded.computed_at
            """)
    }

    /// Replaces stored totals with ones computed at `computedAt`, unless newer ones are stored
    /// already (another process refreshed them meanwhile).
    public func refreshSeatTotals(organizationId: UUID, _ totals: SeatTotals, computedAt: Date) async throws {
        try await session.execute(Self.refreshSeatTotalsQuery(organizationId: organizationId, totals, computedAt: computedAt))
    }

    static func refreshSeatTotalsQuery(organizationId: UUID, _ totals: SeatTotals, computedAt: Date) -> SQLQueryString {
        """
        UPDATE dashboard_seat_totals
        SET pools = \(bind: totals.pools), seats = \(bind: totals.seats), used = \(bind: totals.used),
            computed_at = \(bind: computedAt.micros)
        WHERE organization_id = \(bind: organizationId.wire) AND computed_at < \(bind: computedAt.micros)
        """
    }

    /// Records that the overview was seen at `viewedAt`.
    public func markSeatTotalsViewed(organizationId: UUID, at viewedAt: Date) async throws {
        try await session.execute(Self.markSeatTotalsViewedQuery(organizationId: organizationId, at: viewedAt))
    }

    static func markSeatTotalsViewedQuery(organizationId: UUID, at viewedAt: Date) -> SQLQueryString {
        """
        UPDATE dashboard_seat_totals SET viewed_at = \(bind: viewedAt.micros)
        WHERE organization_id = \(bind: organizationId.wire) AND viewed_at < \(bind: viewedAt.micros)
        """
    }

    /// The organizations whose overview was seen since `viewedSince` and whose totals were
    /// computed before `computedBefore`: those the background refresh keeps current.
    public func seatTotalsToRefresh(viewedSince: Date, computedBefore: Date) async throws -> [UUID] {
        try await session.rows(Self.seatTotalsToRefreshQuery(viewedSince: viewedSince, computedBefore: computedBefore)) {
            try $0.uuid("organization_id")
        }
    }

    static func seatTotalsToRefreshQuery(viewedSince: Date, computedBefore: Date) -> SQLQueryString {
        """
        SELECT organization_id FROM dashboard_seat_totals
        WHERE viewed_at >= \(bind: viewedSince.micros) AND computed_at < \(bind: computedBefore.micros)
        """
    }

    /// Invitations waiting for their claim: all of them, those whose link stops working between
    /// `now` and `soon`, and those whose link has stopped working (they need re-sending).
    public struct PendingInvitations: Sendable, Equatable {
        public var pending: Int
        public var expiringSoon: Int
        public var expired: Int
    }

    public func pendingInvitations(organizationId: UUID, now: Date, soon: Date) async throws -> PendingInvitations {
        let row = try await session.first(Self.pendingInvitationsQuery(organizationId: organizationId, now: now, soon: soon))
        return PendingInvitations(pending: try row?.int("pending") ?? 0, expiringSoon: try row?.int("expiring") ?? 0,
                                  expired: try row?.int("expired") ?? 0)
    }

    /// Through the pending seats' own small index (`seats_pending`): what it costs follows the
    /// invitations waiting, not the organization's seats or pools. `'pending'` is written out,
    /// not bound: SQLite plans without bound values here (`CTesseraSQLite`), so only the
    /// literal matches the partial index's condition.
    static func pendingInvitationsQuery(organizationId: UUID, now: Date, soon: Date) -> SQLQueryString {
        """
        SELECT COUNT(*) AS pending,
               COALESCE(SUM(CASE WHEN invitation_token_expires_at > \(bind: now.micros)
                                  AND invitation_token_expires_at <= \(bind: soon.micros)
                            THEN 1 ELSE 0 END), 0) AS expiring,
               COALESCE(SUM(CASE WHEN invitation_token_expires_at <= \(bind: now.micros) THEN 1 ELSE 0 END), 0)
                   AS expired
        FROM seats
        WHERE organization_id = \(bind: organizationId.wire) AND status = 'pending'
        """
    }

    /// Claims from the start of `fromDay` (days since 1970, UTC), and before the start of
    /// `beforeDay` when given, counted per day.
    public func claimsPerDay(organizationId: UUID, fromDay: Int, beforeDay: Int? = nil) async throws -> [Int: Int] {
        let query = Self.claimsPerDayQuery(organizationId: organizationId, fromDay: fromDay, beforeDay: beforeDay)
        let rows = try await session.rows(query) { row in (try row.int("day"), try row.int("claims")) }
        return Dictionary(rows, uniquingKeysWith: +)
    }

    static func claimsPerDayQuery(organizationId: UUID, fromDay: Int, beforeDay: Int?) -> SQLQueryString {
        let day = String(microsPerDay)
        var filter: SQLQueryString = """
            organization_id = \(bind: organizationId.wire) AND kind = \(bind: SeatEvent.Kind.claimed.rawValue)
              AND created_at >= \(bind: fromDay * microsPerDay)
            """
        if let beforeDay { filter += " AND created_at < \(bind: beforeDay * microsPerDay)" }
        return """
            SELECT created_at / \(unsafeRaw: day) AS day, COUNT(*) AS claims FROM seat_events
            WHERE \(filter)
            GROUP BY created_at / \(unsafeRaw: day)
            """
    }

    /// The stored claim counts of the organization's final days within `days` (days since 1970,
    /// UTC): a day with no claims is stored as 0, so a day absent here has not been counted yet.
    public func storedClaimsPerDay(organizationId: UUID, days: ClosedRange<Int>) async throws -> [Int: Int] {
        let rows = try await session.rows(Self.storedClaimsPerDayQuery(organizationId: organizationId, days: days)) { row in
            (try row.int("day"), try row.int("claims"))
        }
        return Dictionary(rows, uniquingKeysWith: { first, _ in first })
    }

    static func storedClaimsPerDayQuery(organizationId: UUID, days: ClosedRange<Int>) -> SQLQueryString {
        """
        SELECT day, claims FROM dashboard_daily_claims
        WHERE organization_id = \(bind: organizationId.wire) AND day >= \(bind: days.lowerBound) AND day <= \(bind: days.upperBound)
        """
    }

    /// Stores the claim counts of final days. A day already stored is left as it is: its count
    /// cannot change, so two processes storing the same day store the same number.
    public func storeClaimsPerDay(organizationId: UUID, counts: [Int: Int]) async throws {
        guard !counts.isEmpty else { return }
        try await session.insert(
            "INSERT INTO dashboard_daily_claims (organization_id, day, claims) VALUES",
            rows: counts.sorted { $0.key < $1.key }.map { day, claims in
                "(\(bind: organizationId.wire), \(bind: day), \(bind: claims))"
            },
            suffix: "ON CONFLICT (organization_id, day) DO NOTHING")
    }

    /// Deletes the stored claim counts of days before `day`, of every organization: days no
    /// overview shows any more.
    public func deleteStoredClaims(before day: Int) async throws {
        try await session.execute(Self.deleteStoredClaimsQuery(before: day))
    }

    static func deleteStoredClaimsQuery(before day: Int) -> SQLQueryString {
        "DELETE FROM dashboard_daily_claims WHERE day < \(bind: day)"
    }

    /// Webhook delivery attempts in one hour.
    public struct DeliveryHour: Sendable, Equatable {
        /// Hours since 1970, UTC.
        public var hour: Int
        public var succeeded: Int
        public var failed: Int
    }

    /// Webhook delivery attempts since `since`, per hour, to any of the organization's endpoints.
    public func webhookDeliveriesPerHour(organizationId: UUID, since: Date) async throws -> [DeliveryHour] {
        try await session.rows(Self.webhookDeliveriesPerHourQuery(organizationId: organizationId, since: since)) { row in
            let succeeded = try row.int("succeeded")
            return DeliveryHour(hour: try row.int("hour"), succeeded: succeeded, failed: try row.int("attempts") - succeeded)
        }
    }

    static func webhookDeliveriesPerHourQuery(organizationId: UUID, since: Date) -> SQLQueryString {
        let hour = String(microsPerHour)
        return """
            SELECT d.created_at / \(unsafeRaw: hour) AS hour, COUNT(*) AS attempts,
                   COALESCE(SUM(CASE WHEN d.succeeded THEN 1 ELSE 0 END), 0) AS succeeded
            FROM webhook_endpoints e
            JOIN webhook_deliveries d ON d.endpoint_id = e.id AND d.created_at >= \(bind: since.micros)
            WHERE e.organization_id = \(bind: organizationId.wire)
            GROUP BY d.created_at / \(unsafeRaw: hour)
            ORDER BY hour
            """
    }

    /// When the oldest email and webhook event still waiting to be delivered were queued.
    public struct OldestUndelivered: Sendable, Equatable {
        public var email: Date?
        public var webhook: Date?
    }

    public func oldestUndelivered(organizationId: UUID) async throws -> OldestUndelivered {
        let row = try await session.first(Self.oldestUndeliveredQuery(organizationId: organizationId))
        return OldestUndelivered(email: try row?.optionalDate("email"), webhook: try row?.optionalDate("webhook"))
    }

    static func oldestUndeliveredQuery(organizationId: UUID) -> SQLQueryString {
        let pending = OutboxMessage.Status.pending.rawValue
        return """
            SELECT (SELECT MIN(created_at) FROM outbox
                    WHERE organization_id = \(bind: organizationId.wire) AND status = \(bind: pending)) AS email,
                   (SELECT MIN(o.created_at) FROM webhook_endpoints e
                    JOIN webhook_outbox o ON o.endpoint_id = e.id AND o.status = \(bind: pending)
                    WHERE e.organization_id = \(bind: organizationId.wire)) AS webhook
            """
    }

    /// The organization's live customers, newest first, `limit` a page.
    public func customers(organizationId: UUID, limit: Int, after cursor: ListCursor?) async throws
        -> CursorPage<Customer>
    {
        let rows = try await session.rows(Self.customersQuery(organizationId: organizationId, limit: limit, after: cursor),
                                          CustomerStore.customer)
        return CursorPage(overRead: rows, limit: limit) { ListCursor(createdAt: $0.createdAt, id: $0.id) }
    }

    static func customersQuery(organizationId: UUID, limit: Int, after cursor: ListCursor?) -> SQLQueryString {
        var filter: SQLQueryString = "organization_id = \(bind: organizationId.wire) AND deleted_at IS NULL"
        if let cursor {
            filter += " AND (created_at, id) < (\(bind: cursor.createdAtMicros), \(bind: cursor.id.wire))"
        }
        return "SELECT * FROM customers WHERE \(filter) ORDER BY created_at DESC, id DESC LIMIT \(bind: limit + 1)"
    }

    /// The customers whose email (in any case) or external id is `text`: at most one of each,
    /// each found through its own unique index.
    public func customers(organizationId: UUID, matching text: String) async throws -> [Customer] {
        let byEmail = try await session.customers.find(email: text, organizationId: organizationId)
        let byExternalId = try await session.customers.find(externalId: text, organizationId: organizationId)
        guard let byExternalId, byExternalId.id != byEmail?.id else { return byEmail.map { [$0] } ?? [] }
        return (byEmail.map { [$0] } ?? []) + [byExternalId]
    }

    /// One delivery attempt as the deliveries page lists it (without the event's body).
    public struct DeliveryAttempt: Sendable, Equatable {
        public var id: UUID
        public var eventId: UUID
        public var eventType: String
        public var succeeded: Bool
        public var httpCode: Int?
        public var error: String?
        public var durationMs: Int
        public var createdAt: Date
    }

    /// An endpoint's latest `limit` attempts, newest first: a walk of its (endpoint, time) index.
    public func recentDeliveries(endpointId: UUID, limit: Int) async throws -> [DeliveryAttempt] {
        try await session.rows(Self.recentDeliveriesQuery(endpointId: endpointId, limit: limit)) { row in
            DeliveryAttempt(
                id: try row.uuid("id"), eventId: try row.uuid("event_id"), eventType: try row.string("event_type"),
                succeeded: try row.bool("succeeded"), httpCode: try row.optionalInt("http_code"),
                error: try row.optionalString("error"), durationMs: try row.int("duration_ms"),
                createdAt: try row.date("created_at"))
        }
    }

    static func recentDeliveriesQuery(endpointId: UUID, limit: Int) -> SQLQueryString {
        """
        SELECT d.id, d.event_id, d.succeeded, d.http_code, d.error, d.duration_ms, d.created_at, ev.type AS event_type
        FROM webhook_deliveries d JOIN webhook_events ev ON ev.id = d.event_id
        WHERE d.endpoint_id = \(bind: endpointId.wire)
        ORDER BY d.created_at DESC, d.id DESC LIMIT \(bind: limit)
        """
    }

    /// The organization's emails that failed for good, newest first, `limit` a page.
    public func failedEmails(organizationId: UUID, limit: Int, after cursor: ListCursor?) async throws
        -> CursorPage<OutboxMessage>
    {
        let rows = try await session.rows(Self.failedEmailsQuery(organizationId: organizationId, limit: limit, after: cursor),
                                          OutboxStore.message)
        return CursorPage(overRead: rows, limit: limit) { ListCursor(createdAt: $0.createdAt, id: $0.id) }
    }

    static func failedEmailsQuery(organizationId: UUID, limit: Int, after cursor: ListCursor?) -> SQLQueryString {
        var filter: SQLQueryString = """
            organization_id = \(bind: organizationId.wire) AND status = \(bind: OutboxMessage.Status.failed.rawValue)
            """
        if let cursor {
            filter += " AND (created_at, id) < (\(bind: cursor.createdAtMicros), \(bind: cursor.id.wire))"
        }
        return "SELECT * FROM outbox WHERE \(filter) ORDER BY created_at DESC, id DESC LIMIT \(bind: limit + 1)"
    }

    /// Every statement of the dashboard that looks rows up (its reads, and the updates and deletes of
    /// what the overview stores), with placeholder values: what the plan test reads.
    static func allQueries(organizationId: UUID) -> [(name: String, query: SQLQueryString)] {
        let now = Date()
        let cursor = ListCursor(createdAt: now, id: organizationId)
        return [
            ("seat totals", seatTotalsQuery(organizationId: organizationId)),
            ("pending invitations", pendingInvitationsQuery(organizationId: organizationId, now: now, soon: now)),
            ("claims per day", claimsPerDayQuery(organizationId: organizationId, fromDay: 1, beforeDay: nil)),
            ("claims per final day", claimsPerDayQuery(organizationId: organizationId, fromDay: 1, beforeDay: 2)),
            ("stored claims per day", storedClaimsPerDayQuery(organizationId: organizationId, days: 1...2)),
            ("stored seat totals", storedSeatTotalsQuery(organizationId: organizationId)),
            ("refresh seat totals", refreshSeatTotalsQuery(organizationId: organizationId, SeatTotals(pools: 0, seats: 0, used: 0),
                                                           computedAt: now)),
            ("mark seat totals viewed", markSeatTotalsViewedQuery(organizationId: organizationId, at: now)),
            ("seat totals to refresh", seatTotalsToRefreshQuery(viewedSince: now, computedBefore: now)),
            ("old claim days", deleteStoredClaimsQuery(before: 1)),
            ("deliveries per hour", webhookDeliveriesPerHourQuery(organizationId: organizationId, since: now)),
            ("oldest undelivered", oldestUndeliveredQuery(organizationId: organizationId)),
            ("customers", customersQuery(organizationId: organizationId, limit: 50, after: cursor)),
            ("recent deliveries", recentDeliveriesQuery(endpointId: organizationId, limit: 10)),
            ("failed emails", failedEmailsQuery(organizationId: organizationId, limit: 50, after: cursor)),
        ]
    }

    static let microsPerHour = 3_600_000_000
    static let microsPerDay = 86_400_000_000
}

extension SQLSession {
    public var dashboard: DashboardStore { DashboardStore(session: self) }
}
