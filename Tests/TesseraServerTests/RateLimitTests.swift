import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOConcurrencyHelpers
import NIOCore
import Testing
@testable import TesseraServer
import TesseraCore
import TesseraStore

/// The token bucket arithmetic, on times the test passes in: nothing sleeps.
@Suite struct TokenBucketTests {
    @Test func aBurstIsAllowedThenRefusedWithTheSecondsUntilTheNextRequest() {
        var buckets = TokenBuckets<String>(limit: RateLimit(perSecond: 2, burst: 3), maximumKeys: 100)
        for _ in 0..<3 { #expect(buckets.take("a", now: 0) == .allowed) }
        #expect(buckets.take("a", now: 0) == .limited(retryAfter: 1))
        // Half a second earns one request at two a second.
        #expect(buckets.take("a", now: 0.5) == .allowed)
        #expect(buckets.take("a", now: 0.5) == .limited(retryAfter: 1))
    }

    @Test func retryAfterIsWholeSecondsRoundedUp() {
        var buckets = TokenBuckets<String>(limit: RateLimit(perSecond: 0.1, burst: 1), maximumKeys: 100)
        #expect(buckets.take("a", now: 100) == .allowed)
        #expect(buckets.take("a", now: 100) == .limited(retryAfter: 10))
        #expect(buckets.take("a", now: 101) == .limited(retryAfter: 9))
        #expect(buckets.take("a", now: 109.5) == .limited(retryAfter: 1))
        #expect(buckets.take("a", now: 110) == .allowed)
    }

    @Test func refillingStopsAtTheBurst() {
        var buckets = TokenBuckets<String>(limit: RateLimit(perSecond: 10, burst: 5), maximumKeys: 100)
        #expect(buckets.take("a", now: 0) == .allowed)
        // An hour of quiet earns the burst back, not 36,000 requests.
        for _ in 0..<5 { #expect(buckets.take("a", now: 3_600) == .allowed) }
        #expect(buckets.take("a", now: 3_600) == .limited(retryAfter: 1))
    }

    @Test func clientsHaveSeparateBudgets() {
        var buckets = TokenBuckets<String>(limit: RateLimit(perSecond: 1, burst: 2), maximumKeys: 100)
        #expect(buckets.take("a", now: 0) == .allowed)
        #expect(buckets.take("a", now: 0) == .allowed)
        #expect(buckets.take("a", now: 0) != .allowed)
        #expect(buckets.take("b", now: 0) == .allowed)
    }

    @Test func aClockGoingBackEarnsNothing() {
        var buckets = TokenBuckets<String>(limit: RateLimit(perSecond: 1, burst: 1), maximumKeys: 100)
        #expect(buckets.take("a", now: 50) == .allowed)
        #expect(buckets.take("a", now: 10) == .limited(retryAfter: 1))
        #expect(buckets.take("a", now: 51) == .allowed)
    }

    @Test func fullBucketsAreForgotten() {
        var buckets = TokenBuckets<Int>(limit: RateLimit(perSecond: 1, burst: 5), maximumKeys: 1_000)
        for key in 0..<500 { _ = buckets.take(key, now: 0) }
        #expect(buckets.count == 500)
        // Long enough for every bucket to refill: they are all dropped on the next sweep.
        _ = buckets.take(-1, now: 60)
        #expect(buckets.count == 1)
    }

    @Test func manyDistinctClientsStayBounded() {
        var buckets = TokenBuckets<Int>(limit: RateLimit(perSecond: 0.001, burst: 2), maximumKeys: 1_000)
        for key in 0..<100_000 { _ = buckets.take(key, now: Double(key) / 1_000_000) }
        #expect(buckets.count <= 1_000)
        // The most recent clients are the ones still remembered.
        #expect(buckets.take(99_999, now: 0.1) == .allowed)
        #expect(buckets.take(99_999, now: 0.1) != .allowed)
    }

    @Test func theSharedLimiterReadsItsInjectedClock() {
        let seconds = NIOLockedValueBox(1_000.0)
        let limiter = RateLimiter<String>(limit: RateLimit(perSecond: 1, burst: 1), maximumKeys: 10,
                                          now: { seconds.withLockedValue { $0 } })
        #expect(limiter.take("a") == .allowed)
        #expect(limiter.take("a") == .limited(retryAfter: 1))
        seconds.withLockedValue { $0 += 1 }
        #expect(limiter.take("a") == .allowed)
    }

    @Test func addressesMakeKeys() throws {
        let v4 = RateLimitKey(address: try SocketAddress(ipAddress: "192.0.2.7", port: 1))
        #expect(v4 == .ipv4(0xC000_0207))
        #expect(RateLimitKey(address: try SocketAddress(ipAddress: "::ffff:192.0.2.7", port: 2)) == v4)
        let one = RateLimitKey(address: try SocketAddress(ipAddress: "2001:db8:1:2::1", port: 1))
        let sameNetwork = RateLimitKey(address: try SocketAddress(ipAddress: "2001:db8:1:2:ffff::9", port: 1))
        let otherNetwork = RateLimitKey(address: try SocketAddress(ipAddress: "2001:db8:1:3::1", port: 1))
        #expect(one == sameNetwork)
        #expect(one != otherNetwork)
        #expect(RateLimitKey(address: nil) == .unknownAddress)
    }
}

/// The middleware on the real router: 429 with `Retry-After`, per address on the claim routes,
/// per token on the API, and nothing at all when turned off.
@Suite struct RateLimitTests {
    /// Budgets that never refill during a test (one request an hour), so counts are exact.
    static func tight(claimBurst: Int = 3, apiBurst: Int = 6) -> RateLimits {
        var limits = RateLimits()
        limits.claim = RateLimit(perSecond: 1.0 / 3_600, burst: claimBurst)
        limits.api = RateLimit(perSecond: 1.0 / 3_600, burst: apiBurst)
        return limits
    }

    /// `X-Forwarded-For` as a proxy leaves it: the client's own entry, then the address the proxy saw.
    static func forwarded(_ address: String) -> HTTPFields { [.init("X-Forwarded-For")!: "10.9.9.9, \(address)"] }

    static func from(_ address: String, _ request: () async throws -> TestResponse) async throws -> TestResponse {
        try await ClientConnection.$peerAddress.withValue(try SocketAddress(ipAddress: address, port: 40_000)) {
            try await request()
        }
    }

    @Test(arguments: Backend.all)
    func claimAttemptsOverTheLimitGet429WithRetryAfterAndOtherAddressesDoNot(backend: Backend) async throws {
        try await TestServer.run(backend, limits: Self.tight(claimBurst: 3)) { server in
            let path = "/v1/customer-seats/claim/\(String(repeating: "x", count: 43))"
            for _ in 0..<3 {
                let response = try await Self.from("198.51.100.1") { try await server.request(.get, path) }
                #expect(response.status == .notFound)
            }
            let refused = try await Self.from("198.51.100.1") {
                try await server.request(.post, "/v1/customer-seats/claim", json: ["invitation_token": "x"])
            }
            #expect(refused.status == .tooManyRequests)
            #expect(refused.errorName == "TooManyRequests")
            #expect(refused.detail?.isEmpty == false)
            let retryAfter = try #require(refused.headers[.retryAfter].flatMap(Int.init))
            #expect(retryAfter >= 1)

            let other = try await Self.from("198.51.100.2") { try await server.request(.get, path) }
            #expect(other.status == .notFound)
            // A token does not lift the address limit on the claim routes.
            let org = try await server.makeOrganization()
            let withToken = try await Self.from("198.51.100.1") { try await server.request(.get, path, token: org.token) }
            #expect(withToken.status == .tooManyRequests)
        }
    }

    /// The public license-key routes share the claim routes' budget per address: guessing keys
    /// is as slow as guessing invitation tokens, whichever route a guesser spreads over.
    @Test(arguments: Backend.all)
    func thePublicLicenseKeyRoutesShareTheClaimBudgetPerAddress(backend: Backend) async throws {
        try await TestServer.run(backend, limits: Self.tight(claimBurst: 4)) { server in
            let org = try await server.makeOrganization()
            let guess: JSONValue = ["key": "ACME-GUESS", "organization_id": .string(org.id)]
            var statuses: [HTTPResponse.Status] = []
            for route in ["validate", "activate", "deactivate"] {
                var body = guess
                if case .object(var fields) = body {
                    fields["label"] = "laptop"
                    fields["activation_id"] = .string(UUID().wire)
                    body = .object(fields)
                }
                statuses.append(try await Self.from("198.51.100.7") {
                    try await server.request(.post, "/v1/customer-portal/license-keys/\(route)", json: body)
                }.status)
            }
            #expect(statuses == [.notFound, .notFound, .notFound])
            // The claim route takes the last of the budget; then every key route is refused.
            #expect(try await Self.from("198.51.100.7") { try await server.request(.get, "/v1/customer-seats/claim/nothing") }
                .status == .notFound)
            let refused = try await Self.from("198.51.100.7") {
                try await server.request(.post, "/v1/customer-portal/license-keys/validate", json: guess)
            }
            #expect(refused.status == .tooManyRequests)
            #expect(refused.headers[.retryAfter].flatMap(Int.init) ?? 0 >= 1)
            // A token does not lift it; another address is unaffected.
            let withToken = try await Self.from("198.51.100.7") {
                try await server.request(.post, "/v1/customer-portal/license-keys/activate", token: org.token, json: guess)
            }
            #expect(withToken.status == .tooManyRequests)
            #expect(try await Self.from("198.51.100.8") {
                try await server.request(.post, "/v1/customer-portal/license-keys/validate", json: guess)
            }.status == .notFound)
        }
    }

    @Test(arguments: Backend.all)
    func theClaimPageAnswersAnHTMLPageOverTheLimit(backend: Backend) async throws {
        try await TestServer.run(backend, limits: Self.tight(claimBurst: 2)) { server in
            let org = try await server.makeOrganization()
            var last: TestPage?
            for _ in 0..<3 {
                last = try await ClientConnection.$peerAddress.withValue(try SocketAddress(ipAddress: "203.0.113.5", port: 1)) {
                    try await server.page(.get, "/\(org.slug)/portal/claim?token=nothing")
                }
            }
            let page = try #require(last)
            #expect(page.status == .tooManyRequests)
            #expect(page.headers[.contentType]?.hasPrefix("text/html") == true)
            #expect(page.headers[.retryAfter].flatMap(Int.init) ?? 0 >= 1)
            #expect(page.headers[.contentSecurityPolicy] != nil)
            #expect(page.html.contains("Too many requests"))
        }
    }

    @Test(arguments: Backend.all)
    func dashboardSignInIsLimitedPerAddressWithAPage(backend: Backend) async throws {
        try await TestServer.run(backend, limits: Self.tight(claimBurst: 2)) { server in
            let org = try await server.makeOrganization()
            var last: TestPage?
            for _ in 0..<3 {
                last = try await ClientConnection.$peerAddress.withValue(try SocketAddress(ipAddress: "203.0.113.6", port: 1)) {
                    try await server.page(.post, "/dashboard/sign-in", form: [("csrf", "x"), ("token", "guess")])
                }
            }
            let page = try #require(last)
            #expect(page.status == .tooManyRequests)
            #expect(page.headers[.contentType]?.hasPrefix("text/html") == true)
            #expect(page.html.contains("tried to sign in too often"))
            // Another address still signs in.
            var browser = TestBrowser(server)
            try await browser.get("/dashboard")
            let signedIn = try await browser.post("/dashboard/sign-in", [("csrf", browser.csrf ?? ""), ("token", org.token)])
            #expect(signedIn.status == .seeOther)
        }
    }

    @Test(arguments: Backend.all)
    func eachTokenHasItsOwnBudget(backend: Backend) async throws {
        try await TestServer.run(backend, limits: Self.tight(apiBurst: 6)) { server in
            // Four operator requests: the operator's budget is its own too.
            let first = try await server.makeOrganization()
            let second = try await server.makeOrganization()
            for _ in 0..<6 {
                #expect(try await server.request(.get, "/v1/customers/", token: first.token).status == .ok)
            }
            let refused = try await server.request(.get, "/v1/customers/", token: first.token)
            #expect(refused.status == .tooManyRequests)
            #expect(refused.errorName == "TooManyRequests")
            #expect(refused.headers[.retryAfter].flatMap(Int.init) ?? 0 >= 1)
            #expect(try await server.request(.get, "/v1/customers/", token: second.token).status == .ok)
            // Requests without credentials are not counted against anyone.
            #expect(try await server.request(.get, "/healthz").status == .ok)
        }
    }

    @Test(arguments: Backend.all)
    func offTurnsEveryLimitOff(backend: Backend) async throws {
        var limits = Self.tight(claimBurst: 1, apiBurst: 1)
        limits.isEnabled = false
        try await TestServer.run(backend, limits: limits) { server in
            let org = try await server.makeOrganization()
            for _ in 0..<5 {
                #expect(try await server.request(.get, "/v1/customers/", token: org.token).status == .ok)
                #expect(try await server.request(.get, "/v1/customer-seats/claim/nothing").status == .notFound)
            }
        }
    }

    @Test(arguments: Backend.all)
    func forwardedForIsUsedOnlyWhenTrusted(backend: Backend) async throws {
        let path = "/v1/customer-seats/claim/nothing"
        let (one, two) = (Self.forwarded("192.0.2.1"), Self.forwarded("192.0.2.2"))
        var trusting = Self.tight(claimBurst: 1)
        trusting.trustsForwardedFor = true
        try await TestServer.run(backend, limits: trusting) { server async throws in
            #expect(try await server.request(.get, path, headers: one).status == .notFound)
            // The client-written first entry is ignored: the proxy's last one decides.
            #expect(try await server.request(.get, path, headers: one).status == .tooManyRequests)
            #expect(try await server.request(.get, path, headers: two).status == .notFound)
        }
        try await TestServer.run(backend, limits: Self.tight(claimBurst: 1)) { server async throws in
            #expect(try await server.request(.get, path, headers: one).status == .notFound)
            #expect(try await server.request(.get, path, headers: two).status == .tooManyRequests)
        }
    }

    #if os(Linux)
    /// Over a real connection the budget is the peer's: 127.0.0.2 is another client than
    /// 127.0.0.1 (Linux routes all of 127/8 to loopback).
    @Test func aLiveServerLimitsEachPeerAddress() async throws {
        try await LiveServer.run(.sqlite, configure: { $0.rateLimits = Self.tight(claimBurst: 2) }) { live in
            let request = "GET /v1/customer-seats/claim/nothing HTTP/1.1\r\nHost: localhost\r\n\r\n"
            let connection = try await live.connect()
            var answers: [String] = []
            for _ in 0..<3 {
                try await connection.send(request)
                answers.append(try #require(await connection.response(within: ConnectionLimitTests.patience)))
            }
            #expect(answers[0].hasPrefix("HTTP/1.1 404"))
            #expect(answers[1].hasPrefix("HTTP/1.1 404"))
            #expect(answers[2].hasPrefix("HTTP/1.1 429"))
            #expect(answers[2].lowercased().contains("retry-after: "))
            await connection.close()

            let elsewhere = try await live.connect(from: "127.0.0.2")
            try await elsewhere.send(request)
            #expect(try #require(await elsewhere.response(within: ConnectionLimitTests.patience)).hasPrefix("HTTP/1.1 404"))
            await elsewhere.close()
        }
    }
    #endif
}

extension TestServer {
    /// Runs `body` against a fresh server on `backend` with these rate limits.
    static func run(_ backend: Backend, limits: RateLimits,
                    _ body: @escaping @Sendable (TestServer) async throws -> Void) async throws {
        try await backend.withFreshDatabase { database, _ in
            var configuration = ServerConfiguration()
            configuration.publicURL = publicURL
            configuration.adminTokenHash = SecretToken.hash(adminToken)
            configuration.rateLimits = limits
            let clock = TestClock()
            let mail = RecordingMailTransport()
            let metrics = TesseraMetrics()
            let app = buildApplication(
                configuration: configuration, database: database, mail: mail, logger: Logger(label: "tessera-test"),
                metrics: metrics, runsBackgroundWorkers: false, now: clock.closure)
            try await app.test(.router) { client in
                try await body(TestServer(backend: backend, database: database, mail: mail, clock: clock, client: client,
                                          metrics: metrics))
            }
        }
    }
}
