import Foundation
import Logging
import TesseraCore
import TesseraStore

/// What has outlived its use, deleted by every `serve` process once a minute: stored idempotent
/// answers after their day (`IdempotentRequest.lifetime`), portal and dashboard sessions that
/// have ended, and the overview's claim counts of days older than its window. Until then a
/// lookup already ignores them; this only keeps the tables from growing.
public struct ExpiredRecords: Sendable {
    let name: String
    let database: TesseraDatabase
    let now: @Sendable () -> Date
    let delete: @Sendable (SQLSession, Date) async throws -> Void

    static let pause: Duration = .seconds(60)

    /// Idempotent answers stored more than a lifetime ago.
    public static func idempotencyKeys(database: TesseraDatabase, now: @escaping @Sendable () -> Date = Date.init)
        -> ExpiredRecords
    {
        ExpiredRecords(name: "idempotency key expiry", database: database, now: now) { session, now in
            try await session.idempotencyKeys.deleteStored(before: now.addingTimeInterval(-IdempotentRequest.lifetime))
        }
    }

    /// Portal and dashboard sessions that have expired.
    public static func sessions(database: TesseraDatabase, now: @escaping @Sendable () -> Date = Date.init)
        -> ExpiredRecords
    {
        ExpiredRecords(name: "session expiry", database: database, now: now) { session, now in
            try await session.accessTokens.deleteEndedSessions(before: now)
        }
    }

    /// The overview's stored claims of days before its window (`DashboardOverviews`).
    public static func overviewClaimDays(database: TesseraDatabase, now: @escaping @Sendable () -> Date = Date.init)
        -> ExpiredRecords
    {
        ExpiredRecords(name: "overview claim days expiry", database: database, now: now) { session, now in
            try await session.dashboard.deleteStoredClaims(
                before: OverviewFigures.day(of: now) - DashboardOverviews.claimWindowDays + 1)
        }
    }

    /// Deletes what has expired by now.
    public func deleteNow() async throws {
        let now = now()
        try await database.withConnection { try await delete($0, now) }
    }

    /// The background service that runs `deleteNow` once a minute.
    func service(logger: Logger) -> DueWork {
        DueWork(name: name, pause: Self.pause, logger: logger) {
            try await deleteNow()
            return 0
        }
    }
}
