import AsyncHTTPClient
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOConcurrencyHelpers
import NIOCore
import Testing
import TesseraCore
import TesseraServer
import TesseraStore

/// The databases every store and API test runs on: SQLite always, PostgreSQL when
/// `TESSERA_TEST_POSTGRES_URL` is set (and then an unreachable server fails the tests).
enum Backend: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite, postgres

    static var all: [Backend] {
        let url = ProcessInfo.processInfo.environment["TESSERA_TEST_POSTGRES_URL"] ?? ""
        return url.isEmpty ? [.sqlite] : [.sqlite, .postgres]
    }

    var testDescription: String { rawValue }

    /// A fresh, empty database: a new SQLite file, or a new database on the PostgreSQL server
    /// (so tests that read whole tables, such as the outbox, never see each other's rows).
    func freshLocation() async throws -> DatabaseLocation {
        switch self {
        case .sqlite:
            let path = FileManager.default.temporaryDirectory
                .appendingPathComponent("tessera-test-\(UUID().wire).sqlite").path
            return .sqliteFile(path)
        case .postgres:
            let url = ProcessInfo.processInfo.environment["TESSERA_TEST_POSTGRES_URL"] ?? ""
            guard case .postgres(let host, let port, let username, let password, _) = try DatabaseLocation(url: url) else {
                throw TestFailure("TESSERA_TEST_POSTGRES_URL is not a postgres:// URL")
            }
            let name = "tessera_test_" + UUID().wire.replacingOccurrences(of: "-", with: "")
            try await TesseraDatabase.withDatabase(try DatabaseLocation(url: url), connections: 1, fixedPool: false,
                                                   logger: Logger(label: "tessera-test")) { admin in
                try await admin.withConnection { try await $0.execute("CREATE DATABASE \(unsafeRaw: name)") }
            }
            return .postgres(host: host, port: port, username: username, password: password, database: name)
        }
    }

    /// Runs `body` with a fresh, migrated database, and removes the database afterwards.
    /// `observer`: told about the database's connection waits and transactions (metrics);
    /// `logger`: where the database logs.
    func withFreshDatabase<T: Sendable>(observer: (any DatabaseObserver)? = nil, preparesStatements: Bool = true,
                                        logger: Logger = Logger(label: "tessera-test"),
                                        _ body: (TesseraDatabase, DatabaseLocation) async throws -> T) async throws -> T {
        let location = try await freshLocation()
        do {
            let result = try await Self.withDatabase(location, observer: observer, preparesStatements: preparesStatements,
                                                     logger: logger) { try await body($0, location) }
            await Self.drop(location)
            return result
        } catch {
            await Self.drop(location)
            throw error
        }
    }

    /// Removes a database made by `freshLocation`, once nothing uses it.
    static func drop(_ location: DatabaseLocation) async {
        if case .sqliteFile(let path) = location {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
            return
        }
        guard case .postgres(_, _, _, _, let name) = location, name.hasPrefix("tessera_test_"),
              let url = ProcessInfo.processInfo.environment["TESSERA_TEST_POSTGRES_URL"],
              let admin = try? DatabaseLocation(url: url)
        else { return }
        _ = try? await TesseraDatabase.withDatabase(admin, connections: 1, fixedPool: false, logger: Logger(label: "tessera-test")) {
            try await $0.withConnection { try await $0.execute("DROP DATABASE IF EXISTS \(unsafeRaw: name)") }
        }
    }

    /// Runs `body` with the database at `location` migrated, open and running, and stops it
    /// afterwards. Tests run side by side, each with its own pool: a small one, opened on
    /// demand, keeps them all under the test cluster's connection limit (`PostgresPoolTests`
    /// checks the server's fixed pool).
    /// `sqliteBusyTimeout`: how long SQLite waits for another connection's lock.
    static func withDatabase<T: Sendable>(_ location: DatabaseLocation, observer: (any DatabaseObserver)? = nil,
                                          preparesStatements: Bool = true, logger: Logger = Logger(label: "tessera-test"),
                                          sqliteBusyTimeout: Duration = TesseraDatabase.defaultSQLiteBusyTimeout,
                                          _ body: (TesseraDatabase) async throws -> T) async throws -> T
    {
        try await TesseraDatabase.withDatabase(location, connections: 8, fixedPool: false, logger: logger,
                                               observer: observer, preparesStatements: preparesStatements,
                                               sqliteBusyTimeout: sqliteBusyTimeout) {
            try await Migrations.migrate($0)
            return try await body($0)
        }
    }
}

/// A clock tests can move forward (invitation and session expiry).
final class TestClock: Sendable {
    private let current = NIOLockedValueBox(Date())

    var now: Date { current.withLockedValue { $0 } }

    func advance(by interval: TimeInterval) {
        current.withLockedValue { $0 = $0.addingTimeInterval(interval) }
    }

    var closure: @Sendable () -> Date { { [self] in self.now } }
}

/// Keeps every email a test server sends.
final class RecordingMailTransport: MailTransport {
    private let sent = NIOLockedValueBox<[MailMessage]>([])
    private let failures = NIOLockedValueBox(0)

    var messages: [MailMessage] { sent.withLockedValue { $0 } }

    /// Makes the next `count` sends fail.
    func failNext(_ count: Int) { failures.withLockedValue { $0 = count } }

    func send(_ message: MailMessage, from sender: String) async throws {
        let fail = failures.withLockedValue { remaining -> Bool in
            guard remaining > 0 else { return false }
            remaining -= 1
            return true
        }
        if fail { throw TestFailure("mail server unavailable") }
        sent.withLockedValue { $0.append(message) }
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A response as tests read it.
struct TestResponse {
    var status: HTTPResponse.Status
    var headers: HTTPFields
    var json: JSONValue

    subscript(key: String) -> JSONValue? { json[key] }
    var id: String { json["id"]?.stringValue ?? "" }
    var errorName: String? { json["error"]?.stringValue }
    var detail: String? { json["detail"]?.stringValue }
}

/// One Tessera server over one test database, driven in-process through HummingbirdTesting.
struct TestServer {
    static let adminToken = "test-operator-token"
    /// The application's default logger: warnings and errors only, so that the access line of
    /// every request of every test does not flood the test output.
    static var applicationLogger: Logger {
        var logger = Logger(label: "tessera-test")
        logger.logLevel = .warning
        return logger
    }
    static let publicURL = "https://seats.example.test"

    let backend: Backend
    let database: TesseraDatabase
    let mail: RecordingMailTransport
    let clock: TestClock
    let client: any TestClientProtocol
    /// What this server counts in (its own registry: servers in one test process never share counts).
    let metrics: TesseraMetrics
    /// Whether webhook endpoints may point at loopback (the test receivers) and private networks.
    var webhookAllowPrivate = false

    /// Webhook delivery with the test clock and no jitter (retry delays are exactly the schedule's).
    var webhookWorker: WebhookWorker {
        WebhookWorker(database: database, httpClient: Self.httpClient, logger: Logger(label: "tessera-test"),
                      now: clock.closure, jitter: { 0.5 },
                      targetPolicy: WebhookTargetPolicy(allowsPrivateNetworks: webhookAllowPrivate), metrics: metrics)
    }

    /// Subscription endings with the test clock.
    var subscriptionEndings: SubscriptionEndings {
        SubscriptionEndings(database: database, now: clock.closure)
    }

    /// Seat expiries with the test clock.
    var seatExpiries: SeatExpiries {
        SeatExpiries(database: database, now: clock.closure)
    }

    /// Idempotency key expiry with the test clock.
    var idempotencyKeyExpiry: ExpiredRecords {
        .idempotencyKeys(database: database, now: clock.closure)
    }

    /// Session expiry with the test clock.
    var sessionExpiry: ExpiredRecords {
        .sessions(database: database, now: clock.closure)
    }

    /// Expiry of the overview's stored claim days, with the test clock.
    var overviewClaimDaysExpiry: ExpiredRecords {
        .overviewClaimDays(database: database, now: clock.closure)
    }

    /// The overview's background refresh of seat totals, with the test clock.
    var seatTotalsRefresh: SeatTotalsRefresh {
        SeatTotalsRefresh(database: database, now: clock.closure)
    }

    /// One client for every test's webhook deliveries; it lives as long as the test process.
    static let httpClient = HTTPClient(eventLoopGroupProvider: .singleton, configuration: WebhookWorker.httpConfiguration)

    var worker: OutboxWorker {
        OutboxWorker(database: database, mail: mail, sender: "Tessera <test@example.test>",
                     logger: Logger(label: "tessera-test"), now: clock.closure, metrics: metrics)
    }

    /// Runs `body` against a fresh server on `backend`, shutting everything down afterwards.
    /// `webhookAllowPrivate`: set it for tests whose webhooks go to a receiver on loopback.
    /// `logger`: the application's (tests that read the log lines pass a collecting one).
    static func run(_ backend: Backend, webhookAllowPrivate: Bool = false,
                    logger: Logger = TestServer.applicationLogger,
                    _ body: @escaping @Sendable (TestServer) async throws -> Void) async throws {
        let metrics = TesseraMetrics()
        try await backend.withFreshDatabase(observer: metrics) { database, _ in
            try await run(database: database, backend: backend, webhookAllowPrivate: webhookAllowPrivate,
                          metrics: metrics, logger: logger, body)
        }
    }

    /// Runs `body` against a server over an already open database (several servers may share one).
    /// `csrfKey`: the pages' form key, as `--csrf-key` gives it; random (per server) when nil.
    static func run(database: TesseraDatabase, backend: Backend, clock: TestClock = TestClock(),
                    webhookAllowPrivate: Bool = false,
                    csrfKey: FormTokenKey? = nil,
                    metrics: TesseraMetrics = TesseraMetrics(),
                    logger: Logger = TestServer.applicationLogger,
                    _ body: @escaping @Sendable (TestServer) async throws -> Void) async throws {
        var configuration = ServerConfiguration()
        configuration.publicURL = publicURL
        configuration.adminTokenHash = SecretToken.hash(adminToken)
        configuration.webhookAllowPrivate = webhookAllowPrivate
        if let csrfKey { configuration.csrfKey = csrfKey }
        let mail = RecordingMailTransport()
        let app = buildApplication(
            configuration: configuration, database: database, mail: mail, logger: logger, metrics: metrics,
            runsBackgroundWorkers: false, now: clock.closure)
        try await app.test(.router) { client in
            try await body(TestServer(backend: backend, database: database, mail: mail, clock: clock, client: client,
                                      metrics: metrics, webhookAllowPrivate: webhookAllowPrivate))
        }
    }

    // MARK: Requests

    @discardableResult
    func request(_ method: HTTPRequest.Method, _ path: String, token: String? = nil, json: JSONValue? = nil,
                 rawBody: String? = nil, headers extra: HTTPFields = [:]) async throws -> TestResponse {
        var headers = extra
        if let token { headers[.authorization] = "Bearer \(token)" }
        var body: ByteBuffer?
        if let json { body = ByteBuffer(string: json.serialized()) }
        if let rawBody { body = ByteBuffer(string: rawBody) }
        if body != nil { headers[.contentType] = "application/json" }
        return try await client.execute(uri: path, method: method, headers: headers, body: body) { response in
            let data = Data(response.body.readableBytesView)
            let json = data.isEmpty ? .null : (JSONValue.parse(data) ?? .string(String(decoding: data, as: UTF8.self)))
            return TestResponse(status: response.status, headers: response.headers, json: json)
        }
    }

    // MARK: Setup

    /// An organization and a token with every scope (or the given ones).
    func makeOrganization(memberModel: Bool = false, seatsEnabled: Bool = true, scopes: [Scope] = Scope.allCases)
        async throws -> TestOrganization
    {
        let slug = "org-\(UUID().wire.prefix(12))"
        let organization = try await request(.post, "/v1/organizations/", token: Self.adminToken, json: [
            "name": .string("Acme \(slug)"), "slug": .string(slug),
            "feature_settings": ["seat_based_pricing_enabled": .bool(seatsEnabled), "member_model_enabled": .bool(memberModel)],
        ])
        try #require(organization.status == .created, "organization: \(organization.json)")
        let token = try await makeToken(organizationId: organization.id, scopes: scopes)
        return TestOrganization(id: organization.id, slug: slug, name: "Acme \(slug)", token: token)
    }

    func makeToken(organizationId: String, scopes: [Scope]) async throws -> String {
        let response = try await request(.post, "/v1/organization-access-tokens/", token: Self.adminToken, json: [
            "organization_id": .string(organizationId), "comment": "test",
            "scopes": .array(scopes.map { .string($0.rawValue) }),
        ])
        try #require(response.status == .created, "token: \(response.json)")
        return response["token"]?.stringValue ?? ""
    }

    func makeCustomer(_ org: TestOrganization, email: String? = nil, externalId: String? = nil) async throws
        -> TestResponse
    {
        var body: [String: JSONValue] = ["email": .string(email ?? "billing-\(UUID().wire.prefix(8))@example.com")]
        if let externalId { body["external_id"] = .string(externalId) }
        let response = try await request(.post, "/v1/customers/", token: org.token, json: .object(body))
        try #require(response.status == .created, "customer: \(response.json)")
        return response
    }

    /// A seat-based product; recurring unless `oneTime`.
    func makeSeatProduct(_ org: TestOrganization, oneTime: Bool = false, minSeats: Int = 1, maxSeats: Int? = nil)
        async throws -> TestResponse
    {
        let response = try await request(.post, "/v1/products/", token: org.token, json: [
            "name": "Team plan", "recurring_interval": oneTime ? nil : "month",
            "prices": [[
                "amount_type": "seat_based", "price_currency": "usd",
                "seat_tiers": ["seat_tier_type": "volume", "tiers": [[
                    "min_seats": JSONValue(minSeats), "max_seats": JSONValue(maxSeats), "price_per_seat": 1000,
                ]]],
            ]],
        ])
        try #require(response.status == .created, "product: \(response.json)")
        return response
    }

    /// A customer with an active subscription of `seats` seats.
    func makeSubscription(_ org: TestOrganization, seats: Int) async throws -> TestPool {
        let customer = try await makeCustomer(org)
        let product = try await makeSeatProduct(org)
        let subscription = try await request(.post, "/v1/subscriptions/", token: org.token, json: [
            "product_id": .string(product.id), "customer_id": .string(customer.id), "seats": JSONValue(seats),
        ])
        try #require(subscription.status == .created, "subscription: \(subscription.json)")
        return TestPool(kind: "subscription_id", id: subscription.id, customerId: customer.id,
                        customerEmail: customer["email"]?.stringValue ?? "", productId: product.id)
    }

    /// A customer with a one-time order of `seats` seats.
    func makeOrder(_ org: TestOrganization, seats: Int, status: String = "paid") async throws -> TestPool {
        let customer = try await makeCustomer(org)
        let product = try await makeSeatProduct(org, oneTime: true)
        let order = try await request(.post, "/v1/orders/", token: org.token, json: [
            "product_id": .string(product.id), "customer_id": .string(customer.id), "seats": JSONValue(seats),
            "status": .string(status),
        ])
        try #require(order.status == .created, "order: \(order.json)")
        return TestPool(kind: "order_id", id: order.id, customerId: customer.id,
                        customerEmail: customer["email"]?.stringValue ?? "", productId: product.id)
    }

    /// Assigns a seat in `pool` with the given body fields added to the pool id.
    @discardableResult
    func assign(_ org: TestOrganization, _ pool: TestPool, _ fields: [String: JSONValue]) async throws -> TestResponse {
        var body = fields
        body[pool.kind] = .string(pool.id)
        return try await request(.post, "/v1/customer-seats", token: org.token, json: .object(body))
    }

    func list(_ org: TestOrganization, _ pool: TestPool) async throws -> TestResponse {
        try await request(.get, "/v1/customer-seats?\(pool.kind)=\(pool.id)", token: org.token)
    }

    /// Runs the outbox worker once and returns the claim tokens of the emails sent to `email`.
    func deliverInvitations(to email: String) async throws -> [String] {
        try await worker.deliverDue()
        return mail.messages.filter { $0.to == email }.compactMap { Self.claimToken(in: $0.text) }
    }

    static func claimToken(in text: String) -> String? {
        guard let range = text.range(of: "token=") else { return nil }
        let rest = text[range.upperBound...]
        return String(rest.prefix { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
    }

    /// The pool's kept count of active seats and its real number of active rows.
    func activeSeatCounts(_ pool: TestPool, organizationId: String) async throws -> (kept: Int, rows: Int) {
        let id = try #require(UUID(uuidString: pool.id))
        let reference: SeatPoolReference = pool.kind == "subscription_id" ? .subscription(id) : .order(id)
        let organization = try #require(UUID(uuidString: organizationId))
        return try await database.withConnection { session in
            let kept = try await session.seats.pool(reference, organizationId: organization)?.activeSeats ?? -1
            return (kept, try await session.seats.countActiveRows(in: reference))
        }
    }
}

struct TestOrganization: Sendable {
    var id: String
    var slug: String
    var name: String
    var token: String
}

struct TestPool: Sendable {
    /// `subscription_id` or `order_id`: the assign and list parameter name.
    var kind: String
    var id: String
    var customerId: String
    var customerEmail: String
    var productId: String
}

// MARK: Pages (HTML, forms and cookies)

/// An HTML page (or redirect) as a browser gets it.
struct TestPage {
    var status: HTTPResponse.Status
    var headers: HTTPFields
    var html: String

    var location: String? { headers[.location] }
    /// Every `Set-Cookie` line.
    var setCookies: [String] { headers[values: .setCookie] }

    /// The `Set-Cookie` line of the named cookie.
    func setCookie(_ name: String) -> String? { setCookies.first { $0.hasPrefix("\(name)=") } }

    /// The value the named cookie is set to.
    func cookieValue(_ name: String) -> String? {
        setCookie(name).map { String($0.dropFirst(name.count + 1).prefix { $0 != ";" }) }
    }

    /// The value of the first `<input name="…" value="…">` with that name.
    func field(_ name: String) -> String? {
        guard let range = html.range(of: "name=\"\(name)\" value=\"") else { return nil }
        return String(html[range.upperBound...].prefix { $0 != "\"" })
    }
}

extension TestServer {
    /// Sends a browser-like request: cookies, and a form body (`application/x-www-form-urlencoded`).
    func page(_ method: HTTPRequest.Method, _ path: String, form: [(String, String)]? = nil,
              cookies: [String: String] = [:], rawBody: String? = nil) async throws -> TestPage {
        var headers: HTTPFields = [:]
        if !cookies.isEmpty {
            headers[.cookie] = cookies.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")
        }
        var body: ByteBuffer?
        if let form {
            body = ByteBuffer(string: form.map { "\(Self.formEncode($0.0))=\(Self.formEncode($0.1))" }.joined(separator: "&"))
        }
        if let rawBody { body = ByteBuffer(string: rawBody) }
        if body != nil { headers[.contentType] = "application/x-www-form-urlencoded" }
        return try await client.execute(uri: path, method: method, headers: headers, body: body) { response in
            TestPage(status: response.status, headers: response.headers,
                     html: String(decoding: response.body.readableBytesView, as: UTF8.self))
        }
    }

    static func formEncode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
