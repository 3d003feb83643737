import Foundation
import Hummingbird
import Testing
import TesseraCore
import TesseraStore

/// Bad input never produces a 500: every field of every write route is sent with values of
/// the wrong shape, and concurrent duplicates are answered with a clear error.
@Suite struct RobustnessTests {
    static let wrongValues: [JSONValue] = [
        .null, true, 0, -1, .int(Int64.max), .int(Int64.min), .double(1.5), .double(1e13), .double(-1e300),
        .double(18446744073709551616), "", "not-a-uuid", "a\u{0}b", .string(String(repeating: "x", count: 5000)),
        .string("a" + String(repeating: "\u{0301}", count: 600)), [], ["nested": ["deep": []]], ["a\u{0}": 1],
    ]

    /// Sends every wrong value in every field of `baseline`, alone (PATCH) or in a full body (POST).
    static func fuzz(_ server: TestServer, _ method: HTTPRequest.Method, _ path: String, token: String,
                     _ baseline: [String: JSONValue]) async throws {
        for field in baseline.keys {
            for value in wrongValues {
                var body = method == .patch ? [:] : baseline
                body[field] = value
                let response = try await server.request(method, path, token: token, json: .object(body))
                #expect(response.status.code < 500, "\(method) \(path) \(field)=\(value.serialized()): \(response.json)")
            }
        }
    }

    @Test(arguments: Backend.all)
    func noWrongValueInAnyFieldGivesA500(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 3)
            let routes: [(String, [String: JSONValue])] = [
                ("/v1/customer-seats", [pool.kind: .string(pool.id), "email": "f@example.com", "metadata": ["a": 1],
                                        "immediate_claim": false, "customer_id": .null, "external_customer_id": .null,
                                        "member_id": .null, "external_member_id": .null, "order_id": .null]),
                ("/v1/customer-seats/claim", ["invitation_token": "abc"]),
                ("/v1/customers/", ["email": "c@example.com", "name": "C", "external_id": "x", "metadata": [:]]),
                ("/v1/products/", ["name": "P", "recurring_interval": "month", "description": "d", "prices": [],
                                   "metadata": [:]]),
                ("/v1/subscriptions/", ["product_id": .string(pool.productId), "customer_id": .string(pool.customerId),
                                        "seats": 2, "metadata": [:], "external_customer_id": .null]),
                ("/v1/orders/", ["product_id": .string(pool.productId), "customer_id": .string(pool.customerId),
                                 "seats": 2, "status": "paid"]),
            ]
            for (path, baseline) in routes {
                for field in baseline.keys {
                    for value in Self.wrongValues {
                        var body = baseline
                        body[field] = value
                        let response = try await server.request(.post, path, token: org.token, json: .object(body))
                        #expect(response.status.code < 500, "\(path) \(field)=\(value.serialized()): \(response.json)")
                    }
                }
            }
            let patches: [(String, [String: JSONValue])] = [
                ("/v1/subscriptions/\(pool.id)", ["seats": 4, "cancel_at_period_end": false, "proration_behavior": "prorate"]),
                ("/v1/customers/\(pool.customerId)", ["email": "new@example.com", "name": "N", "metadata": [:]]),
                ("/v1/products/\(pool.productId)", ["name": "Q", "is_archived": false, "prices": []]),
            ]
            for (path, baseline) in patches {
                for field in baseline.keys {
                    for value in Self.wrongValues {
                        let response = try await server.request(.patch, path, token: org.token, json: .object([field: value]))
                        #expect(response.status.code < 500, "PATCH \(path) \(field)=\(value.serialized()): \(response.json)")
                    }
                }
            }
        }
    }

    @Test(arguments: Backend.all)
    func noWrongValueInOperatorPortalOrWebhookFieldsGivesA500(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 3)
            let admin = TestServer.adminToken
            try await Self.fuzz(server, .post, "/v1/organizations/", token: admin, [
                "name": "Fuzz", "slug": "fuzz-org", "feature_settings": ["seat_based_pricing_enabled": true]])
            try await Self.fuzz(server, .patch, "/v1/organizations/\(org.id)", token: admin, [
                "name": "Fuzz", "slug": "fuzz-org-2", "feature_settings": ["member_model_enabled": true]])
            try await Self.fuzz(server, .post, "/v1/organization-access-tokens/", token: admin, [
                "organization_id": .string(org.id), "comment": "c", "scopes": ["customers:read"], "expires_in": 60])
            try await Self.fuzz(server, .post, "/v1/webhooks/endpoints", token: org.token, [
                "url": "https://hooks.example.com/x", "format": "raw", "events": ["customer_seat.assigned"],
                "name": "n", "secret": "0123456789abcdef0123"])
            let endpoint = try await server.request(.post, "/v1/webhooks/endpoints", token: org.token, json: [
                "url": "https://hooks.example.com/x", "format": "raw", "events": ["customer_seat.assigned"]])
            try await Self.fuzz(server, .patch, "/v1/webhooks/endpoints/\(endpoint.id)", token: org.token, [
                "url": "https://hooks.example.com/y", "format": "raw", "events": [], "name": "m", "enabled": true])
            try await Self.fuzz(server, .post, "/v1/customer-sessions/", token: org.token, [
                "customer_id": .string(pool.customerId), "external_customer_id": .null, "member_id": .null,
                "external_member_id": .null, "return_url": "https://shop.example.com/"])
            let sessionTokenSession = try await PortalAPITests.session(server, org, customerId: pool.customerId)
            let sessionToken = try #require(sessionTokenSession["token"]?.stringValue)
            try await Self.fuzz(server, .post, "/v1/customer-portal/seats", token: sessionToken, [
                "subscription_id": .string(pool.id), "email": "p@example.com", "metadata": [:],
                "immediate_claim": false, "member_id": .null, "external_member_id": .null, "checkout_id": .null])
            try await Self.fuzz(server, .patch, "/v1/customer-portal/subscriptions/\(pool.id)", token: sessionToken,
                                ["seats": 4])
        }
    }

    @Test(arguments: Backend.all)
    func noWrongQueryParameterGivesA500(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 3)
            let sessionTokenSession = try await PortalAPITests.session(server, org, customerId: pool.customerId)
            let sessionToken = try #require(sessionTokenSession["token"]?.stringValue)
            let wrong = ["", "0", "-1", "9223372036854775808", "-9223372036854775809", "1e3", "1.5", "abc", "a%00b",
                         "%FF", "%ED%A0%80", String(repeating: "9", count: 400), "not-a-uuid"]
            let routes: [(String, [String], String)] = [
                ("/v1/customer-seats", ["subscription_id", "order_id"], org.token),
                ("/v1/subscriptions/", ["customer_id", "product_id", "page", "limit"], org.token),
                ("/v1/orders/", ["customer_id", "product_id", "page", "limit"], org.token),
                ("/v1/products/", ["page", "limit"], org.token),
                ("/v1/customers/", ["email", "page", "limit"], org.token),
                ("/v1/members", ["customer_id", "page", "limit"], org.token),
                ("/v1/webhooks/endpoints", ["page", "limit"], org.token),
                ("/v1/webhooks/deliveries", ["endpoint_id", "page", "limit"], org.token),
                ("/v1/customer-portal/seats", ["subscription_id", "order_id"], sessionToken),
                ("/v1/customer-portal/seats/subscriptions", ["page", "limit"], sessionToken),
            ]
            for (path, parameters, token) in routes {
                for parameter in parameters {
                    for value in wrong {
                        let response = try await server.request(.get, "\(path)?\(parameter)=\(value)", token: token)
                        #expect(response.status.code < 500, "\(path)?\(parameter)=\(value): \(response.json)")
                    }
                }
            }
            for path in ["/v1/customers/external/a%00b", "/v1/customers/external/%FF", "/v1/customer-seats/claim/a%00b",
                         "/v1/customers/\(String(repeating: "9", count: 400))", "/\(org.slug)%00/portal"] {
                let response = try await server.request(.get, path, token: org.token)
                #expect(response.status.code < 500, "\(path): \(response.json)")
            }
        }
    }

    @Test(arguments: Backend.all)
    func concurrentDuplicateCustomersGetOneCreatedAndClearErrors(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let statuses = try await withThrowingTaskGroup(of: (Int, String?).self) { group in
                for _ in 0..<12 {
                    group.addTask {
                        let response = try await server.request(.post, "/v1/customers/", token: org.token,
                                                                json: ["email": "same@example.com"])
                        return (Int(response.status.code), response.errorName)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.filter { $0.0 == 201 }.count == 1)
            #expect(statuses.allSatisfy { [201, 409, 422].contains($0.0) }, "\(statuses)")
        }
    }

    @Test func sqliteRunsInWALModeWithForeignKeysAndABusyTimeout() async throws {
        try await Backend.sqlite.withFreshDatabase { database, _ in
            let (mode, keys, timeout) = try await database.withConnection { session in
                (try await session.first("PRAGMA journal_mode")?.decode(column: "journal_mode", as: String.self),
                 try await session.first("PRAGMA foreign_keys")?.decode(column: "foreign_keys", as: Int.self),
                 try await session.first("PRAGMA busy_timeout")?.decode(column: "timeout", as: Int.self))
            }
            #expect(mode == "wal")
            #expect(keys == 1)
            #expect(timeout == 5000)
        }
    }

    /// Migrating an up-to-date database applies nothing, in two statements (the versions table
    /// made if missing, its versions read), not a transaction per migration: every start does it.
    @Test(arguments: Backend.all)
    func migratingTwiceChangesNothing(backend: Backend) async throws {
        try await backend.withFreshDatabase { database, _ in
            let before = database.statementCount
            let applied = try await Migrations.migrate(database)
            #expect(applied.isEmpty)
            #expect(database.statementCount - before == 2)
        }
    }
}
