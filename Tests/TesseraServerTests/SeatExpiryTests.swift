import Foundation
import Hummingbird
import Testing
import TesseraCore
import TesseraJSON
import NIOConcurrencyHelpers

/// Tessera's seat expiry: `expires_at` on assign; at that time the background worker revokes
/// the seat with the usual events, also when the server restarted in between.
@Suite struct SeatExpiryTests {
    static func time(_ date: Date) -> JSONValue { .string(Timestamp.format(date)) }

    @Test(arguments: Backend.all)
    func aSeatIsRevokedWhenItsTimeComes(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 2)
            _ = try await server.request(.post, "/v1/webhooks/endpoints", token: org.token, json: [
                "url": "https://hooks.example.com/tessera", "format": "raw", "events": ["customer_seat.revoked"]])
            let benefit = try await BenefitGrantTests.addBenefit(server, org, to: pool)
            let expiry = server.clock.now.addingTimeInterval(3600)
            let seat = try await server.assign(org, pool, ["email": "temp@example.com", "immediate_claim": true,
                                                           "expires_at": Self.time(expiry)])
            #expect(seat.status == .ok, "\(seat.json)")
            SeatSupport.expectTime(seat["expires_at"], expiry)
            #expect(Set(seat.json.objectValue?.keys.map { $0 } ?? []) == SeatSupport.seatKeys.union(["expires_at"]))
            // A seat without an expiry keeps Polar's shape exactly.
            let lasting = try await server.assign(org, pool, ["email": "staff@example.com"])
            #expect(Set(lasting.json.objectValue?.keys.map { $0 } ?? []) == SeatSupport.seatKeys)
            let listed = SeatSupport.array(try await server.list(org, pool)["seats"])
            SeatSupport.expectTime(listed.first { $0["id"] == .string(seat.id) }?["expires_at"], expiry)

            server.clock.advance(by: 3599)
            #expect(try await server.seatExpiries.expireDue() == 0)
            #expect(try await PageTests.seatStatus(server, org, pool, seatId: seat.id) == "claimed")
            server.clock.advance(by: 1)
            #expect(try await server.seatExpiries.expireDue() == 1)

            #expect(try await PageTests.seatStatus(server, org, pool, seatId: seat.id) == "revoked")
            #expect(try await PageTests.seatStatus(server, org, pool, seatId: lasting.id) == "pending")
            #expect(try await server.list(org, pool)["available_seats"] == 1)
            let revoked = try await ParityTests.events(server, "customer_seat.revoked")
            #expect(revoked.map { $0["id"] } == [.string(seat.id)])
            #expect(revoked.first?["member"]?["email"] == "temp@example.com")
            let grants = try await BenefitGrantTests.grants(server, org, "&benefit_id=\(benefit)")
            #expect(grants.count == 1 && grants.first?["is_revoked"] == true)
            let history = try await SeatHistoryTests.events(server, org.token, "/v1/customer-seats/\(seat.id)/events")
            #expect(history.first?["type"] == "expired")
            #expect(history.first?["actor"]?["type"] == "system")
            #expect(history.first?["holder_before"]?["email"] == "temp@example.com")
            // Nothing is due any more: a revoked seat has no expiry.
            server.clock.advance(by: 86_400)
            #expect(try await server.seatExpiries.expireDue() == 0)
        }
    }

    @Test(arguments: Backend.all)
    func anExpiryOutlivesARestart(backend: Backend) async throws {
        try await backend.withFreshDatabase { database, _ in
            let clock = TestClock()
            let made = NIOLockedValueBox<(TestOrganization, TestPool, String)?>(nil)
            try await TestServer.run(database: database, backend: backend, clock: clock) { server in
                let org = try await server.makeOrganization()
                let pool = try await server.makeSubscription(org, seats: 1)
                let seat = try await server.assign(org, pool, ["email": "temp@example.com",
                                                               "expires_at": Self.time(clock.now.addingTimeInterval(60))])
                made.withLockedValue { $0 = (org, pool, seat.id) }
            }
            clock.advance(by: 3600)
            try await TestServer.run(database: database, backend: backend, clock: clock) { server in
                let (org, pool, seatId) = try #require(made.withLockedValue { $0 })
                // The invitation of a seat past its time cannot be claimed, even before the worker runs.
                let token = try #require(try await server.deliverInvitations(to: "temp@example.com").first)
                #expect(try await SeatSupport.claim(server, token).status == .badRequest)
                #expect(try await server.seatExpiries.expireDue() == 1)
                #expect(try await PageTests.seatStatus(server, org, pool, seatId: seatId) == "revoked")
            }
        }
    }

    @Test(arguments: Backend.all)
    func anExpiryMustLieAheadAndFollowsTheHolder(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 3)
            let past = try await server.assign(org, pool, ["email": "a@example.com",
                                                           "expires_at": Self.time(server.clock.now.addingTimeInterval(-1))])
            SeatSupport.expectValidation(past, type: "value_error", loc: ["body", "expires_at"],
                                         msg: "Value error, expires_at must be in the future")
            SeatSupport.expectValidation(try await server.assign(org, pool, ["email": "a@example.com", "expires_at": "soon"]),
                                         type: "datetime_parsing", loc: ["body", "expires_at"],
                                         msg: "Input should be a valid datetime in ISO 8601 form")

            // A bulk row takes one too; a transfer gives the new holder theirs (none when not given).
            let soon = server.clock.now.addingTimeInterval(600)
            let bulk = try await BulkAssignTests.bulk(server, org, pool, [
                ["email": "b@example.com", "expires_at": Self.time(soon)],
                ["email": "c@example.com", "expires_at": Self.time(server.clock.now)],
            ])
            let rows = BulkAssignTests.results(bulk)
            SeatSupport.expectTime(rows.first?["seat"]?["expires_at"], soon)
            #expect(rows.last?["error"]?["status"] == 422)
            let seatId = try #require(rows.first?["seat"]?["id"]?.stringValue)
            let moved = try await SeatTransferTests.transfer(server, org, seatId, ["email": "d@example.com"])
            #expect(moved.status == .ok)
            #expect(moved["expires_at"] == nil)
            server.clock.advance(by: 601)
            #expect(try await server.seatExpiries.expireDue() == 0)
            #expect(try await PageTests.seatStatus(server, org, pool, seatId: seatId) == "pending")
        }
    }
}
