import Foundation
import SQLKit
import Testing
import TesseraCore
import TesseraStore

/// Every record id Tessera makes sorts by the time it was made (`UUID.timeOrdered`), so that new
/// rows share index pages: with random ids, each assign dirtied a page of its own in every index
/// keyed by id, and a shared commit wrote them all.
@Suite struct RecordIDTests {
    @Test(arguments: Backend.all)
    func everyRowASeatsLifeMakesHasATimeOrderedId(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let started = UInt64(Date().timeIntervalSince1970 * 1000)
            let org = try await server.makeOrganization(memberModel: true)
            let pool = try await server.makeSubscription(org, seats: 2)
            let endpoint = try await server.request(.post, "/v1/webhooks/endpoints", token: org.token, json: [
                "url": "https://hooks.example.com/tessera", "format": "raw", "events": ["customer_seat.assigned"]])
            try #require(endpoint.status == .created, "\(endpoint.json)")
            let assigned = try await server.assign(org, pool, ["email": "holder@example.com"])
            try #require(assigned.status == .ok, "\(assigned.json)")
            let token = try #require(try await server.deliverInvitations(to: "holder@example.com").first)
            let claimed = try await server.request(.post, "/v1/customer-seats/claim", json: ["invitation_token": .string(token)])
            try #require(claimed.status == .ok, "\(claimed.json)")

            let ended = UInt64(Date().timeIntervalSince1970 * 1000)
            let tables = ["organizations", "customers", "members", "products", "subscriptions", "seats", "seat_events",
                          "outbox", "webhook_endpoints", "webhook_events", "webhook_outbox"]
            for table in tables {
                let ids = try await server.database.withConnection { session in
                    try await session.rows("SELECT id FROM \(unsafeRaw: table)").map { try $0.decode(column: "id", as: String.self) }
                }
                #expect(!ids.isEmpty, "no row in \(table)")
                for text in ids {
                    let id = try #require(UUID(wire: text), "\(table): \(text)")
                    // The first 48 bits are the millisecond the row was made (random ids' would
                    // be anywhere), and the version digit is 4, as Polar's schema declares.
                    #expect((started...ended).contains(id.timeOrderedMilliseconds), "\(table): \(text)")
                    #expect(Array(text)[14] == "4", "\(table): \(text)")
                }
            }
        }
    }
}
