import Foundation
import TesseraCore
import TesseraStore

/// The dashboard overview's figures of an organization, at the cost of a small organization's
/// whatever its size (issue 15, point 6). Two figures would otherwise count everything they
/// show; they are read from what earlier views stored instead (`OverviewFigures` says when):
/// the claims of final days, and the seat totals of the last two minutes (kept fresh in the
/// background by `SeatTotalsRefresh` while someone watches). Nothing here is written by the
/// seat transactions, so an organization's assigns never meet on a shared row.
///
/// A view reads, and writes only what it had to count: missing days once, then a day a day,
/// and totals that were missing or stale. Those are counted on the read connection; the write
/// is then one short statement, so on SQLite the one writer is never held for a count.
struct DashboardOverviews: Sendable {
    let database: TesseraDatabase

    /// Claims are drawn over the last 30 days (today included), deliveries over the last 24 hours.
    static let claimWindowDays = 30
    static let deliveryWindowHours = 24

    /// The overview of `organizationId` at `now`.
    func overview(organizationId: UUID, at now: Date) async throws -> DashboardOverview {
        let (overview, upkeep) = try await database.read { session in
            try await Self.read(session, organizationId: organizationId, now: now)
        }
        if !upkeep.isEmpty {
            try await database.withConnection { try await upkeep.store($0, organizationId: organizationId) }
        }
        return overview
    }

    /// What a view counted and stores afterwards.
    struct Upkeep: Sendable {
        var days: [Int: Int] = [:]
        var totals: DashboardStore.StoredSeatTotals?
        var viewedAt: Date?

        var isEmpty: Bool { days.isEmpty && totals == nil && viewedAt == nil }

        func store(_ session: SQLSession, organizationId: UUID) async throws {
            try await session.dashboard.storeClaimsPerDay(organizationId: organizationId, counts: days)
            if let totals {
                try await session.dashboard.storeSeatTotals(organizationId: organizationId, totals)
            } else if let viewedAt {
                try await session.dashboard.markSeatTotalsViewed(organizationId: organizationId, at: viewedAt)
            }
        }
    }

    static func read(_ session: SQLSession, organizationId: UUID, now: Date) async throws
        -> (DashboardOverview, Upkeep)
    {
        let store = session.dashboard
        var upkeep = Upkeep()

        let today = OverviewFigures.day(of: now)
        let claimDays = (today - claimWindowDays + 1)...today
        // Final days from stored counts (counting those not stored yet), the rest live. The
        // window is longer than the two days at most that are not final yet.
        let finalDays = claimDays.lowerBound...OverviewFigures.lastFinalDay(at: now)
        var claims = try await store.storedClaimsPerDay(organizationId: organizationId, days: finalDays)
        let missing = finalDays.filter { claims[$0] == nil }
        if let first = missing.first, let last = missing.last {
            let counted = try await store.claimsPerDay(organizationId: organizationId, fromDay: first, beforeDay: last + 1)
            for day in missing {
                claims[day] = counted[day] ?? 0
                upkeep.days[day] = counted[day] ?? 0
            }
        }
        for (day, count) in try await store.claimsPerDay(organizationId: organizationId, fromDay: finalDays.upperBound + 1) {
            claims[day, default: 0] += count
        }

        let totals: DashboardStore.StoredSeatTotals
        if let stored = try await store.storedSeatTotals(organizationId: organizationId),
           !OverviewFigures.totalsAreStale(computedAt: stored.computedAt, now: now)
        {
            totals = stored
            if OverviewFigures.viewNeedsRecording(viewedAt: stored.viewedAt, now: now) { upkeep.viewedAt = now }
        } else {
            totals = .init(totals: try await store.seatTotals(organizationId: organizationId), computedAt: now, viewedAt: now)
            upkeep.totals = totals
        }

        let thisHour = Int((now.timeIntervalSince1970 / 3_600).rounded(.down))
        let deliveryHours = (thisHour - deliveryWindowHours + 1)...thisHour
        let overview = DashboardOverview(
            totals: totals.totals,
            totalsAsOf: totals.computedAt,
            invitations: try await store.pendingInvitations(organizationId: organizationId, now: now,
                                                            soon: now.addingTimeInterval(24 * 60 * 60)),
            claims: claims,
            claimDays: claimDays,
            deliveries: Dictionary(
                try await store.webhookDeliveriesPerHour(
                    organizationId: organizationId,
                    since: Date(timeIntervalSince1970: TimeInterval(deliveryHours.lowerBound) * 3_600)
                ).map { ($0.hour, $0) }, uniquingKeysWith: { first, _ in first }),
            deliveryHours: deliveryHours,
            oldest: try await store.oldestUndelivered(organizationId: organizationId))
        return (overview, upkeep)
    }
}
