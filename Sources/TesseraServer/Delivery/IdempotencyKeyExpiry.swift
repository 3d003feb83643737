import Foundation
import Logging
import TesseraCore
import TesseraStore

/// Deletes stored idempotent answers once they are no longer replayed (after
/// `IdempotentRequest.lifetime`), every minute; until then a lookup already ignores them.
public struct IdempotencyKeyExpiry: Sendable {
    let database: TesseraDatabase
    let now: @Sendable () -> Date

    static let pause: Duration = .seconds(60)

    public init(database: TesseraDatabase, now: @escaping @Sendable () -> Date = Date.init) {
        self.database = database
        self.now = now
    }

    /// The background service that runs `deleteExpired` in every `serve` process, once a minute.
    func service(logger: Logger) -> DueWork {
        DueWork(name: "idempotency key expiry", pause: Self.pause, logger: logger) {
            try await deleteExpired()
            return 0
        }
    }

    /// Deletes every answer stored more than a lifetime ago.
    public func deleteExpired() async throws {
        let cutoff = now().addingTimeInterval(-IdempotentRequest.lifetime)
        try await database.withConnection { try await $0.idempotencyKeys.deleteStored(before: cutoff) }
    }
}
