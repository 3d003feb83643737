import AsyncHTTPClient
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle
import TesseraCore
import TesseraStore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Posts webhook events to merchants' endpoints, signed as Standard Webhooks, with retries.
///
/// Each endpoint with due sends gets a lane: a task that leases the endpoint's oldest due
/// send (`SKIP LOCKED` on PostgreSQL, so several processes share the queue without sending an
/// event twice in the normal case), posts it, records the attempt, and goes on until the
/// endpoint has nothing due. So one endpoint's events go out in order, one after another,
/// while a slow or dead endpoint holds up only its own lane.
///
/// Before each send the URL is checked again by `targetPolicy`, and a host name is resolved
/// here and its addresses judged; the connection then goes to exactly the address that was
/// judged, so a name that resolves differently a moment later (DNS rebinding) cannot steer a
/// send to a private network.
public struct WebhookWorker: Service {
    let database: TesseraDatabase
    /// nil: `run()` makes its own client and shuts it down when it stops.
    let httpClient: HTTPClient?
    let logger: Logger
    let now: @Sendable () -> Date
    let jitter: @Sendable () -> Double
    let targetPolicy: WebhookTargetPolicy
    let resolver: WebhookHostResolver
    /// Counts attempts by result; nil counts nothing.
    let metrics: TesseraMetrics?

    /// Longer than one send may take (the 10 s timeout), so a send in progress is never
    /// taken by another worker; also how long a send leased by a killed process waits.
    static let lease: TimeInterval = 30
    public static let requestTimeout: TimeAmount = .seconds(10)
    /// Characters of an answer kept for the deliveries list.
    static let responseExcerptLength = 1024
    /// Bytes of an answer read at most (enough for the excerpt in any UTF-8); the rest is
    /// never read, so a huge answer costs neither memory nor time.
    static let responseReadLimit = responseExcerptLength * 4

    /// How the worker's HTTP client behaves: no redirects (a redirect is a failed delivery),
    /// and a refused connection fails at once instead of being retried until the timeout.
    public static var httpConfiguration: HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(5), read: requestTimeout))
        configuration.connectionPool.retryConnectionEstablishment = false
        return configuration
    }

    /// - Parameters:
    ///   - httpClient: the client for sends to addresses written in URLs; nil makes one per run.
    ///     Sends to host names go through clients pinned to the vetted address.
    ///   - targetPolicy: which targets may be sent to; by default no private networks.
    ///   - resolver: how host names become addresses; the system resolver unless a test says otherwise.
    ///   - metrics: where attempts are counted by result; nil counts nothing.
    public init(database: TesseraDatabase, httpClient: HTTPClient? = nil, logger: Logger,
                now: @escaping @Sendable () -> Date = Date.init,
                jitter: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
                targetPolicy: WebhookTargetPolicy = WebhookTargetPolicy(),
                resolver: WebhookHostResolver = .system, metrics: TesseraMetrics? = nil) {
        self.database = database
        self.httpClient = httpClient
        self.logger = logger
        self.now = now
        self.jitter = jitter
        self.targetPolicy = targetPolicy
        self.resolver = resolver
        self.metrics = metrics
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
                let due = try await database.read { try await $0.webhooks.endpointsWithDueSends(now: now()) }
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
        let due = try await database.read { try await $0.webhooks.endpointsWithDueSends(now: now()) }
        return await withTaskGroup(of: Int.self) { group in
            for endpointId in due { group.addTask { await lane(endpointId, client: client) } }
            return await group.reduce(0, +)
        }
    }

    /// Sends the endpoint's due events, oldest first, until none is left or the server stops.
    private func lane(_ endpointId: UUID, client: HTTPClient) async -> Int {
        var clients = LaneClients(shared: client)
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
            await deliver(send, clients: &clients)
            sent += 1
        }
        await clients.shutdown()
        return sent
    }

    private func deliver(_ send: WebhookSend, clients: inout LaneClients) async {
        let started = ContinuousClock.now
        var httpCode: Int?
        var error: String?
        var response: String?
        do {
            let client = try await connection(for: send.url, clients: &clients)
            var request = HTTPClientRequest(url: send.url)
            request.method = .POST
            for (name, value) in Self.headers(for: send, timestamp: Int(now().timeIntervalSince1970)) {
                request.headers.add(name: name, value: value)
            }
            request.body = .bytes(ByteBuffer(string: send.body))
            let answer = try await client.execute(request, timeout: Self.requestTimeout)
            httpCode = Int(answer.status.code)
            response = await Self.excerpt(of: answer.body)
        } catch let refusal as WebhookTargetRefusal {
            error = "Not sent: \(refusal.message)"
        } catch let failure {
            error = "\(failure)"
        }
        let elapsed = ContinuousClock.now - started
        let succeeded = httpCode.map { (200..<300).contains($0) } ?? false
        let attempt = WebhookDeliveryAttempt(
            id: UUID.timeOrdered(), eventId: send.eventId, eventType: send.eventType, eventBody: send.body, eventCreatedAt: send.createdAt,
            endpointId: send.endpointId, succeeded: succeeded, httpCode: httpCode,
            error: succeeded ? nil : (error ?? "HTTP \(httpCode ?? 0)"), response: response,
            durationMs: Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000),
            createdAt: now())
        let recordedAt = now()
        let retryAt = succeeded ? nil : WebhookRetrySchedule.delay(afterAttempt: send.attempt, jitter: jitter())
            .map { recordedAt.addingTimeInterval($0) }
        metrics?.webhookDelivery(succeeded ? .delivered : retryAt != nil ? .retry : .failed)
        if !succeeded {
            logger.warning("webhook attempt failed", metadata: [
                "event_id": "\(send.eventId.wire)", "endpoint_id": "\(send.endpointId.wire)",
                "attempt": "\(send.attempt)", "error": "\(attempt.error ?? "")",
            ])
        }
        // A finished event (delivered, or failed for good) counts for the endpoint's streak;
        // an attempt that will be retried does not.
        let outcome: WebhookEndpoint.EventOutcome? = succeeded ? .delivered : retryAt != nil ? nil
            : .failedEveryRetry(lastError: attempt.error ?? attempt.httpCode.map { "HTTP \($0)" } ?? "unknown error")
        do {
            let disabled = try await database.transaction { tx -> WebhookEndpoint? in
                // The endpoint is locked first, as every transaction that writes it does (lock order).
                let endpoint = outcome == nil ? nil : try await tx.webhooks.lockForDelivery(endpointId: send.endpointId)
                try await tx.webhooks.record(attempt, outboxId: send.outboxId, retryAt: retryAt, at: recordedAt)
                guard let outcome, var endpoint else { return nil }
                let before = endpoint
                let disabling = endpoint.recordEvent(outcome, at: recordedAt)
                if endpoint != before { try await tx.webhooks.saveDeliveryState(endpoint) }
                return disabling ? endpoint : nil
            }
            if let disabled {
                logger.warning("webhook endpoint disabled", metadata: [
                    "endpoint_id": "\(disabled.id.wire)", "reason": "\(disabled.disabledReason ?? "")",
                ])
            }
        } catch {
            // The lease runs out and the send is tried again: at least once, never lost.
            logger.error("recording a webhook attempt failed", metadata: ["error": "\(loggableDescription(of: error))"])
        }
    }

    /// The client to send to `url` with, once the URL and the addresses its host resolves to
    /// have passed `targetPolicy`; throws `WebhookTargetRefusal` when they do not.
    private func connection(for url: String, clients: inout LaneClients) async throws -> HTTPClient {
        let target = try targetPolicy.target(for: url)
        switch target.kind {
        case .address:
            // The policy judged the address itself, and the client connects to it without a lookup.
            return clients.shared
        case .name(let name):
            let addresses = try await resolver.resolve(name)
            try targetPolicy.check(resolved: addresses, of: name)
            // A pinned connection has no fallback between address families, so take IPv4 when
            // there is one: nearly every server can reach it.
            guard let chosen = addresses.first(where: \.isIPv4) ?? addresses.first else {
                throw WebhookTargetRefusal(.unresolved, "\(name) has no address")
            }
            return await clients.client(pinning: target.host, to: chosen)
        }
    }

    /// The start of an answer, for the deliveries list: at most `responseReadLimit` bytes are
    /// read and the rest is left unread (the connection is closed). The status alone decides
    /// success, so an answer that is long, or cut off, is no error.
    static func excerpt(of body: HTTPClientResponse.Body) async -> String {
        var kept = ByteBuffer()
        do {
            for try await chunk in body {
                let room = responseReadLimit - kept.readableBytes
                if let slice = chunk.getSlice(at: chunk.readerIndex, length: min(room, chunk.readableBytes)) {
                    kept.writeImmutableBuffer(slice)
                }
                if kept.readableBytes >= responseReadLimit { break }
            }
        } catch {
            // Keep what arrived before the answer broke off.
        }
        // PostgreSQL text cannot hold NUL, and the excerpt is for people to read anyway.
        let text = String(decoding: kept.readableBytesView, as: UTF8.self).prefix(responseExcerptLength)
        return String(text.map { $0 == "\0" ? "\u{FFFD}" : $0 })
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

/// The HTTP clients of one lane. Sends to an address written in the URL go through the
/// shared client; sends to a host name go through a client whose `dnsOverride` maps that name
/// to the vetted address, so AsyncHTTPClient connects there without a lookup of its own while
/// the `Host` header, TLS server name and certificate check still use the name. That client
/// is kept while the name keeps resolving to the same address, so a lane's sends reuse its
/// connection.
struct LaneClients {
    let shared: HTTPClient
    private var pinned: (host: String, address: NetworkAddress, client: HTTPClient)?

    init(shared: HTTPClient) {
        self.shared = shared
    }

    mutating func client(pinning host: String, to address: NetworkAddress) async -> HTTPClient {
        if let pinned, pinned.host == host, pinned.address == address { return pinned.client }
        await shutdown()
        var configuration = WebhookWorker.httpConfiguration
        configuration.dnsOverride = [host: address.description]
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        pinned = (host, address, client)
        return client
    }

    mutating func shutdown() async {
        guard let pinned else { return }
        self.pinned = nil
        try? await pinned.client.shutdown()
    }
}

/// Turns a host name into its addresses for the webhook worker.
public struct WebhookHostResolver: Sendable {
    private let lookUp: @Sendable (String) async throws -> [NetworkAddress]

    /// A resolver from a function; tests use it to point names at their receivers.
    public init(_ lookUp: @escaping @Sendable (String) async throws -> [NetworkAddress]) {
        self.lookUp = lookUp
    }

    /// The addresses of `host`; throws when it has none or the lookup fails.
    public func resolve(_ host: String) async throws -> [NetworkAddress] {
        try await lookUp(host)
    }

    /// The system resolver (`getaddrinfo`: /etc/hosts, then DNS), as AsyncHTTPClient itself
    /// would use it. Lookups block a thread, so they run on threads of their own: not on an
    /// event loop, and not on NIO's shared thread pool, where SQLite runs its statements.
    public static let system = WebhookHostResolver { host in
        try await lookupThreads.runIfActive { try addresses(of: host) }
    }

    /// A few threads for lookups, started once and kept for the life of the process, as NIO's
    /// own singletons are.
    private static let lookupThreads: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 4)
        pool.start()
        return pool
    }()

    /// Every TCP address `getaddrinfo` gives for `host`, in its order, without repeats.
    static func addresses(of host: String) throws -> [NetworkAddress] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        hints.ai_protocol = Int32(IPPROTO_TCP)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, nil, &hints, &list)
        guard status == 0 else { throw WebhookHostLookupError(host: host, reason: String(cString: gai_strerror(status))) }
        defer { freeaddrinfo(list) }
        var addresses: [NetworkAddress] = []
        var entry = list
        while let info = entry?.pointee {
            entry = info.ai_next
            guard let socketAddress = info.ai_addr else { continue }
            var bytes: [UInt8] = []
            switch info.ai_family {
            case AF_INET:
                bytes = socketAddress.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { pointer in
                    withUnsafeBytes(of: pointer.pointee.sin_addr) { Array($0) }
                }
            case AF_INET6:
                bytes = socketAddress.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                    withUnsafeBytes(of: pointer.pointee.sin6_addr) { Array($0) }
                }
            default:
                continue
            }
            if let address = NetworkAddress(bytes: bytes), !addresses.contains(address) { addresses.append(address) }
        }
        return addresses
    }
}

/// A host name that could not be resolved; recorded as the attempt's error.
struct WebhookHostLookupError: Error, CustomStringConvertible {
    var host: String
    var reason: String

    var description: String { "Could not resolve \(host): \(reason)" }
}
