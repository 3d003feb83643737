import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import TesseraCore
import TesseraStore

/// Posts webhook events to merchants' endpoints, signed as Standard Webhooks, with retries.
///
/// Works like `OutboxWorker`: lease due sends in a short transaction (`SKIP LOCKED` on
/// PostgreSQL, so several processes share the queue without sending an event twice in the
/// normal case), post them outside any transaction, record each attempt. An endpoint's sends
/// go out one after another, oldest first; different endpoints are served side by side.
public struct WebhookWorker: Service {
    let database: TesseraDatabase
    let httpClient: HTTPClient
    let logger: Logger
    let now: @Sendable () -> Date
    let jitter: @Sendable () -> Double

    static let lease: TimeInterval = 120
    static let batchSize = 50
    public static let requestTimeout: TimeAmount = .seconds(10)
    static let responseExcerptLength = 1024

    public init(database: TesseraDatabase, httpClient: HTTPClient = .shared, logger: Logger,
                now: @escaping @Sendable () -> Date = Date.init,
                jitter: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }) {
        self.database = database
        self.httpClient = httpClient
        self.logger = logger
        self.now = now
        self.jitter = jitter
    }

    public func run() async throws {
        await DeliveryRounds.run(logger: logger, worker: "webhook") { try await deliverDue() }
    }

    /// Runs one round; returns how many sends it attempted.
    @discardableResult
    public func deliverDue() async throws -> Int {
        let start = now()
        let sends = try await database.transaction { tx in
            try await tx.webhooks.leaseDue(now: start, leaseUntil: start.addingTimeInterval(Self.lease), limit: Self.batchSize)
        }
        let byEndpoint = Dictionary(grouping: sends, by: \.endpointId)
        await withTaskGroup(of: Void.self) { group in
            for queue in byEndpoint.values {
                group.addTask {
                    for send in queue.sorted(by: { ($0.createdAt, $0.outboxId.wire) < ($1.createdAt, $1.outboxId.wire) }) {
                        await deliver(send)
                    }
                }
            }
        }
        return sends.count
    }

    private func deliver(_ send: WebhookSend) async {
        let started = ContinuousClock.now
        var httpCode: Int?
        var error: String?
        var response: String?
        do {
            var request = HTTPClientRequest(url: send.url)
            request.method = .POST
            for (name, value) in Self.headers(for: send, timestamp: Int(now().timeIntervalSince1970)) {
                request.headers.add(name: name, value: value)
            }
            request.body = .bytes(ByteBuffer(string: send.body))
            let answer = try await httpClient.execute(request, timeout: Self.requestTimeout)
            httpCode = Int(answer.status.code)
            let bytes = try await answer.body.collect(upTo: Self.responseExcerptLength * 4)
            response = String(String(buffer: bytes).prefix(Self.responseExcerptLength))
        } catch let failure {
            error = "\(failure)"
        }
        let elapsed = ContinuousClock.now - started
        let succeeded = httpCode.map { (200..<300).contains($0) } ?? false
        let attempt = WebhookDeliveryAttempt(
            id: UUID(), eventId: send.eventId, eventType: send.eventType, eventBody: send.body, eventCreatedAt: send.createdAt,
            endpointId: send.endpointId, succeeded: succeeded, httpCode: httpCode,
            error: error ?? (succeeded ? nil : "HTTP \(httpCode ?? 0)"), response: response,
            durationMs: Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000),
            createdAt: now())
        let recordedAt = now()
        let retryAt = succeeded ? nil : WebhookRetrySchedule.delay(afterAttempt: send.attempt, jitter: jitter())
            .map { recordedAt.addingTimeInterval($0) }
        if !succeeded {
            logger.warning("webhook attempt failed", metadata: [
                "event_id": "\(send.eventId.wire)", "endpoint_id": "\(send.endpointId.wire)",
                "attempt": "\(send.attempt)", "error": "\(attempt.error ?? "")",
            ])
        }
        do {
            try await database.transaction { tx in
                try await tx.webhooks.record(attempt, outboxId: send.outboxId, retryAt: retryAt, at: recordedAt)
            }
        } catch {
            // The lease runs out and the send is tried again: at least once, never lost.
            logger.error("recording a webhook attempt failed", metadata: ["error": "\(error)"])
        }
    }

    /// Standard Webhooks headers: `webhook-id` is the event id (the same on every retry, so
    /// receivers can drop duplicates); `webhook-timestamp` is this attempt's time.
    public static func headers(for send: WebhookSend, timestamp: Int) -> [(String, String)] {
        [
            ("content-type", "application/json"),
            ("user-agent", "Tessera-Webhooks"),
            ("webhook-id", send.eventId.wire),
            ("webhook-timestamp", String(timestamp)),
            ("webhook-signature", WebhookSignature.sign(id: send.eventId.wire, timestamp: timestamp, body: send.body,
                                                        secret: send.secret)),
        ]
    }
}
