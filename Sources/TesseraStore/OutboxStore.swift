import Foundation
import SQLKit
import TesseraCore

/// A side effect waiting to be delivered (an invitation email today; webhooks later).
public struct OutboxMessage: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case email
    }
    public enum Status: String, Sendable {
        case pending, delivered, failed
    }

    public var id: UUID
    public var kind: Kind
    public var payload: JSONValue
    public var status: Status
    public var attempts: Int
    public var nextAttemptAt: Date
    public var lastError: String?
    public var createdAt: Date
    public var deliveredAt: Date?
    /// Whose message it is (the dashboard shows each organization its own); nil for messages
    /// queued before the outbox recorded it.
    public var organizationId: UUID?

    public init(id: UUID, kind: Kind, payload: JSONValue, status: Status = .pending, attempts: Int = 0,
                nextAttemptAt: Date, lastError: String? = nil, createdAt: Date, deliveredAt: Date? = nil,
                organizationId: UUID? = nil) {
        self.id = id
        self.kind = kind
        self.payload = payload
        self.status = status
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.lastError = lastError
        self.createdAt = createdAt
        self.deliveredAt = deliveredAt
        self.organizationId = organizationId
    }
}

/// The outbox table: written in the transaction of the change that causes the side effect,
/// read by delivery workers that lease rows so several processes can share the work.
public struct OutboxStore: Sendable {
    let session: SQLSession

    public func enqueue(_ message: OutboxMessage) async throws {
        try await session.execute("""
            INSERT INTO outbox (id, kind, payload, status, attempts, next_attempt_at, last_error, created_at, delivered_at,
                                organization_id)
            VALUES (\(bind: message.id.wire), \(bind: message.kind.rawValue), \(bind: message.payload.serialized()),
                    \(bind: message.status.rawValue), \(bind: message.attempts), \(bind: message.nextAttemptAt.micros),
                    \(bind: message.lastError), \(bind: message.createdAt.micros), \(bind: message.deliveredAt.micros),
                    \(bind: message.organizationId?.wire))
            """)
    }

    /// The oldest due message that no worker holds, straight from the index on status, due time
    /// and creation (migration 20): a backlog of N messages is drained in N steps, not N² (with
    /// the index ending at the due time, PostgreSQL read and sorted every pending message for
    /// each one it took). `lock` is the dialect's `FOR UPDATE SKIP LOCKED`.
    static func nextDueQuery(at now: Date, lock: String) -> SQLQueryString {
        """
        SELECT * FROM outbox WHERE status = \(bind: OutboxMessage.Status.pending.rawValue)
          AND next_attempt_at <= \(bind: now.micros)
          AND (leased_until IS NULL OR leased_until <= \(bind: now.micros))
        ORDER BY next_attempt_at, created_at LIMIT 1\(unsafeRaw: lock)
        """
    }

    /// Takes the next due message and leases it until `leaseUntil`: a worker that dies
    /// mid-delivery leaves it to be picked up again then (at-least-once delivery).
    /// Call inside a transaction.
    public func leaseNext(now: Date, leaseUntil: Date) async throws -> OutboxMessage? {
        guard let row = try await session.first(Self.nextDueQuery(at: now, lock: session.forUpdateSkipLocked))
        else { return nil }
        var message = try Self.message(row)
        try await session.execute("""
            UPDATE outbox SET attempts = attempts + 1, leased_until = \(bind: leaseUntil.micros)
            WHERE id = \(bind: message.id.wire)
            """)
        message.attempts += 1
        return message
    }

    /// How many emails wait and since when the longest-due one has been due: one statement over
    /// the `outbox_due_order` index (status, next_attempt_at, created_at), for the metrics.
    public func backlog(now: Date) async throws -> OutboxBacklog {
        let row = try await session.first("""
            SELECT COUNT(*) AS n, MIN(next_attempt_at) AS oldest FROM outbox
            WHERE status = \(bind: OutboxMessage.Status.pending.rawValue)
            """)
        return try OutboxBacklog(rowWithCountAndOldest: row, now: now)
    }

    /// Frees every lease. Only for a database no other process uses (SQLite), at start-up:
    /// what a killed process was sending goes out at once instead of when its lease ends.
    public func releaseLeases() async throws {
        try await session.execute("UPDATE outbox SET leased_until = NULL WHERE leased_until IS NOT NULL")
    }

    /// Marks a message delivered and replaces its payload (dropping secrets such as claim links).
    public func markDelivered(id: UUID, keptPayload: JSONValue, at now: Date) async throws {
        try await session.execute("""
            UPDATE outbox SET status = \(bind: OutboxMessage.Status.delivered.rawValue), delivered_at = \(bind: now.micros),
                payload = \(bind: keptPayload.serialized()), last_error = NULL, leased_until = NULL
            WHERE id = \(bind: id.wire)
            """)
    }

    public func scheduleRetry(id: UUID, error: String, at next: Date) async throws {
        try await session.execute("""
            UPDATE outbox SET next_attempt_at = \(bind: next.micros), last_error = \(bind: error), leased_until = NULL
            WHERE id = \(bind: id.wire)
            """)
    }

    public func markFailed(id: UUID, error: String, keptPayload: JSONValue) async throws {
        try await session.execute("""
            UPDATE outbox SET status = \(bind: OutboxMessage.Status.failed.rawValue), last_error = \(bind: error),
                payload = \(bind: keptPayload.serialized()), leased_until = NULL
            WHERE id = \(bind: id.wire)
            """)
    }

    public func all() async throws -> [OutboxMessage] {
        try await session.rows("SELECT * FROM outbox ORDER BY created_at, id").map(Self.message)
    }

    static func message(_ row: StoredRow) throws -> OutboxMessage {
        let payloadText = try row.string("payload")
        return OutboxMessage(
            id: try row.uuid("id"), kind: try row.choice("kind", as: OutboxMessage.Kind.self),
            payload: JSONValue.parse(Data(payloadText.utf8)) ?? .null,
            status: try row.choice("status", as: OutboxMessage.Status.self),
            attempts: try row.int("attempts"), nextAttemptAt: try row.date("next_attempt_at"),
            lastError: try row.optionalString("last_error"), createdAt: try row.date("created_at"),
            deliveredAt: try row.optionalDate("delivered_at"), organizationId: try row.optionalUUID("organization_id"))
    }
}

extension OutboxBacklog {
    /// Reads `n` and `oldest` (the earliest `next_attempt_at` of the pending items): that item
    /// is the longest due one when it is due at all.
    init(rowWithCountAndOldest row: StoredRow?, now: Date) throws {
        let pending = try row?.int("n") ?? 0
        let oldest = try row?.optionalDate("oldest")
        self.init(pending: pending, oldestDueAt: oldest.flatMap { $0 <= now ? $0 : nil })
    }
}
