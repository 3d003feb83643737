import Foundation
import Logging
import TesseraCore
import TesseraStore

/// Keeps the dashboard overview's seat totals current while someone watches the overview: once
/// a minute, in every `serve` process, the totals of organizations whose overview was viewed
/// within the hour are counted again, so a merchant watching never waits for the count
/// (`DashboardOverviews`). Each refresh is an update that never replaces newer totals, so
/// several processes refreshing the same organization do no harm; totals refreshed less than
/// `OverviewFigures.refreshAge` ago are left alone, so they rarely count twice.
public struct SeatTotalsRefresh: Sendable {
    let database: TesseraDatabase
    let now: @Sendable () -> Date

    static let pause: Duration = .seconds(60)

    public init(database: TesseraDatabase, now: @escaping @Sendable () -> Date = Date.init) {
        self.database = database
        self.now = now
    }

    /// Counts the watched organizations' totals again; returns how many it refreshed.
    @discardableResult
    public func refreshWatched() async throws -> Int {
        let now = now()
        let due = try await database.read { session in
            try await session.dashboard.seatTotalsToRefresh(
                viewedSince: now.addingTimeInterval(-OverviewFigures.watchWindow),
                computedBefore: now.addingTimeInterval(-OverviewFigures.refreshAge))
        }
        for organizationId in due {
            // Counted on a read connection: the write that follows is one short update.
            let computedAt = self.now()
            let totals = try await database.read { try await $0.dashboard.seatTotals(organizationId: organizationId) }
            try await database.withConnection { session in
                try await session.dashboard.refreshSeatTotals(organizationId: organizationId, totals, computedAt: computedAt)
            }
        }
        return due.count
    }

    /// The background service that runs `refreshWatched` once a minute.
    func service(logger: Logger) -> DueWork {
        DueWork(name: "overview seat totals refresh", pause: Self.pause, logger: logger) {
            try await refreshWatched()
            return 0
        }
    }
}
