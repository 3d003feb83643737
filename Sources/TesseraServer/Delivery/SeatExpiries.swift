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
        let operations = SeatOperations(database: database, publicURL: "", now: now)
        var revoked = 0
        for seat in due {
            if try await operations.expire(seat) { revoked += 1 }
        }
        return revoked
    }
}
