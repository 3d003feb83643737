import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOConcurrencyHelpers
import NIOCore
import Testing
import TesseraCore
@testable import TesseraServer
import TesseraStore

/// Issue 14, points 3 and 4: Prometheus metrics on their own listener, request ids, the access
/// log, and JSON log lines.
@Suite struct ObservabilityTests {
    // MARK: Metrics

    @Test(arguments: Backend.all)
    func metricsCountKnownTraffic(backend: Backend) async throws {
        try await WebhookReceiver.run { receiver in
            try await TestServer.run(backend, webhookAllowPrivate: true) { server in
                let org = try await server.makeOrganization()
                _ = try await WebhookTests.makeEndpoint(server, org, url: receiver.url, events: [.customerSeatAssigned])
                let pool = try await server.makeSubscription(org, seats: 3)
                for name in ["ana", "ben", "cy"] {
                    #expect(try await server.assign(org, pool, ["email": .string("\(name)@example.com")]).status == .ok)
                }
                let full = try await server.assign(org, pool, ["email": "dee@example.com"])
                #expect(full.errorName == "SeatNotAvailable")
                let claim = try await server.request(.post, "/v1/customer-seats/claim", json: ["invitation_token": "nope"])
                #expect(claim.status == .badRequest)
                #expect(try await server.request(.get, "/no/such/route/\(UUID().wire)").status == .notFound)
                #expect(try await server.webhookWorker.deliverDue() == 3)

                let scraped = try await Self.scrape(server)
                let requests = "tessera_http_requests_total"
                #expect(scraped.value(requests, ["method": "POST", "route": "/v1/customer-seats", "status": "200"]) == 3)
                #expect(scraped.value(requests, ["method": "POST", "route": "/v1/customer-seats", "status": "400"]) == 1)
                #expect(scraped.value(requests, ["method": "POST", "route": "/v1/customer-seats/claim", "status": "400"]) == 1)
                #expect(scraped.value(requests, ["method": "GET", "route": "unmatched", "status": "404"]) == 1)
                // Never the raw path: no label holds an id.
                #expect(!scraped.text.contains(pool.id))
                #expect(scraped.value("tessera_http_request_duration_seconds_count",
                                      ["method": "POST", "route": "/v1/customer-seats"]) == 4)

                let seats = "tessera_seat_operations_total"
                #expect(scraped.value(seats, ["operation": "assign", "outcome": "ok"]) == 3)
                #expect(scraped.value(seats, ["operation": "assign", "outcome": "SeatNotAvailable"]) == 1)
                #expect(scraped.value(seats, ["operation": "claim", "outcome": "InvalidInvitationToken"]) == 1)

                #expect(scraped.value("tessera_webhook_deliveries_total", ["result": "delivered"]) == 3)
                #expect(scraped.value("tessera_webhook_deliveries_total", ["result": "retry"]) == nil)
                // Three invitation emails wait (no worker ran); every webhook went out.
                #expect(scraped.value("tessera_outbox_pending_items", ["kind": "email"]) == 3)
                #expect(scraped.value("tessera_outbox_pending_items", ["kind": "webhook"]) == 0)
                #expect(scraped.value("tessera_outbox_oldest_due_age_seconds", ["kind": "webhook"]) == 0)
                #expect((scraped.value("tessera_outbox_oldest_due_age_seconds", ["kind": "email"]) ?? -1) >= 0)

                #expect((scraped.value("tessera_db_transaction_duration_seconds_count", ["outcome": "commit"]) ?? 0) > 0)
                // The full pool's assign and the failed claim rolled back.
                #expect((scraped.value("tessera_db_transaction_duration_seconds_count", ["outcome": "rollback"]) ?? 0) >= 2)
                #expect((scraped.value("tessera_db_connection_wait_seconds_count", ["access": "write"]) ?? 0) > 0)
                #expect((scraped.value("tessera_db_connection_wait_seconds_count", ["access": "read"]) ?? 0) > 0)

                // The invitations go out: the email backlog empties, and the deliveries are counted.
                try await server.worker.deliverDue()
                let after = try await Self.scrape(server)
                #expect(after.value("tessera_outbox_pending_items", ["kind": "email"]) == 0)
                #expect(after.value("tessera_email_deliveries_total", ["result": "delivered"]) == 3)
            }
        }
    }

    @Test(arguments: Backend.all)
    func theOldestDueItemsAgeFollowsTheClock(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 2)
            _ = try await server.assign(org, pool, ["email": "ana@example.com"])
            server.clock.advance(by: 90)
            let scraped = try await Self.scrape(server)
            let age = try #require(scraped.value("tessera_outbox_oldest_due_age_seconds", ["kind": "email"]))
            // Stored to the microsecond, so a hair under 90 s.
            #expect(age > 89.99 && age < 95, "age \(age)")
            #expect(scraped.value("tessera_outbox_pending_items", ["kind": "email"]) == 1)
        }
    }

    /// The metrics listener answers `/metrics` only: the API's routes are not on it.
    @Test func theMetricsListenerServesOnlyMetrics() async throws {
        try await Backend.sqlite.withFreshDatabase { database, _ in
            let app = buildMetricsApplication(metrics: TesseraMetrics(), database: database, host: "127.0.0.1", port: 0,
                                              logger: Logger(label: "tessera-test"))
            try await app.test(.router) { client in
                try await client.execute(uri: "/metrics", method: .get) { response in
                    #expect(response.status == .ok)
                    #expect(response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
                    #expect(String(buffer: response.body).contains("# TYPE tessera_outbox_pending_items gauge"))
                }
                try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .notFound) }
            }
        }
    }

    /// Reads `/metrics` from a metrics listener over the server's registry and database.
    static func scrape(_ server: TestServer) async throws -> Exposition {
        let app = buildMetricsApplication(metrics: server.metrics, database: server.database, host: "127.0.0.1", port: 0,
                                          logger: Logger(label: "tessera-test"), now: server.clock.closure)
        return try await app.test(.router) { client in
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
                return Exposition(text: String(buffer: response.body))
            }
        }
    }

    // MARK: Request ids and the access log

    @Test(arguments: Backend.all)
    func everyRequestHasAnIdInItsAnswerAndItsAccessLine(backend: Backend) async throws {
        let logs = CollectedLogs()
        try await TestServer.run(backend, logger: logs.logger) { server in
            let fresh = try await server.request(.get, "/healthz")
            let id = try #require(fresh.headers[Self.requestIdHeader])
            #expect(id.count == 32 && id.allSatisfy(\.isHexDigit))
            let line = try #require(logs.accessLine(requestId: id))
            #expect(line.level == .info)
            #expect(line.metadata["method"] == "GET")
            #expect(line.metadata["route"] == "/healthz")
            #expect(line.metadata["status"] == "200")
            #expect(line.metadata["principal"] == "anonymous")
            #expect(line.metadata["principal_id"] == nil)
            #expect(Double(line.metadata["duration_ms"] ?? "") != nil)

            // A sane id is reused.
            let sane = "edge-7f3a.9:b_c"
            let reused = try await server.request(.get, "/healthz", headers: [Self.requestIdHeader: sane])
            #expect(reused.headers[Self.requestIdHeader] == sane)
            #expect(logs.accessLine(requestId: sane) != nil)

            // An unknown route, and an error answer, carry one too.
            let unknown = try await server.request(.get, "/v1/nothing-here")
            #expect(unknown.status == .notFound)
            let unknownId = try #require(unknown.headers[Self.requestIdHeader])
            #expect(logs.accessLine(requestId: unknownId)?.metadata["route"] == "unmatched")
            let refused = try await server.request(.get, "/v1/customers/", token: "tsr_oat_not-a-token")
            #expect(refused.status == .unauthorized)
            #expect(refused.headers[Self.requestIdHeader]?.count == 32)
        }
    }

    @Test(arguments: ["x".repeated(129), "two words", "line\nbreak", "quote\"d", "", "ünïcode"])
    func anInsaneIncomingIdIsReplaced(incoming: String) async throws {
        #expect(!RequestId.isSane(incoming))
        let logs = CollectedLogs()
        try await TestServer.run(.sqlite, logger: logs.logger) { server in
            var headers: HTTPFields = [:]
            // HTTP itself refuses some of these values: what it lets through must be replaced.
            if let field = HTTPField.Name("X-Request-Id") { headers.append(HTTPField(name: field, value: incoming)) }
            let response = try await server.request(.get, "/healthz", headers: headers)
            let id = try #require(response.headers[Self.requestIdHeader])
            #expect(id != incoming)
            #expect(id.count == 32 && id.allSatisfy(\.isHexDigit))
            #expect(logs.accessLine(requestId: id) != nil)
        }
    }

    /// An error that escapes every other middleware still gets an id, an access line and a count.
    @Test func anErrorThatEscapesTheOtherMiddlewareIsObservedToo() async throws {
        let logs = CollectedLogs()
        let metrics = TesseraMetrics()
        let router = Router(context: TesseraRequestContext.self)
        router.add(middleware: ObservationMiddleware(metrics: metrics))
        router.get("/boom") { _, _ -> Response in throw TestFailure("a bug") }
        router.get("/refused") { _, _ -> Response in throw HTTPError(.forbidden) }
        let app = Application(router: router, logger: logs.logger)
        try await app.test(.router) { client in
            for (path, status) in [("/boom", HTTPResponse.Status.internalServerError), ("/refused", .forbidden)] {
                try await client.execute(uri: path, method: .get) { response in
                    #expect(response.status == status)
                    let id = try #require(response.headers[Self.requestIdHeader])
                    #expect(logs.accessLine(requestId: id)?.metadata["status"] == String(status.code))
                }
            }
        }
        let text = String(decoding: metrics.registry.emitToBuffer(), as: UTF8.self)
        let scraped = Exposition(text: text)
        #expect(scraped.value("tessera_http_requests_total", ["method": "GET", "route": "/boom", "status": "500"]) == 1)
        #expect(scraped.value("tessera_http_requests_total", ["method": "GET", "route": "/refused", "status": "403"]) == 1)
    }

    @Test func durationsAreMillisecondsWithThreeDecimals() {
        #expect(ObservationMiddleware.milliseconds(.microseconds(1500)) == "1.500")
        #expect(ObservationMiddleware.milliseconds(.microseconds(7)) == "0.007")
        #expect(ObservationMiddleware.milliseconds(.nanoseconds(999)) == "0.000")
        #expect(ObservationMiddleware.milliseconds(.seconds(2)) == "2000.000")
    }

    @Test func saneIdsAreTheDocumentedCharacters() {
        #expect(RequestId.isSane("a"))
        #expect(RequestId.isSane("x".repeated(128)))
        #expect(RequestId.isSane("AZaz09._:-"))
        #expect(!RequestId.isSane("x".repeated(129)))
        #expect(!RequestId.isSane("a/b"))
        #expect(!RequestId.isSane("a\u{0}b"))
        #expect(RequestId.generate() != RequestId.generate())
    }

    /// A new id is 32 lower-case hex digits, each of them random: over 200 ids every position
    /// takes more than one value (a position that never changes, say a half never drawn, fails).
    @Test func newIdsAreThirtyTwoRandomHexDigits() {
        let ids = (0..<200).map { _ in Array(RequestId.generate().utf8) }
        #expect(ids.allSatisfy { $0.count == 32 && $0.allSatisfy { Array("0123456789abcdef".utf8).contains($0) } })
        for position in 0..<32 {
            #expect(Set(ids.map { $0[position] }).count > 1, "position \(position) never changes")
        }
    }

    /// Every line logged while a request runs (not only the access line) names the request.
    @Test func linesLoggedDuringARequestCarryItsId() async throws {
        let logs = CollectedLogs()
        try await TestServer.run(.sqlite, logger: logs.logger) { server in
            let org = try await server.makeOrganization()
            let response = try await server.request(.get, "/v1/customers/", token: org.token)
            let id = try #require(response.headers[Self.requestIdHeader])
            let lines = logs.lines.filter { $0.metadata["request_id"] == id }
            #expect(!lines.isEmpty)
            #expect(lines.allSatisfy { $0.metadata["hb.request.id"] == id })
        }
    }

    @Test(arguments: Backend.all)
    func anAssignAndClaimLogNoSecret(backend: Backend) async throws {
        let logs = CollectedLogs()
        try await TestServer.run(backend, logger: logs.logger) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 2)
            let email = "secret.person@example.com"
            let assigned = try await server.assign(org, pool, ["email": .string(email)])
            #expect(assigned.status == .ok)
            let assignId = try #require(assigned.headers[Self.requestIdHeader])
            let token = try #require(try await server.deliverInvitations(to: email).first)
            let info = try await server.request(.get, "/v1/customer-seats/claim/\(token)")
            #expect(info.status == .ok)
            let claim = try await server.request(.post, "/v1/customer-seats/claim", json: ["invitation_token": .string(token)])
            #expect(claim.status == .ok)
            let session = try #require(claim["customer_session_token"]?.stringValue)
            _ = try await server.request(.get, "/v1/customer-portal/seats?subscription_id=\(pool.id)", token: session)
            // The portal page signs in from the link's query (which no line may repeat).
            let signIn = try await server.page(.get, "/\(org.slug)/portal?customer_session_token=\(session)")
            #expect(signIn.status == .seeOther || signIn.status == .found)
            let portalLine = logs.lines.first { $0.message == "request" && $0.metadata["route"]?.hasSuffix("/portal") == true }
            #expect(portalLine?.metadata["principal"] == "portal_session")

            let assignLine = try #require(logs.accessLine(requestId: assignId))
            #expect(assignLine.metadata["principal"] == "organization_token")
            #expect(assignLine.metadata["route"] == "/v1/customer-seats")
            #expect(UUID(uuidString: assignLine.metadata["principal_id"] ?? "") != nil)
            #expect(logs.lines.contains { $0.metadata["route"] == "/v1/customer-seats/claim/{invitation_token}" })
            #expect(logs.lines.contains { $0.metadata["principal"] == "portal_session" })
            let everything = logs.lines.map(\.text).joined(separator: "\n")
            for secret in [org.token, token, session, email, Self.adminToken] {
                #expect(!everything.contains(secret), "a log line holds \(secret.prefix(12))…")
            }
            #expect(!everything.contains("subscription_id="))
        }
    }

    /// The dashboard's pages name their session in the access line; neither the token pasted
    /// into the sign-in form nor the session cookie appears in any line.
    @Test(arguments: Backend.all)
    func dashboardPagesNameTheirSessionAndLogNoToken(backend: Backend) async throws {
        let logs = CollectedLogs()
        try await TestServer.run(backend, logger: logs.logger) { server in
            let org = try await server.makeOrganization()
            let browser = try await DashboardTests.signedIn(server, token: org.token)
            let session = try #require(browser.cookies["tessera_dashboard"])
            let overview = logs.lines.last { $0.message == "request" && $0.metadata["route"] == "/dashboard" }
            #expect(overview?.metadata["principal"] == "dashboard_session")
            #expect(UUID(uuidString: overview?.metadata["principal_id"] ?? "") != nil)
            let everything = logs.lines.map(\.text).joined(separator: "\n")
            for secret in [org.token, session] {
                #expect(!everything.contains(secret), "a log line holds \(secret.prefix(12))…")
            }
        }
    }

    static let requestIdHeader = HTTPField.Name("X-Request-Id") ?? .contentType
    static var adminToken: String { TestServer.adminToken }

    // MARK: JSON lines

    @Test func theJSONHandlerWritesOneParsableLinePerEvent() throws {
        let lines = NIOLockedValueBox<[String]>([])
        var logger = Logger(label: "tessera") { label in
            JSONLogHandler(label: label, output: JSONLogOutput { line in lines.withLockedValue { $0.append(line) } })
        }
        logger[metadataKey: "request_id"] = "abc123"
        logger.info("two\nlines \"quoted\"", metadata: ["status": .stringConvertible(201),
                                                         "nested": ["a": ["1", "2"]]])
        logger.debug("below the level")
        logger.error("second")

        let written = lines.withLockedValue { $0 }
        #expect(written.count == 2)
        for line in written { #expect(!line.contains("\n")) }
        let first = try #require(try JSONSerialization.jsonObject(with: Data(written[0].utf8)) as? [String: Any])
        #expect(first["level"] as? String == "info")
        #expect(first["message"] as? String == "two\nlines \"quoted\"")
        #expect(first["logger"] as? String == "tessera")
        let timestamp = try #require(first["timestamp"] as? String)
        #expect(Timestamp.parse(timestamp) != nil)
        let metadata = try #require(first["metadata"] as? [String: Any])
        #expect(metadata["request_id"] as? String == "abc123")
        #expect(metadata["status"] as? String == "201")
        #expect((metadata["nested"] as? [String: Any])?["a"] as? [String] == ["1", "2"])
        let second = try #require(try JSONSerialization.jsonObject(with: Data(written[1].utf8)) as? [String: Any])
        #expect(second["level"] as? String == "error")
    }
}

/// The samples of a `/metrics` answer, looked up by name and labels.
struct Exposition {
    let text: String

    /// The value of the sample with exactly these labels; nil when there is none.
    func value(_ name: String, _ labels: [String: String]) -> Double? {
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " ") else { continue }
            let series = line[..<space]
            let sampleName = series.prefix { $0 != "{" }
            guard sampleName == name else { continue }
            if Self.labels(of: series.dropFirst(sampleName.count)) == labels {
                return Double(line[line.index(after: space)...])
            }
        }
        return nil
    }

    /// `{a="1",b="2"}` as a dictionary (the test's label values hold no quotes or commas).
    private static func labels(of text: Substring) -> [String: String] {
        guard text.hasPrefix("{"), text.hasSuffix("}") else { return [:] }
        var labels: [String: String] = [:]
        for pair in text.dropFirst().dropLast().split(separator: ",") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { continue }
            labels[String(parts[0])] = String(parts[1].dropFirst().dropLast())
        }
        return labels
    }
}

/// Every log line of a test server, kept in memory.
final class CollectedLogs: Sendable {
    struct Line: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: [String: String]

        /// The whole line as text, to search for what must never be logged.
        var text: String {
            ([message] + metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }).joined(separator: " ")
        }
    }

    private let collected = NIOLockedValueBox<[Line]>([])

    var lines: [Line] { collected.withLockedValue { $0 } }

    func append(_ line: Line) { collected.withLockedValue { $0.append(line) } }

    /// A logger whose every line (from `trace` up) lands here.
    var logger: Logger {
        var logger = Logger(label: "tessera-test") { _ in CollectingLogHandler(logs: self) }
        logger.logLevel = .trace
        return logger
    }

    /// The access line of the request with this id.
    func accessLine(requestId: String) -> Line? {
        lines.first { $0.message == "request" && $0.metadata["request_id"] == requestId }
    }
}

/// A swift-log handler that keeps lines in `CollectedLogs`, metadata flattened to text.
struct CollectingLogHandler: LogHandler {
    let logs: CollectedLogs
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    var metadataProvider: Logger.MetadataProvider?

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata
        if let given = event.metadata { merged.merge(given) { $1 } }
        logs.append(.init(level: event.level, message: "\(event.message)",
                          metadata: merged.mapValues { "\($0)" }))
    }
}

extension String {
    func repeated(_ count: Int) -> String { String(repeating: self, count: count) }
}
