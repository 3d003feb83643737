import Foundation
import Logging
import TesseraCore
import TesseraStore

/// Deletes portal and dashboard sessions once they have ended, every minute, so the tokens
/// table does not grow with every sign-in. A lookup already refuses an expired session; this
/// only forgets it.
public struct SessionExpiry: Sendable {
    let database: TesseraDatabase
    let now: @Sendable () -> Date

    static let pause: Duration = .seconds(60)

    public init(database: TesseraDatabase, now: @escaping @Sendable () -> Date = Date.init) {
        self.database = database
        self.now = now
    }

    /// The background service that runs `deleteEnded` in every `serve` process, once a minute.
    func service(logger: Logger) -> DueWork {
        DueWork(name: "session expiry", pause: Self.pause, logger: logger) {
            try await deleteEnded()
            return 0
        }
    }

    /// Deletes every session that has expired.
    public func deleteEnded() async throws {
        let now = now()
        try await database.withConnection { try await $0.accessTokens.deleteEndedSessions(before: now) }
    }
}
