import Foundation
import Testing
import TesseraCore
import TesseraStore

/// Bad input never produces a 500: every field of every write route is sent with values of
/// the wrong shape, and concurrent duplicates are answered with a clear error.
@Suite struct RobustnessTests {
    static let wrongValues: [JSONValue] = [
        .null, true, 0, -1, .int(Int64.max), .double(1.5), "", "not-a-uuid", .string(String(repeating: "x", count: 5000)),
        [], ["nested": ["deep": []]],
    ]

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
        let database = try await Backend.sqlite.open()
        do {
            let (mode, keys, timeout) = try await database.withConnection { session in
                (try await session.first("PRAGMA journal_mode")?.decode(column: "journal_mode", as: String.self),
                 try await session.first("PRAGMA foreign_keys")?.decode(column: "foreign_keys", as: Int.self),
                 try await session.first("PRAGMA busy_timeout")?.decode(column: "timeout", as: Int.self))
            }
            #expect(mode == "wal")
            #expect(keys == 1)
            #expect(timeout == 5000)
        } catch {
            await database.shutdown()
            throw error
        }
        await database.shutdown()
    }

    @Test(arguments: Backend.all)
    func migratingTwiceChangesNothing(backend: Backend) async throws {
        let database = try await backend.open()
        do {
            #expect(try await Migrations.migrate(database).isEmpty)
        } catch {
            await database.shutdown()
            throw error
        }
        await database.shutdown()
    }
}
