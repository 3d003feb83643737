import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import PostgresKit
import PostgresNIO
import SQLKit
import SQLiteKit
import TesseraCore

/// A connection (possibly inside a transaction) plus its dialect: what every store works on.
public struct SQLSession: Sendable {
    public let sql: any SQLDatabase
    public let dialect: DatabaseDialect
    let counter: StatementCounter
    /// What this session has already read and may read again unchanged (one per transaction
    /// or lease, so nothing outlives it).
    let memo = SessionMemo()

    public func execute(_ query: SQLQueryString) async throws {
        try await translatingErrors { try await sql.raw(query).run() }
    }

    public func rows(_ query: SQLQueryString) async throws -> [StoredRow] {
        try await translatingErrors { try await sql.raw(query).all().map { StoredRow($0) } }
    }

    public func first(_ query: SQLQueryString) async throws -> StoredRow? {
        try await translatingErrors { try await sql.raw(query).first().map { StoredRow($0) } }
    }

    /// Counts the statement and turns either engine's unique-constraint error into
    /// `DatabaseError.uniqueViolation`, so callers handle one error for both.
    private func translatingErrors<T>(_ statement: () async throws -> T) async throws -> T {
        counter.increment()
        do {
            return try await statement()
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
            throw DatabaseError.uniqueViolation
        } catch let error as SQLiteFailure where error.isUniqueViolation {
            throw DatabaseError.uniqueViolation
        }
    }

    /// `FOR UPDATE` on PostgreSQL; nothing on SQLite, whose `BEGIN IMMEDIATE` already excludes writers.
    var forUpdate: String { dialect == .postgres ? " FOR UPDATE" : "" }
    /// `FOR UPDATE SKIP LOCKED` on PostgreSQL, so several workers share a queue.
    var forUpdateSkipLocked: String { dialect == .postgres ? " FOR UPDATE SKIP LOCKED" : "" }
}

final class StatementCounter: Sendable {
    private let count = NIOLockedValueBox(0)
    var value: Int { count.withLockedValue { $0 } }
    func increment() { count.withLockedValue { $0 += 1 } }
}

/// Reads a session keeps for its own later statements.
final class SessionMemo: Sendable {
    /// An organization's enabled webhook endpoints and the events each wants: an assign emits up
    /// to three events (customer, member, seat), each of which would otherwise ask again.
    let webhookEndpoints = NIOLockedValueBox<[UUID: [(id: UUID, events: Set<WebhookEventType>)]]>([:])
}
