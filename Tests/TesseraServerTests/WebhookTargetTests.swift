import Foundation
import Logging
import NIOCore
import Testing
import TesseraCore
import TesseraServer
import TesseraStore

/// Webhook endpoints cannot reach this machine or private networks (request forgery), neither
/// through the URL they are given nor through what its host name resolves to; and how long an
/// answer is does not change whether a delivery succeeded.
@Suite struct WebhookTargetTests {
    /// Every form the policy must refuse, as the API receives it.
    static let forbiddenURLs = [
        "http://127.0.0.1:8080/hooks", "http://localhost/hooks", "http://LocalHost.:9000/x", "http://api.localhost/x",
        "http://0x7f000001/x", "http://2130706433/x", "http://0177.0.0.1/x", "http://127.1/x",
        "http://user:pw@127.0.0.1/x", "http://user:pw@example.com/x", "http://169.254.169.254/latest/meta-data/",
        "http://10.1.2.3/", "http://172.16.0.1/", "http://192.168.1.1/", "http://100.64.0.1/", "http://224.0.0.1/",
        "http://0.0.0.0/", "http://240.0.0.1/", "http://255.255.255.255/", "http://192.0.0.1/", "http://192.0.2.1/",
        "http://198.18.0.1/", "http://198.51.100.1/", "http://203.0.113.1/", "http://[::1]:8080/", "http://[::]/",
        "http://[fc00::1]/", "http://[fe80::1]/", "http://[ff02::1]/", "http://[::ffff:127.0.0.1]/",
        "http://[64:ff9b::7f00:1]/", "http://[2001:db8::1]/", "http://%31%32%37.0.0.1/", "gopher://example.com/",
    ]

    static func urlIssue(_ response: TestResponse) -> JSONValue? {
        guard case .array(let items) = response["detail"] else { return nil }
        return items.first { $0["loc"] == ["body", "url"] }
    }

    @Test(arguments: Backend.all)
    func forbiddenTargetsAreRefusedOnCreateAndUpdate(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let endpoint = try await WebhookTests.makeEndpoint(server, org, url: "https://hooks.example.test/in")
            for url in Self.forbiddenURLs {
                let created = try await server.request(.post, "/v1/webhooks/endpoints", token: org.token, json: [
                    "url": .string(url), "format": "raw", "events": ["customer_seat.assigned"],
                ])
                #expect(created.status == .unprocessableContent, "POST \(url): \(created.json)")
                #expect(created.errorName == "RequestValidationError")
                let issue = Self.urlIssue(created)
                #expect(issue?["input"] == .string(url), "POST \(url): \(created.json)")
                #expect(issue?["msg"]?.stringValue?.isEmpty == false)

                let patched = try await server.request(.patch, "/v1/webhooks/endpoints/\(endpoint.id)", token: org.token,
                                                       json: ["url": .string(url)])
                #expect(patched.status == .unprocessableContent, "PATCH \(url): \(patched.json)")
                #expect(Self.urlIssue(patched) != nil, "PATCH \(url): \(patched.json)")
            }
            let unchanged = try await server.request(.get, "/v1/webhooks/endpoints/\(endpoint.id)", token: org.token)
            #expect(unchanged["url"] == "https://hooks.example.test/in")
            let list = try await server.request(.get, "/v1/webhooks/endpoints", token: org.token)
            #expect(list["pagination"]?["total_count"] == 1)
            // The message says why, in words.
            let metadata = try await server.request(.post, "/v1/webhooks/endpoints", token: org.token, json: [
                "url": "http://169.254.169.254/latest/meta-data/", "format": "raw", "events": [],
            ])
            #expect(Self.urlIssue(metadata)?["msg"]?.stringValue?.contains("link-local") == true)
        }
    }

    @Test(arguments: Backend.all)
    func allowingPrivateNetworksStillRefusesMalformedURLs(backend: Backend) async throws {
        try await TestServer.run(backend, webhookAllowPrivate: true) { server in
            let org = try await server.makeOrganization()
            for url in ["http://127.0.0.1:9/hooks", "http://localhost:9/hooks", "http://[::1]:9/", "http://10.0.0.1/"] {
                let created = try await server.request(.post, "/v1/webhooks/endpoints", token: org.token, json: [
                    "url": .string(url), "format": "raw", "events": [],
                ])
                #expect(created.status == .created, "\(url): \(created.json)")
            }
            for url in ["http://0x7f000001/", "http://127.1/", "http://2130706433/", "http://u:p@127.0.0.1/"] {
                let created = try await server.request(.post, "/v1/webhooks/endpoints", token: org.token, json: [
                    "url": .string(url), "format": "raw", "events": [],
                ])
                #expect(created.status == .unprocessableContent, "\(url): \(created.json)")
            }
        }
    }

    /// Endpoints stored with loopback URLs (from before the rule, or by a name that resolves
    /// there): every attempt is refused before connecting, recorded, retried and in the end
    /// disables the endpoint, and the receiver never hears a thing.
    @Test(arguments: Backend.all)
    func deliveriesToLoopbackAreRefusedAtConnectTime(backend: Backend) async throws {
        try await WebhookReceiver.run { receiver in
            try await TestServer.run(backend) { server in
                let org = try await server.makeOrganization()
                let organizationId = try #require(UUID(uuidString: org.id))
                let port = try #require(URLComponents(string: receiver.url)?.port)
                // Stored straight into the database, as endpoints made before the rule (or under
                // --webhook-allow-private, since turned off) are: only the worker can stop them.
                let urls = [receiver.url(host: "localhost"), receiver.url, "http://[::ffff:127.0.0.1]:\(port)/hooks",
                            "http://0x7f000001:\(port)/hooks"]
                var endpointIds: [UUID] = []
                for url in urls {
                    let endpoint = WebhookEndpoint(
                        id: UUID(), organizationId: organizationId, url: url, name: nil,
                        secret: WebhookEndpoint.generateSecret(), events: [.customerSeatAssigned], enabled: true,
                        disabledReason: nil, failedEventsInRow: 0, createdAt: server.clock.now, modifiedAt: nil)
                    try await server.database.transaction { try await $0.webhooks.insert(endpoint) }
                    endpointIds.append(endpoint.id)
                }
                let pool = try await server.makeSubscription(org, seats: 10)
                for index in 0..<WebhookEndpoint.failedEventsBeforeDisabling {
                    _ = try await server.assign(org, pool, ["email": .string("ssrf\(index)@example.com")])
                }
                // Each lane goes on to its endpoint's next event after a failure: every event is tried once.
                let events = WebhookEndpoint.failedEventsBeforeDisabling
                #expect(try await server.webhookWorker.deliverDue() == urls.count * events)
                let attempts = try await server.request(.get, "/v1/webhooks/deliveries?limit=100", token: org.token)
                guard case .array(let items) = attempts["items"] else { Issue.record("no items"); return }
                #expect(items.count == urls.count * events)
                for item in items {
                    #expect(item["succeeded"] == false)
                    #expect(item["http_code"] == .null)
                    #expect(item["response"] == .null)
                    #expect(item["error"]?.stringValue?.hasPrefix("Not sent: ") == true, "\(item)")
                }
                let errors = items.compactMap { $0["error"]?.stringValue }
                #expect(errors.contains { $0.contains("localhost names this machine") }, "\(errors)")
                #expect(errors.contains { $0.contains("127.0.0.1 is a loopback address") }, "\(errors)")
                #expect(errors.contains { $0.contains("non-standard form") }, "\(errors)")

                // The usual path: retried through the whole schedule, then the endpoints are disabled.
                server.clock.advance(by: 9 * 3600)
                for _ in 1..<WebhookRetrySchedule.maximumAttempts {
                    try await server.webhookWorker.deliverDue()
                    server.clock.advance(by: 9 * 3600)
                }
                for id in endpointIds {
                    let after = try await server.request(.get, "/v1/webhooks/endpoints/\(id.wire)", token: org.token)
                    #expect(after["enabled"] == false, "\(after.json)")
                    #expect(after["disabled_reason"]?.stringValue?.contains("Not sent") == true)
                }
                #expect(receiver.deliveries.isEmpty)
            }
        }
    }

    /// A host name is resolved once, judged, and the connection goes to that very address:
    /// the name is still what the request and TLS carry.
    @Test(arguments: Backend.all)
    func aHostNameIsPinnedToTheAddressItWasJudgedBy(backend: Backend) async throws {
        try await WebhookReceiver.run { receiver in
            try await TestServer.run(backend, webhookAllowPrivate: true) { server in
                let org = try await server.makeOrganization()
                let port = try #require(URLComponents(string: receiver.url)?.port)
                // No DNS knows this name: only the worker's own answer can lead to the receiver.
                _ = try await WebhookTests.makeEndpoint(server, org, url: "http://hooks.example.test:\(port)/hooks",
                                                        events: [.customerSeatAssigned])
                _ = try await WebhookTests.makeEndpoint(server, org, url: receiver.url(host: "localhost"),
                                                        events: [.customerSeatAssigned])
                let loopback = try #require(NetworkAddress("127.0.0.1"))
                let worker = WebhookWorker(
                    database: server.database, httpClient: TestServer.httpClient, logger: Logger(label: "tessera-test"),
                    now: server.clock.closure, targetPolicy: WebhookTargetPolicy(allowsPrivateNetworks: true),
                    resolver: WebhookHostResolver { name in
                        name == "hooks.example.test" ? [loopback] : try await WebhookHostResolver.system.resolve(name)
                    })
                let pool = try await server.makeSubscription(org, seats: 3)
                _ = try await server.assign(org, pool, ["email": "pin@example.com"])
                _ = try await server.assign(org, pool, ["email": "pin2@example.com"])
                #expect(try await worker.deliverDue() == 4)
                let authorities = receiver.deliveries.compactMap(\.authority).sorted()
                #expect(authorities == ["hooks.example.test:\(port)", "hooks.example.test:\(port)",
                                        "localhost:\(port)", "localhost:\(port)"])
            }
        }
    }

    /// A name that resolves to a public address and to a private one (DNS rebinding, or a
    /// split answer) is refused as a whole by the default policy.
    @Test(arguments: Backend.all)
    func aNameWithAnyForbiddenAddressIsRefused(backend: Backend) async throws {
        try await WebhookReceiver.run { receiver in
            try await TestServer.run(backend) { server in
                let org = try await server.makeOrganization()
                let port = try #require(URLComponents(string: receiver.url)?.port)
                let endpoint = try await WebhookTests.makeEndpoint(
                    server, org, url: "http://rebind.example.test:\(port)/hooks", events: [.customerSeatAssigned])
                let addresses = try [#require(NetworkAddress("93.184.216.34")), #require(NetworkAddress("127.0.0.1"))]
                let worker = WebhookWorker(
                    database: server.database, httpClient: TestServer.httpClient, logger: Logger(label: "tessera-test"),
                    now: server.clock.closure, resolver: WebhookHostResolver { _ in addresses })
                let pool = try await server.makeSubscription(org, seats: 3)
                _ = try await server.assign(org, pool, ["email": "rebind@example.com"])
                #expect(try await worker.deliverDue() == 1)
                #expect(receiver.deliveries.isEmpty)
                let attempts = try await server.request(.get, "/v1/webhooks/deliveries?endpoint_id=\(endpoint.id)",
                                                        token: org.token)
                guard case .array(let items) = attempts["items"] else { Issue.record("no items"); return }
                #expect(items.first?["error"]?.stringValue
                    == "Not sent: rebind.example.test resolves to 127.0.0.1, a loopback address, not a public internet address")
            }
        }
    }

    /// The answer's length never turns a 2xx into a failure or adds an error; its start is kept.
    @Test(arguments: Backend.all)
    func aLongAnswerIsAPlainSuccess(backend: Backend) async throws {
        try await WebhookReceiver.run { receiver in
            try await TestServer.run(backend, webhookAllowPrivate: true) { server in
                let org = try await server.makeOrganization()
                let endpoint = try await WebhookTests.makeEndpoint(server, org, url: receiver.url,
                                                                   events: [.customerSeatAssigned])
                let pool = try await server.makeSubscription(org, seats: 5)
                var body = ByteBuffer(string: "accepted ")
                body.writeRepeatingByte(UInt8(ascii: "x"), count: 1 << 20)
                receiver.answerBody(body)
                receiver.answer([200, 202, 500])
                for index in 0..<3 {
                    _ = try await server.assign(org, pool, ["email": .string("long\(index)@example.com")])
                }
                // The 500 waits for its retry; the two 2xx are done.
                #expect(try await server.webhookWorker.deliverDue() == 3)
                let attempts = try await server.request(.get, "/v1/webhooks/deliveries?endpoint_id=\(endpoint.id)",
                                                        token: org.token)
                guard case .array(let items) = attempts["items"] else { Issue.record("no items"); return }
                #expect(items.count == 3)
                for item in items {
                    let response = item["response"]?.stringValue ?? ""
                    #expect(response.count == 1024)
                    #expect(response.hasPrefix("accepted xxx"))
                    if item["http_code"] == 500 {
                        #expect(item["succeeded"] == false)
                        #expect(item["error"] == "HTTP 500")
                    } else {
                        #expect(item["succeeded"] == true)
                        #expect(item["error"] == .null, "\(item)")
                    }
                }
                // Nothing else is pending: the successes are finished, not queued for a retry.
                server.clock.advance(by: 3600)
                #expect(try await server.webhookWorker.deliverDue() == 1)
                #expect(receiver.deliveries.count == 4)
            }
        }
    }
}
