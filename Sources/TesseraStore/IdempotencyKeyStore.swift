import Foundation
import SQLKit
import TesseraCore

/// The first answer given to a request with an `Idempotency-Key`, as stored for its replay.
public struct StoredAnswer: Sendable, Equatable {
    /// A hash of the caller's scope and the key (`IdempotentRequest.storedKey`): never the key.
    public var storedKey: String
    /// A hash of the request's method, path, query and body: the same key with another request
    /// is refused.
    public var requestHash: String
    public var status: Int
    public var contentType: String?
    /// The answer's body, sealed with the key (`IdempotentRequest.seal`).
    public var body: String
    public var createdAt: Date

    public init(storedKey: String, requestHash: String, status: Int, contentType: String?, body: String,
                createdAt: Date) {
        self.storedKey = storedKey
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

    /// Takes the key for this transaction, so that another process's request with it is
    /// refused: on PostgreSQL a transaction-scoped advisory lock, tried without waiting (false
    /// when another transaction holds it). SQLite's writer is one transaction at a time
    /// already, so it always succeeds.
    public func tryLock(storedKey: String) async throws -> Bool {
        guard session.dialect == .postgres else { return true }
        // The first 15 hex digits of the (hex) hash: a non-negative 60-bit lock id.
        let lockId = Int64(storedKey.prefix(15), radix: 16) ?? 0
        let row = try await session.first("SELECT pg_try_advisory_xact_lock(\(bind: lockId)) AS locked")
        return try row?.decode(column: "locked", as: Bool.self) ?? false
    }

    public func find(storedKey: String) async throws -> StoredAnswer? {
        try await session.first("SELECT * FROM idempotency_keys WHERE idempotency_key = \(bind: storedKey)").map { row in
            StoredAnswer(storedKey: try row.string("idempotency_key"), requestHash: try row.string("request_hash"),
                         status: try row.int("status"), contentType: try row.optionalString("content_type"),
                         body: try row.string("body"), createdAt: try row.date("created_at"))
        }
    }

    public func insert(_ answer: StoredAnswer) async throws {
        try await session.execute("""
            INSERT INTO idempotency_keys (idempotency_key, request_hash, status, content_type, body, created_at)
            VALUES (\(bind: answer.storedKey), \(bind: answer.requestHash), \(bind: answer.status),
                    \(bind: answer.contentType), \(bind: answer.body), \(bind: answer.createdAt.micros))
            """)
    }

    public func delete(storedKey: String) async throws {
        try await session.execute("DELETE FROM idempotency_keys WHERE idempotency_key = \(bind: storedKey)")
    }

    /// Deletes the answers stored before `cutoff` (one index range; run every minute, it is
    /// about a minute's worth of keys).
    public func deleteStored(before cutoff: Date) async throws {
        try await session.execute("DELETE FROM idempotency_keys WHERE created_at < \(bind: cutoff.micros)")
    }
}
