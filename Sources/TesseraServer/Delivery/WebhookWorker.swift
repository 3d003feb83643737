import AsyncHTTPClient
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import TesseraCore
import TesseraStore

/// Posts webhook events to merchants' endpoints, signed as Standard Webhooks, with retries.
///
/// Each endpoint with due sends gets a lane: a task that leases the endpoint's oldest due
/// send (`SKIP LOCKED` on PostgreSQL, so several processes share the queue without sending an
/// event twice in the normal case), posts it, records the attempt, and goes on until the
/// endpoint has nothing due. So one endpoint's events go out in order, one after another,
/// while a slow or dead endpoint holds up only its own lane.
public struct WebhookWorker: Service {
    let database: TesseraDatabase
    /// nil: `run()` makes its own client and shuts it down when it stops.
    let httpClient: HTTPClient?
    let logger: Logger
    let now: @Sendable () -> Date
    let jitter: @Sendable () -> Double

    /// Longer than one send may take (the 10 s timeout), so a send in progress is never
    /// taken by another worker; also how long a send leased by a killed process waits.
    static let lease: TimeInterval = 30
    public static let requestTimeout: TimeAmount = .seconds(10)
    static let responseExcerptLength = 1024

    /// How the worker's HTTP client behaves: no redirects (a redirect is a failed delivery),
    /// and a refused connection fails at once instead of being retried until the timeout.
    public static var httpConfiguration: HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(5), read: requestTimeout))
        configuration.connectionPool.retryConnectionEstablishment = false
        return configuration
    }

    public init(database: TesseraDatabase, httpClient: HTTPClient? = nil, logger: Logger,
                now: @escaping @Sendable () -> Date = Date.init,
                jitter: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }) {
        self.database = database
        self.httpClient = httpClient
        self.logger = logger
        self.now = now
        self.jitter = jitter
    }

    public func run() async throws {
        if database.dialect == .sqlite {
            // One process owns a SQLite file: leases left by a killed run are nobody's now.
            try await database.transaction { try await $0.webhooks.releaseLeases() }
        }
        let client = httpClient ?? HTTPClient(eventLoopGroupProvider: .singleton, configuration: Self.httpConfiguration)
        let lanes = NIOLockedValueBox<Set<UUID>>([])
        await withTaskGroup(of: Void.self) { group in
            // Every quarter second, open a lane for each endpoint with due sends and none open.
            await DeliveryRounds.run(logger: logger, worker: "webhook") {
                let due = try await database.withConnection { try await $0.webhooks.endpointsWithDueSends(now: now()) }
                for endpointId in due where lanes.withLockedValue({ $0.insert(endpointId).inserted }) {
                    group.addTask {
                        _ = await lane(endpointId, client: client)
                        _ = lanes.withLockedValue { $0.remove(endpointId) }
                    }
                }
                return 0
            }
            await group.waitForAll()
        }
        if httpClient == nil { try? await client.shutdown() }
    }

    /// Sends everything due now, every endpoint's lane side by side, and waits for them;
    /// returns how many sends it attempted. Tests drive delivery with it.
    @discardableResult
    public func deliverDue() async throws -> Int {
        let client = httpClient ?? HTTPClient(eventLoopGroupProvider: .singleton, configuration: Self.httpConfiguration)
        defer { if httpClient == nil { client.shutdown { _ in } } }
        let due = try await database.withConnection { try await $0.webhooks.endpointsWithDueSends(now: now()) }
        return await withTaskGroup(of: Int.self) { group in
            for endpointId in due { group.addTask { await lane(endpointId, client: client) } }
            return await group.reduce(0, +)
        }
    }

    /// Sends the endpoint's due events, oldest first, until none is left or the server stops.
    private func lane(_ endpointId: UUID, client: HTTPClient) async -> Int {
        var sent = 0
        while !Task.isShuttingDownGracefully {
            let start = now()
            let send: WebhookSend?
            do {
                send = try await database.transaction { tx in
                    try await tx.webhooks.leaseNext(endpointId: endpointId, now: start,
                                                    leaseUntil: start.addingTimeInterval(Self.lease))
                }
            } catch {
                logger.error("leasing a webhook failed", metadata: ["error": "\(loggableDescription(of: error))"])
                break
            }
            guard let send else { break }
            await deliver(send, client: client)
            sent += 1
        }
        return sent
    }

    private func deliver(_ send: WebhookSend, client: HTTPClient) async {
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
            let answer = try await client.execute(request, timeout: Self.requestTimeout)
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
            logger.error("recording a webhook attempt failed", metadata: ["error": "\(loggableDescription(of: error))"])
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
