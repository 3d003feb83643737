import Foundation
import Logging
import ServiceLifecycle
import TesseraCore
import TesseraStore

/// Deletes stored idempotent answers once they are no longer replayed (after
/// `IdempotentRequest.lifetime`), every minute; until then a lookup already ignores them.
public struct IdempotencyKeyExpiry: Service {
    let database: TesseraDatabase
    let logger: Logger
    let now: @Sendable () -> Date

    static let pause: Duration = .seconds(60)

    public init(database: TesseraDatabase, logger: Logger, now: @escaping @Sendable () -> Date = Date.init) {
        self.database = database
        self.logger = logger
        self.now = now
    }

    public func run() async throws {
        await DeliveryRounds.run(logger: logger, worker: "idempotency key expiry", idlePause: Self.pause) {
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
