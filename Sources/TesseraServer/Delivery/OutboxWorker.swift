import Foundation
import Logging
import ServiceLifecycle
import TesseraCore
import TesseraStore

/// Delivers what the outbox holds, with retries, in the background.
///
/// Each due message is leased in a short transaction (so several processes share the work,
/// `SKIP LOCKED` on PostgreSQL), delivered outside any transaction, and its outcome recorded.
/// A process that dies mid-delivery leaves its lease to expire (on SQLite, the next start
/// frees it), and the message is delivered again: at least once.
public struct OutboxWorker: Service {
    let database: TesseraDatabase
    let mail: any MailTransport
    let sender: String
    let logger: Logger
    let now: @Sendable () -> Date
    /// Counts attempts by result; nil counts nothing.
    let metrics: TesseraMetrics?

    /// How long a leased message is left alone before another worker may take it: longer than
    /// an SMTP delivery may take (one minute), so a slow send is never sent twice.
    static let lease: TimeInterval = 90
    static let maximumAttempts = 12

    public init(database: TesseraDatabase, mail: any MailTransport, sender: String, logger: Logger,
                now: @escaping @Sendable () -> Date = Date.init, metrics: TesseraMetrics? = nil) {
        self.database = database
        self.mail = mail
        self.sender = sender
        self.logger = logger
        self.now = now
        self.metrics = metrics
    }

    public func run() async throws {
        if database.dialect == .sqlite {
            // One process owns a SQLite file: leases left by a killed run are nobody's now.
            try await database.transaction { try await $0.outbox.releaseLeases() }
        }
        await DeliveryRounds.run(logger: logger, worker: "outbox") { try await deliverDue() }
    }

    /// Sends every message that is due, one at a time, each under its own lease; returns how
    /// many it handled. Each outcome is recorded in the transaction that leases the next
    /// message: one write transaction per message, not two, on the database's one writer.
    @discardableResult
    public func deliverDue() async throws -> Int {
        var handled = 0
        var outcome: Outcome?
        while !Task.isShuttingDownGracefully {
            let start = now()
            let recording = outcome
            outcome = nil
            guard let message = try await database.transaction({ tx in
                try await recording?(tx)
                return try await tx.outbox.leaseNext(now: start, leaseUntil: start.addingTimeInterval(Self.lease))
            }) else { break }
            outcome = await deliver(message)
            handled += 1
        }
        if let outcome { await record(outcome) }
        return handled
    }

    /// What a delivery attempt changes in the outbox, to be written in a transaction.
    private typealias Outcome = @Sendable (SQLSession) async throws -> Void

    private func deliver(_ message: OutboxMessage) async -> Outcome {
        switch message.kind {
        case .email:
            guard let mailMessage = MailMessage(payload: message.payload) else {
                metrics?.emailDelivery(.failed)
                return { try await $0.outbox.markFailed(id: message.id, error: "unreadable payload", keptPayload: .null) }
            }
            do {
                try await mail.send(mailMessage, from: sender)
                let deliveredAt = now()
                metrics?.emailDelivery(.delivered)
                return { try await $0.outbox.markDelivered(id: message.id, keptPayload: mailMessage.deliveredRecord, at: deliveredAt) }
            } catch {
                let reason = "\(error)"
                // A refusal for good (an SMTP 5xx) fails at once: retrying would only repeat it.
                let permanent = (error as? MailDeliveryError)?.isPermanent ?? false
                if permanent || message.attempts >= Self.maximumAttempts {
                    logger.error("email failed for good", metadata: ["outbox_id": "\(message.id.wire)", "error": "\(reason)"])
                    metrics?.emailDelivery(.failed)
                    return { try await $0.outbox.markFailed(id: message.id, error: reason, keptPayload: mailMessage.deliveredRecord) }
                }
                let next = now().addingTimeInterval(Self.retryDelay(afterAttempt: message.attempts))
                logger.warning("email failed, will retry", metadata: ["outbox_id": "\(message.id.wire)", "error": "\(reason)"])
                metrics?.emailDelivery(.retry)
                return { try await $0.outbox.scheduleRetry(id: message.id, error: reason, at: next) }
            }
        }
    }

    /// 10 s, 20 s, 40 s … capped at an hour.
    public static func retryDelay(afterAttempt attempt: Int) -> TimeInterval {
        min(3600, 10 * pow(2, Double(max(0, attempt - 1))))
    }

    private func record(_ change: Outcome) async {
        do {
            try await database.transaction { try await change($0) }
        } catch {
            // The lease runs out and the message is tried again: at least once, never lost.
            logger.error("recording an outbox outcome failed", metadata: ["error": "\(loggableDescription(of: error))"])
        }
    }
}
