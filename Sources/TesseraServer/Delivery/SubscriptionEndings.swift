import Foundation
import Logging
import TesseraCore
import TesseraStore

/// Ends subscriptions whose cancellation has come due: once the period in which
/// `cancel_at_period_end` was set is over, the subscription is revoked as
/// `DELETE /v1/subscriptions/{id}` revokes it. Its seats are revoked (and with them what they
/// granted), with `subscription.updated` and `subscription.revoked`.
public struct SubscriptionEndings: Sendable {
    let database: TesseraDatabase
    let now: @Sendable () -> Date

    /// How long to wait after a round that ended nothing: periods end on the scale of days,
    /// and the look is one indexed read.
    static let pause: Duration = .seconds(5)
    /// Most subscriptions ended in one round; the next round takes the rest.
    static let batch = 100

    public init(database: TesseraDatabase, now: @escaping @Sendable () -> Date = Date.init) {
        self.database = database
        self.now = now
    }

    /// The background service that runs `endDue` in every `serve` process.
    func service(logger: Logger) -> DueWork {
        DueWork(name: "subscription endings", pause: Self.pause, logger: logger) { try await endDue() }
    }

    /// Ends the subscriptions due now, each in its own transaction; returns how many it ended.
    @discardableResult
    public func endDue() async throws -> Int {
        let due = try await database.read { try await $0.subscriptions.dueToEnd(at: now(), limit: Self.batch) }
        var ended = 0
        for subscription in due {
            do {
                _ = try await SubscriptionOperations(database: database, now: now)
                    .revoke(subscriptionId: subscription.id, organizationId: subscription.organizationId, actor: .system)
                ended += 1
            } catch TesseraError.alreadyCanceledSubscription {
                // Another process (or the merchant) ended it first.
            }
        }
        return ended
    }
}
