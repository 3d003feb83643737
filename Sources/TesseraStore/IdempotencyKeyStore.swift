import Foundation
import SQLKit
import TesseraCore

/// The first answer given to a request with an `Idempotency-Key`, as stored for its replay.
public struct StoredAnswer: Sendable, Equatable {
    /// Who sent it (`organization:…`, `operator`, `portal:…` or `public`): keys of different
    /// callers never meet.
    public var scope: String
    public var key: String
    /// A hash of the request's method, path, query and body: the same key with another request
    /// is refused.
    public var requestHash: String
    public var status: Int
    public var contentType: String?
    public var body: String
    public var createdAt: Date

    public init(scope: String, key: String, requestHash: String, status: Int, contentType: String?, body: String,
                createdAt: Date) {
        self.scope = scope
        self.key = key
        self.requestHash = requestHash
        self.status = status
        self.contentType = contentType
        self.body = body
        self.createdAt = createdAt
    }
}

/// Stored answers of idempotent requests. Written in the transaction of the change they answer.
public struct IdempotencyKeyStore: Sendable {
    let session: SQLSession

    /// Takes the key for this transaction, so that another process's request with it waits or
    /// is refused: on PostgreSQL a transaction-scoped advisory lock, tried without waiting
    /// (false when another transaction holds it). SQLite's writer is one transaction at a
    /// time already, so it always succeeds.
    public func tryLock(scope: String, key: String) async throws -> Bool {
        guard session.dialect == .postgres else { return true }
        let digest = SecretToken.hash(scope + "\u{0}" + key)
        // The first 15 hex digits: a non-negative 60-bit lock id.
        let lockId = Int64(digest.prefix(15), radix: 16) ?? 0
        let row = try await session.first("SELECT pg_try_advisory_xact_lock(\(bind: lockId)) AS locked")
        return try row?.decode(column: "locked", as: Bool.self) ?? false
    }

    public func find(scope: String, key: String) async throws -> StoredAnswer? {
        try await session.first("""
            SELECT * FROM idempotency_keys WHERE scope = \(bind: scope) AND idempotency_key = \(bind: key)
            """).map { row in
            StoredAnswer(scope: try row.string("scope"), key: try row.string("idempotency_key"),
                         requestHash: try row.string("request_hash"), status: try row.int("status"),
                         contentType: try row.optionalString("content_type"), body: try row.string("body"),
                         createdAt: try row.date("created_at"))
        }
    }

    public func insert(_ answer: StoredAnswer) async throws {
        try await session.execute("""
            INSERT INTO idempotency_keys (scope, idempotency_key, request_hash, status, content_type, body, created_at)
            VALUES (\(bind: answer.scope), \(bind: answer.key), \(bind: answer.requestHash), \(bind: answer.status),
                    \(bind: answer.contentType), \(bind: answer.body), \(bind: answer.createdAt.micros))
            """)
    }

    public func delete(scope: String, key: String) async throws {
        try await session.execute("""
            DELETE FROM idempotency_keys WHERE scope = \(bind: scope) AND idempotency_key = \(bind: key)
            """)
    }

    /// Deletes the answers stored before `cutoff` (one index range; run every minute, it is
    /// about a minute's worth of keys).
    public func deleteStored(before cutoff: Date) async throws {
        try await session.execute("DELETE FROM idempotency_keys WHERE created_at < \(bind: cutoff.micros)")
    }
}
