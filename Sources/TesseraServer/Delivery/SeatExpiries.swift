import Foundation
import Logging
import TesseraCore
import TesseraStore

/// Revokes seats whose `expires_at` has come (Tessera's seat expiry), each as its own revoke
/// would: what it granted is revoked, `customer_seat.revoked` is sent, and the history records
/// `expired` by the system. Expiries are stored, so a restart loses none: the first round after
/// it revokes everything that came due meanwhile.
public struct SeatExpiries: Sendable {
    let database: TesseraDatabase
    let now: @Sendable () -> Date

    /// How long to wait after a round that revoked nothing: the look is one index step.
    static let pause: Duration = .seconds(5)
    /// Most seats revoked in one round; the next round takes the rest at once.
    static let batch = 100

    public init(database: TesseraDatabase, now: @escaping @Sendable () -> Date = Date.init) {
        self.database = database
        self.now = now
    }

    /// The background service that runs `expireDue` in every `serve` process.
    func service(logger: Logger) -> DueWork {
        DueWork(name: "seat expiries", pause: Self.pause, logger: logger) { try await expireDue() }
    }

    /// Revokes the seats due now, each in its own transaction; returns how many it revoked.
    /// A seat another process revoked (or handed on) first is skipped.
    @discardableResult
    public func expireDue() async throws -> Int {
        let due = try await database.read { try await $0.seats.dueToExpire(at: now(), limit: Self.batch) }
        var revoked = 0
        for seat in due {
            if try await expire(seat) { revoked += 1 }
        }
        return revoked
    }

    /// Revokes a seat whose expiry has come, as its own revoke would, recorded as `expired` by
    /// the system. Re-checked under the pool's lock: a seat revoked, transferred or given a new
    /// holder meanwhile is left alone. The holder's time is up even where the organization has
    /// turned seats off since. Returns whether it revoked the seat.
    func expire(_ seat: Seat) async throws -> Bool {
        let now = now()
        return try await database.transaction { tx in
            guard try await tx.seats.lockPool(seat.pool, organizationId: seat.organizationId) != nil,
                  let before = try await tx.seats.details(id: seat.id),
                  before.seat.hasExpired(at: now),
                  try await SeatRevocation(tx: tx, now: now, actor: .system, kind: .expired).revoke(before) != nil
            else { return false }
            try await tx.seats.adjustActiveSeats(before.seat.pool, by: -1)
            return true
        }
    }
}
