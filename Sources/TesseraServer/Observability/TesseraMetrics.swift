import Foundation
import HTTPTypes
import Logging
import Prometheus
import Synchronization
import TesseraCore
import TesseraStore

/// Tessera's Prometheus metrics, in a registry of their own.
///
/// One value per server, passed explicitly to whatever records into it (the observation
/// middleware, the seat operations, the webhook worker, the database): tests run many servers
/// in one process, and a process-wide registry would mix their counts. `tessera serve` also
/// hands the same registry to swift-metrics (`MetricsSystem`), once, so that libraries which
/// report through swift-metrics appear on the same `/metrics`.
///
/// Every label takes a value from a small, fixed set (a route template, never a raw path), so
/// no request can make the registry grow without bound.
public struct TesseraMetrics: Sendable, DatabaseObserver {
    /// What `/metrics` writes out.
    public let registry: PrometheusCollectorRegistry

    /// The metrics every request or transaction records into, kept once made (see ``HotMetrics``).
    private let hot: HotMetrics

    /// Metrics recorded into `registry`: a new, empty one unless given.
    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        self.hot = HotMetrics(registry: registry)
    }

    // MARK: Names
    // Computed: `MetricNameDescriptor` is not `Sendable`, so it cannot be a stored static.
    // Each name is `tessera_<subsystem>_<metric>_<unit>`.

    static var httpRequests: MetricNameDescriptor {
        named("http", "requests", "total", "HTTP requests answered, by method, route template and status.")
    }
    static var httpDuration: MetricNameDescriptor {
        named("http", "request_duration", "seconds",
              "Time from a request's head to its answer, by method and route template.")
    }
    static var seatOperations: MetricNameDescriptor {
        named("seat", "operations", "total",
              "Seat writes (assign, bulk_assign, claim, revoke, resend, transfer) by outcome: ok or the error's name.")
    }
    static var outboxPending: MetricNameDescriptor {
        named("outbox", "pending", "items",
              "Emails or webhook sends waiting to go out (due now or waiting for a retry), read at scrape time.")
    }
    static var outboxOldestDueAge: MetricNameDescriptor {
        named("outbox", "oldest_due_age", "seconds",
              "How long the longest-waiting due email or webhook send has been due (0 when none is), read at scrape time.")
    }
    static var webhookDeliveries: MetricNameDescriptor {
        named("webhook", "deliveries", "total",
              "Webhook delivery attempts by result: delivered, retry (failed, tried again later) or failed (given up).")
    }
    static var emailDeliveries: MetricNameDescriptor {
        named("email", "deliveries", "total",
              "Invitation email attempts by result: delivered, retry or failed (given up).")
    }
    static var transactionDuration: MetricNameDescriptor {
        named("db", "transaction_duration", "seconds",
              "Time from BEGIN to the end of COMMIT or ROLLBACK, by outcome (commit or rollback).")
    }
    static var connectionWait: MetricNameDescriptor {
        named("db", "connection_wait", "seconds",
              "Time spent waiting for a database connection, by access (write or read).")
    }

    private static func named(_ subsystem: String, _ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "tessera", subsystem: subsystem, metricName: metric, unitName: unit, helpText: help)
    }

    /// From a millisecond to ten seconds: a cached read to a request stuck behind a timeout.
    static let requestBuckets: [Duration] = [
        .milliseconds(1), .microseconds(2500), .milliseconds(5), .milliseconds(10), .milliseconds(25),
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
        .milliseconds(2500), .seconds(5), .seconds(10),
    ]
    /// Finer at the low end than requests: a transaction of a few statements takes well under a millisecond.
    static let databaseBuckets: [Duration] = [
        .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .microseconds(2500),
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
        .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5),
    ]

    // MARK: HTTP

    /// Records one answered request. `route`: the registered template, or `unmatched`.
    func requestFinished(method: String, route: String, status: Int, duration: Duration) {
        hot.request(method: method, route: route, status: status).increment()
        hot.requestDuration(method: method, route: route).record(duration)
    }

    /// The methods the API uses keep their names; anything else is `other`, so that made-up
    /// methods cannot add label values.
    static func normalizedMethod(_ method: HTTPRequest.Method) -> String {
        switch method {
        case .get, .head, .post, .put, .patch, .delete, .options: method.rawValue
        default: "other"
        }
    }

    // MARK: Seats

    /// The seat writes counted in `tessera_seat_operations_total`.
    enum SeatOperationKind: String, Sendable {
        case assign, bulkAssign = "bulk_assign", claim, revoke, resend, transfer
    }

    /// Runs one seat operation and counts it as `ok` or by the name its error answers with.
    func count<T: Sendable>(_ kind: SeatOperationKind, _ body: () async throws -> T) async throws -> T {
        do {
            let result = try await body()
            seatOperation(kind, outcome: "ok")
            return result
        } catch {
            seatOperation(kind, outcome: Self.outcome(of: error))
            throw error
        }
    }

    func seatOperation(_ kind: SeatOperationKind, outcome: String) {
        registry.makeCounter(descriptor: Self.seatOperations,
                             labels: [("operation", kind.rawValue), ("outcome", outcome)]).increment()
    }

    /// The error name the API answers with (`SeatNotAvailable`, `RequestValidationError`, …);
    /// `error` for anything unexpected.
    static func outcome(of error: any Error) -> String {
        if error is BulkAssignmentFailed { return "BulkAssignmentFailed" }
        return ErrorMiddleware.answer(for: error)?.1["error"]?.stringValue ?? "error"
    }

    // MARK: Delivery

    /// How a delivery attempt of an email or a webhook ended.
    enum DeliveryResult: String, Sendable {
        /// Sent (a webhook: answered with a 2xx status).
        case delivered
        /// Failed; it is tried again later.
        case retry
        /// Failed for the last time; it is not tried again.
        case failed
    }

    func webhookDelivery(_ result: DeliveryResult) {
        registry.makeCounter(descriptor: Self.webhookDeliveries, labels: [("result", result.rawValue)]).increment()
    }

    func emailDelivery(_ result: DeliveryResult) {
        registry.makeCounter(descriptor: Self.emailDeliveries, labels: [("result", result.rawValue)]).increment()
    }

    /// Sets the outbox gauges of one kind (`email` or `webhook`).
    func recordBacklog(_ backlog: OutboxBacklog, kind: String, now: Date) {
        registry.makeGauge(descriptor: Self.outboxPending, labels: [("kind", kind)]).set(Double(backlog.pending))
        let age = backlog.oldestDueAt.map { max(0, now.timeIntervalSince($0)) } ?? 0
        registry.makeGauge(descriptor: Self.outboxOldestDueAge, labels: [("kind", kind)]).set(age)
    }

    // MARK: Database

    public func connectionLeased(after wait: Duration, for access: DatabaseAccess) {
        (access == .write ? hot.writeConnectionWait : hot.readConnectionWait).record(wait)
    }

    public func transactionEnded(after duration: Duration, committed: Bool) {
        (committed ? hot.committed : hot.rolledBack).record(duration)
    }

    // MARK: Exposition

    /// The text `/metrics` answers with (Prometheus' text format, version 0.0.4), with the
    /// outbox gauges read from the database first. A database that cannot be read leaves
    /// those gauges as they were, and is logged; the rest is still answered.
    public func exposition(database: TesseraDatabase, now: Date, logger: Logger) async -> [UInt8] {
        do {
            let (emails, webhooks) = try await database.read { session in
                (try await session.outbox.backlog(now: now), try await session.webhooks.backlog(now: now))
            }
            recordBacklog(emails, kind: "email", now: now)
            recordBacklog(webhooks, kind: "webhook", now: now)
        } catch {
            logger.warning("reading the outbox for /metrics failed", metadata: ["error": "\(loggableDescription(of: error))"])
        }
        return registry.emitToBuffer()
    }
}

/// The metrics recorded on every request and transaction, made once and then reused. Making a
/// metric through the registry checks its name and labels and joins them into a key each time,
/// which was 5% of answering a claim-info request; the registry hands back the same metric for
/// the same name and labels, so keeping it changes nothing that `/metrics` shows.
private final class HotMetrics: Sendable {
    private struct RequestKey: Hashable { let method: String, route: String, status: Int }
    private struct RouteKey: Hashable { let method: String, route: String }

    private let registry: PrometheusCollectorRegistry
    // Bounded like the registry itself: routes are templates, methods and statuses few.
    private let requests = Mutex<[RequestKey: Counter]>([:])
    private let durations = Mutex<[RouteKey: DurationHistogram]>([:])
    let writeConnectionWait: DurationHistogram
    let readConnectionWait: DurationHistogram
    let committed: DurationHistogram
    let rolledBack: DurationHistogram

    init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
        func database(_ name: MetricNameDescriptor, _ label: String, _ value: String) -> DurationHistogram {
            registry.makeDurationHistogram(descriptor: name, labels: [(label, value)], buckets: TesseraMetrics.databaseBuckets)
        }
        writeConnectionWait = database(TesseraMetrics.connectionWait, "access", DatabaseAccess.write.rawValue)
        readConnectionWait = database(TesseraMetrics.connectionWait, "access", DatabaseAccess.read.rawValue)
        committed = database(TesseraMetrics.transactionDuration, "outcome", "commit")
        rolledBack = database(TesseraMetrics.transactionDuration, "outcome", "rollback")
    }

    func request(method: String, route: String, status: Int) -> Counter {
        let key = RequestKey(method: method, route: route, status: status)
        if let counter = requests.withLock({ $0[key] }) { return counter }
        let counter = registry.makeCounter(descriptor: TesseraMetrics.httpRequests,
                                           labels: [("method", method), ("route", route), ("status", String(status))])
        requests.withLock { $0[key] = counter }
        return counter
    }

    func requestDuration(method: String, route: String) -> DurationHistogram {
        let key = RouteKey(method: method, route: route)
        if let histogram = durations.withLock({ $0[key] }) { return histogram }
        let histogram = registry.makeDurationHistogram(descriptor: TesseraMetrics.httpDuration,
                                                       labels: [("method", method), ("route", route)],
                                                       buckets: TesseraMetrics.requestBuckets)
        durations.withLock { $0[key] = histogram }
        return histogram
    }
}
