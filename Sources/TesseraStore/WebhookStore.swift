import Foundation
import NIOConcurrencyHelpers
import SQLKit
import TesseraCore

/// One leased webhook send: the event body and where it goes.
public struct WebhookSend: Sendable, Equatable {
    public var outboxId: UUID
    public var eventId: UUID
    public var eventType: String
    public var body: String
    public var endpointId: UUID
    public var url: String
    public var secret: String
    /// Attempts made so far, this one included.
    public var attempt: Int
    public var createdAt: Date
}

/// One attempt to deliver an event (Polar's `WebhookDelivery`).
public struct WebhookDeliveryAttempt: Sendable, Equatable {
    public var id: UUID
    public var eventId: UUID
    public var eventType: String
    public var eventBody: String
    public var eventCreatedAt: Date
    public var endpointId: UUID
    public var succeeded: Bool
    public var httpCode: Int?
    public var error: String?
    public var response: String?
    public var durationMs: Int
    public var createdAt: Date

    public init(id: UUID, eventId: UUID, eventType: String, eventBody: String, eventCreatedAt: Date, endpointId: UUID,
                succeeded: Bool, httpCode: Int?, error: String?, response: String?, durationMs: Int, createdAt: Date) {
        self.id = id
        self.eventId = eventId
        self.eventType = eventType
        self.eventBody = eventBody
        self.eventCreatedAt = eventCreatedAt
        self.endpointId = endpointId
        self.succeeded = succeeded
        self.httpCode = httpCode
        self.error = error
        self.response = response
        self.durationMs = durationMs
        self.createdAt = createdAt
    }
}

/// Webhook endpoints, events and their delivery queue.
public struct WebhookStore: Sendable {
    let session: SQLSession

    // MARK: Endpoints

    public func insert(_ endpoint: WebhookEndpoint) async throws {
        forgetEndpoints()
        try await session.execute("""
            INSERT INTO webhook_endpoints (id, organization_id, url, name, secret, events, enabled, disabled_reason,
                                           failed_events_in_row, created_at, modified_at)
            VALUES (\(bind: endpoint.id.wire), \(bind: endpoint.organizationId.wire), \(bind: endpoint.url),
                    \(bind: endpoint.name), \(bind: endpoint.secret), \(bind: Self.eventsText(endpoint.events)),
                    \(bind: endpoint.enabled), \(bind: endpoint.disabledReason), \(bind: endpoint.failedEventsInRow),
                    \(bind: endpoint.createdAt.micros), \(bind: endpoint.modifiedAt.micros))
            """)
    }

    public func update(_ endpoint: WebhookEndpoint) async throws {
        forgetEndpoints()
        try await session.execute("""
            UPDATE webhook_endpoints SET url = \(bind: endpoint.url), name = \(bind: endpoint.name),
                secret = \(bind: endpoint.secret), events = \(bind: Self.eventsText(endpoint.events)),
                enabled = \(bind: endpoint.enabled), disabled_reason = \(bind: endpoint.disabledReason),
                failed_events_in_row = \(bind: endpoint.failedEventsInRow), modified_at = \(bind: endpoint.modifiedAt.micros)
            WHERE id = \(bind: endpoint.id.wire) AND organization_id = \(bind: endpoint.organizationId.wire)
            """)
    }

    public func endpoint(id: UUID, organizationId: UUID) async throws -> WebhookEndpoint? {
        try await session.first("""
            SELECT * FROM webhook_endpoints WHERE id = \(bind: id.wire) AND organization_id = \(bind: organizationId.wire)
              AND deleted_at IS NULL
            """).map(Self.endpoint)
    }

    /// The organization's live endpoint with this id; `notFound(.webhookEndpoint)` when there is none.
    public func requireEndpoint(id: UUID, organizationId: UUID) async throws -> WebhookEndpoint {
        guard let endpoint = try await endpoint(id: id, organizationId: organizationId) else {
            throw TesseraError.notFound(.webhookEndpoint)
        }
        return endpoint
    }

    /// `requireEndpoint`, locking the row for the rest of the transaction, so a change read
    /// from it and written back loses no delivery outcome recorded meanwhile.
    public func lockEndpoint(id: UUID, organizationId: UUID) async throws -> WebhookEndpoint {
        guard let endpoint = try await session.first("""
            SELECT * FROM webhook_endpoints WHERE id = \(bind: id.wire) AND organization_id = \(bind: organizationId.wire)
              AND deleted_at IS NULL\(unsafeRaw: forNoKeyUpdate)
            """).map(Self.endpoint) else {
            throw TesseraError.notFound(.webhookEndpoint)
        }
        return endpoint
    }

    /// The endpoint a send went to, deleted or not, locked for the rest of the transaction:
    /// several workers may finish events for one endpoint at once, and each must see the
    /// streak the one before it wrote. Nil if there is no such row.
    public func lockForDelivery(endpointId: UUID) async throws -> WebhookEndpoint? {
        try await session.first("""
            SELECT * FROM webhook_endpoints WHERE id = \(bind: endpointId.wire)\(unsafeRaw: forNoKeyUpdate)
            """).map(Self.endpoint)
    }

    /// The row lock an UPDATE of non-key columns takes, taken at the read (PostgreSQL; SQLite's
    /// `BEGIN IMMEDIATE` already excludes other writers). Weaker than `FOR UPDATE`, so
    /// transactions that only insert rows referring to the endpoint (queuing an event) are not
    /// held up by it.
    private var forNoKeyUpdate: String { session.dialect == .postgres ? " FOR NO KEY UPDATE" : "" }

    public func endpoints(organizationId: UUID, page: PageRequest) async throws -> Page<WebhookEndpoint> {
        let filter: SQLQueryString = "organization_id = \(bind: organizationId.wire) AND deleted_at IS NULL"
        let rows = try await session.rows("""
            SELECT * FROM webhook_endpoints WHERE \(filter) ORDER BY created_at, id
            LIMIT \(bind: page.limit) OFFSET \(bind: page.offset)
            """)
        let count = try await session.first("SELECT COUNT(*) AS n FROM webhook_endpoints WHERE \(filter)")
        return Page(items: try rows.map(Self.endpoint), totalCount: try count?.int("n") ?? 0)
    }

    /// Deletes the endpoint; what was still queued for it is dropped.
    public func delete(id: UUID, at now: Date) async throws {
        forgetEndpoints()
        try await session.execute("""
            UPDATE webhook_endpoints SET deleted_at = \(bind: now.micros), enabled = \(bind: false) WHERE id = \(bind: id.wire)
            """)
        try await session.execute("""
            UPDATE webhook_outbox SET status = 'failed', finished_at = \(bind: now.micros)
            WHERE endpoint_id = \(bind: id.wire) AND status = 'pending'
            """)
    }

    // MARK: Events

    /// The organization's enabled endpoints that want events of `type`: where such an event goes.
    public func endpointIds(wanting type: WebhookEventType, organizationId: UUID) async throws -> [UUID] {
        try await enabledEndpoints(organizationId: organizationId).filter { $0.events.contains(type) }.map(\.id)
    }

    /// The organization's enabled endpoints and the events each wants, read once per session
    /// (`SessionMemo`): an assign emits up to three events.
    private func enabledEndpoints(organizationId: UUID) async throws -> [(id: UUID, events: Set<WebhookEventType>)] {
        if let known = session.memo.webhookEndpoints.withLockedValue({ $0[organizationId] }) { return known }
        let endpoints = try await session.rows("""
            SELECT id, events FROM webhook_endpoints
            WHERE organization_id = \(bind: organizationId.wire) AND enabled = \(bind: true) AND deleted_at IS NULL
            """).map { (id: try $0.uuid("id"), events: Set(try Self.events(try $0.string("events")))) }
        session.memo.webhookEndpoints.withLockedValue { $0[organizationId] = endpoints }
        return endpoints
    }

    /// A column listing the enabled endpoints of the organization of the row's `pool`, each as
    /// its id and events (`id:event event`), comma-separated; NULL when there are none. Read by
    /// `SeatStore.poolWithOrganization` and handed to `remember(enabledEndpoints:organizationId:)`.
    static func enabledEndpointsColumn(_ dialect: DatabaseDialect) -> SQLQueryString {
        let aggregate = dialect == .postgres ? "string_agg" : "group_concat"
        return """
            (SELECT \(unsafeRaw: aggregate)(e.id || ':' || e.events, ',') FROM webhook_endpoints e
             WHERE e.organization_id = pool.organization_id AND e.enabled = \(bind: true) AND e.deleted_at IS NULL)
            """
    }

    /// Keeps the endpoints read by `enabledEndpointsColumn` as this session's answer to
    /// `enabledEndpoints(organizationId:)`.
    func remember(enabledEndpoints column: String?, organizationId: UUID) throws {
        let endpoints = try (column ?? "").split(separator: ",").map { entry in
            guard let colon = entry.firstIndex(of: ":"), let id = UUID(uuidString: String(entry[..<colon])) else {
                throw DatabaseError.unexpected("unreadable webhook endpoint list")
            }
            return (id: id, events: Set(try Self.events(String(entry[entry.index(after: colon)...]))))
        }
        session.memo.webhookEndpoints.withLockedValue { $0[organizationId] = endpoints }
    }

    /// An endpoint written in this session is read afresh by the next `endpointIds`.
    private func forgetEndpoints() {
        session.memo.webhookEndpoints.withLockedValue { $0 = [:] }
    }

    /// Records an event whose body the caller built and queues it for each of `endpointIds`,
    /// in the caller's transaction. Returns the event id.
    public func insertEvent(_ type: WebhookEventType, body: String, organizationId: UUID, endpointIds: [UUID],
                            at time: Date) async throws -> UUID {
        // Events of one transaction share a clock reading; a strictly increasing stamp keeps
        // them in the order they happened, which is the order endpoints receive them.
        let order = EventClock.shared.stamp(time)
        let eventId = UUID.timeOrdered()
        try await session.execute("""
            INSERT INTO webhook_events (id, organization_id, type, body, created_at)
            VALUES (\(bind: eventId.wire), \(bind: organizationId.wire), \(bind: type.rawValue),
                    \(bind: body), \(bind: order.micros))
            """)
        for endpointId in endpointIds {
            try await enqueue(eventId: eventId, endpointId: endpointId, due: time, order: order)
        }
        return eventId
    }

    /// Queues a send, due at `due`; `order` (its `created_at`) sets its place in the endpoint's line.
    private func enqueue(eventId: UUID, endpointId: UUID, due: Date, order: Date) async throws {
        try await session.execute("""
            INSERT INTO webhook_outbox (id, event_id, endpoint_id, status, attempts, next_attempt_at, created_at)
            VALUES (\(bind: UUID.timeOrdered().wire), \(bind: eventId.wire), \(bind: endpointId.wire), 'pending', 0,
                    \(bind: due.micros), \(bind: order.micros))
            """)
    }

    /// Queues an event again for the endpoints it went to. False when the event is not the organization's.
    public func redeliver(eventId: UUID, organizationId: UUID, at now: Date) async throws -> Bool {
        guard try await session.first("""
            SELECT id FROM webhook_events WHERE id = \(bind: eventId.wire) AND organization_id = \(bind: organizationId.wire)
            """) != nil else { return false }
        let endpoints = try await session.rows("""
            SELECT DISTINCT o.endpoint_id AS endpoint_id FROM webhook_outbox o
            JOIN webhook_endpoints e ON e.id = o.endpoint_id
            WHERE o.event_id = \(bind: eventId.wire) AND e.enabled = \(bind: true) AND e.deleted_at IS NULL
            """)
        for row in endpoints {
            try await enqueue(eventId: eventId, endpointId: try row.uuid("endpoint_id"), due: now,
                              order: EventClock.shared.stamp(now))
        }
        return true
    }

    // MARK: Delivery queue

    /// Endpoints with sends due now (read without locking: lanes lease their own sends).
    public func endpointsWithDueSends(now: Date) async throws -> [UUID] {
        try await session.rows("""
            SELECT DISTINCT endpoint_id FROM webhook_outbox
            WHERE status = 'pending' AND next_attempt_at <= \(bind: now.micros)
              AND (leased_until IS NULL OR leased_until <= \(bind: now.micros))
            """).map { try $0.uuid("endpoint_id") }
    }

    /// How many sends wait (due or waiting for a retry) and since when the longest-due one has
    /// been due: one statement over the `webhook_outbox_due` index, for the metrics.
    public func backlog(now: Date) async throws -> OutboxBacklog {
        let row = try await session.first("""
            SELECT COUNT(*) AS n, MIN(next_attempt_at) AS oldest FROM webhook_outbox WHERE status = 'pending'
            """)
        return try OutboxBacklog(rowWithCountAndOldest: row, now: now)
    }

    /// Leases the endpoint's oldest due send until `leaseUntil` (see `OutboxStore.leaseNext`).
    /// Call inside a transaction.
    public func leaseNext(endpointId: UUID, now: Date, leaseUntil: Date) async throws -> WebhookSend? {
        guard let row = try await session.first("""
            SELECT o.id AS outbox_id, o.event_id, o.endpoint_id, o.attempts, o.created_at, ev.type, ev.body, e.url, e.secret
            FROM webhook_outbox o
            JOIN webhook_events ev ON ev.id = o.event_id
            JOIN webhook_endpoints e ON e.id = o.endpoint_id
            WHERE o.endpoint_id = \(bind: endpointId.wire) AND o.status = 'pending'
              AND o.next_attempt_at <= \(bind: now.micros)
              AND (o.leased_until IS NULL OR o.leased_until <= \(bind: now.micros))
            ORDER BY o.created_at, o.id LIMIT 1\(unsafeRaw: session.dialect == .postgres ? " FOR UPDATE OF o SKIP LOCKED" : "")
            """) else { return nil }
        let send = WebhookSend(
            outboxId: try row.uuid("outbox_id"), eventId: try row.uuid("event_id"), eventType: try row.string("type"),
            body: try row.string("body"), endpointId: try row.uuid("endpoint_id"), url: try row.string("url"),
            secret: try row.string("secret"), attempt: try row.int("attempts") + 1, createdAt: try row.date("created_at"))
        try await session.execute("""
            UPDATE webhook_outbox SET attempts = attempts + 1, leased_until = \(bind: leaseUntil.micros)
            WHERE id = \(bind: send.outboxId.wire)
            """)
        return send
    }

    /// Frees every lease (see `OutboxStore.releaseLeases`).
    public func releaseLeases() async throws {
        try await session.execute("UPDATE webhook_outbox SET leased_until = NULL WHERE leased_until IS NOT NULL")
    }

    /// Records one attempt and its outcome for the queue row. `retryAt` nil with a failure
    /// means the send has failed for good. What the outcome does to the endpoint is
    /// `WebhookEndpoint.recordEvent`'s to decide; `saveDeliveryState` writes it.
    public func record(_ attempt: WebhookDeliveryAttempt, outboxId: UUID, retryAt: Date?, at now: Date) async throws {
        try await session.execute("""
            INSERT INTO webhook_deliveries (id, outbox_id, event_id, endpoint_id, succeeded, http_code, error, response,
                                            duration_ms, created_at)
            VALUES (\(bind: attempt.id.wire), \(bind: outboxId.wire), \(bind: attempt.eventId.wire),
                    \(bind: attempt.endpointId.wire), \(bind: attempt.succeeded), \(bind: attempt.httpCode),
                    \(bind: attempt.error), \(bind: attempt.response), \(bind: attempt.durationMs), \(bind: now.micros))
            """)
        if attempt.succeeded {
            try await session.execute("""
                UPDATE webhook_outbox SET status = 'delivered', finished_at = \(bind: now.micros),
                    last_http_code = \(bind: attempt.httpCode), leased_until = NULL
                WHERE id = \(bind: outboxId.wire)
                """)
        } else if let retryAt {
            try await session.execute("""
                UPDATE webhook_outbox SET next_attempt_at = \(bind: retryAt.micros), last_http_code = \(bind: attempt.httpCode),
                    leased_until = NULL
                WHERE id = \(bind: outboxId.wire)
                """)
        } else {
            try await session.execute("""
                UPDATE webhook_outbox SET status = 'failed', finished_at = \(bind: now.micros),
                    last_http_code = \(bind: attempt.httpCode), leased_until = NULL
                WHERE id = \(bind: outboxId.wire)
                """)
        }
    }

    /// Writes what `WebhookEndpoint.recordEvent` decided: the failure streak and whether (and
    /// why) the endpoint is disabled. Read the endpoint with `lockForDelivery` first, in the
    /// same transaction, so no other worker's outcome slips in between.
    public func saveDeliveryState(_ endpoint: WebhookEndpoint) async throws {
        forgetEndpoints()
        try await session.execute("""
            UPDATE webhook_endpoints SET failed_events_in_row = \(bind: endpoint.failedEventsInRow),
                enabled = \(bind: endpoint.enabled), disabled_reason = \(bind: endpoint.disabledReason),
                modified_at = \(bind: endpoint.modifiedAt.micros)
            WHERE id = \(bind: endpoint.id.wire)
            """)
    }

    /// Attempts, newest first, optionally for one endpoint, within the organization.
    public func deliveries(organizationId: UUID, endpointId: UUID?, page: PageRequest) async throws
        -> Page<WebhookDeliveryAttempt>
    {
        var filter: SQLQueryString = "e.organization_id = \(bind: organizationId.wire)"
        if let endpointId { filter += " AND d.endpoint_id = \(bind: endpointId.wire)" }
        let rows = try await session.rows("""
            SELECT d.*, ev.type AS event_type, ev.body AS event_body, ev.created_at AS event_created_at
            FROM webhook_deliveries d
            JOIN webhook_endpoints e ON e.id = d.endpoint_id
            JOIN webhook_events ev ON ev.id = d.event_id
            WHERE \(filter) ORDER BY d.created_at DESC, d.id LIMIT \(bind: page.limit) OFFSET \(bind: page.offset)
            """)
        let count = try await session.first("""
            SELECT COUNT(*) AS n FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id WHERE \(filter)
            """)
        let items = try rows.map { row in
            WebhookDeliveryAttempt(
                id: try row.uuid("id"), eventId: try row.uuid("event_id"), eventType: try row.string("event_type"),
                eventBody: try row.string("event_body"), eventCreatedAt: try row.date("event_created_at"),
                endpointId: try row.uuid("endpoint_id"), succeeded: try row.bool("succeeded"),
                httpCode: try row.optionalInt("http_code"), error: try row.optionalString("error"),
                response: try row.optionalString("response"), durationMs: try row.int("duration_ms"),
                createdAt: try row.date("created_at"))
        }
        return Page(items: items, totalCount: try count?.int("n") ?? 0)
    }

    static func eventsText(_ events: [WebhookEventType]) -> String {
        events.map(\.rawValue).joined(separator: " ")
    }

    static func events(_ text: String) throws -> [WebhookEventType] {
        try text.split(separator: " ").map {
            guard let event = WebhookEventType(rawValue: String($0)) else {
                throw DatabaseError.unexpected("unknown webhook event type '\($0)'")
            }
            return event
        }
    }

    static func endpoint(_ row: StoredRow) throws -> WebhookEndpoint {
        WebhookEndpoint(
            id: try row.uuid("id"), organizationId: try row.uuid("organization_id"), url: try row.string("url"),
            name: try row.optionalString("name"), secret: try row.string("secret"),
            events: try events(try row.string("events")), enabled: try row.bool("enabled"),
            disabledReason: try row.optionalString("disabled_reason"),
            failedEventsInRow: try row.int("failed_events_in_row"), createdAt: try row.date("created_at"),
            modifiedAt: try row.optionalDate("modified_at"))
    }
}

/// Hands out strictly increasing event times within this process (a microsecond apart at
/// least), so events recorded at the same moment keep their order.
final class EventClock: Sendable {
    static let shared = EventClock()
    private let last = NIOLockedValueBox<Int64>(0)

    func stamp(_ date: Date) -> Date {
        let micros = last.withLockedValue { last -> Int64 in
            last = max(last + 1, date.micros)
            return last
        }
        return Timestamp.date(micros: micros)
    }
}
