import Foundation
import Hummingbird
import Testing
import TesseraCore

/// Tessera's transfer (`POST /v1/customer-seats/{id}/transfer`): the same seat revoked from its
/// holder and assigned to someone else in one transaction, so even a full pool changes hands.
@Suite struct SeatTransferTests {
    static func transfer(_ server: TestServer, _ org: TestOrganization, _ seatId: String, _ body: JSONValue)
        async throws -> TestResponse
    {
        try await server.request(.post, "/v1/customer-seats/\(seatId)/transfer", token: org.token, json: body)
    }

    @Test(arguments: Backend.all)
    func aFullPoolChangesHandsWithTheEventsOfBothHalves(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 2)
            _ = try await server.request(.post, "/v1/webhooks/endpoints", token: org.token, json: [
                "url": "https://hooks.example.com/tessera", "format": "raw",
                "events": ["customer_seat.assigned", "customer_seat.claimed", "customer_seat.revoked"]])
            let benefit = try await BenefitGrantTests.addBenefit(server, org, to: pool)
            let ann = try await BenefitGrantTests.claimSeat(server, org, pool, email: "ann@example.com")
            let seatId = try #require(ann["id"]?.stringValue)
            try await server.assign(org, pool, ["email": "bo@example.com"])
            #expect(try await server.list(org, pool)["available_seats"] == 0)
            server.clock.advance(by: 60)

            let moved = try await Self.transfer(server, org, seatId, ["email": "cy@example.com", "metadata": ["team": "blue"]])
            #expect(moved.status == .ok, "\(moved.json)")
            #expect(moved["id"] == .string(seatId))
            #expect(moved["status"] == "pending")
            #expect(moved["member"]?["email"] == "cy@example.com")
            #expect(moved["member_id"] != ann["member_id"])
            #expect(moved["seat_metadata"]?["team"] == "blue")
            #expect(moved["claimed_at"] == .null && moved["revoked_at"] == .null)
            #expect(Set(moved.json.objectValue?.keys.map { $0 } ?? []) == SeatSupport.seatKeys)

            // The pool's count never moved; the seat row is the same one.
            let listed = try await server.list(org, pool)
            #expect(listed["available_seats"] == 0)
            #expect(SeatSupport.array(listed["seats"]).count == 2)
            let counts = try await server.activeSeatCounts(pool, organizationId: org.id)
            #expect(counts.kept == 2 && counts.rows == 2)

            // Both halves: the former holder's seat revoked (and what it granted), then the new one's.
            let revoked = try await ParityTests.events(server, "customer_seat.revoked")
            #expect(revoked.count == 1)
            #expect(revoked.first?["id"] == .string(seatId))
            #expect(revoked.first?["member"]?["email"] == "ann@example.com")
            #expect(revoked.first?["status"] == "revoked")
            let assigned = try await ParityTests.events(server, "customer_seat.assigned")
            #expect(assigned.last?["id"] == .string(seatId))
            #expect(assigned.last?["member"]?["email"] == "cy@example.com")
            let grants = try await BenefitGrantTests.grants(server, org, "&benefit_id=\(benefit)")
            #expect(grants.count == 1)
            #expect(grants.first?["is_revoked"] == true)

            // The new holder is invited and can claim; the history says who held it before and after.
            let token = try #require(try await server.deliverInvitations(to: "cy@example.com").first)
            server.clock.advance(by: 60)
            #expect(try await SeatSupport.claim(server, token).status == .ok)
            let history = try await SeatHistoryTests.events(server, org.token, "/v1/customer-seats/\(seatId)/events")
            #expect(SeatHistoryTests.types(history).prefix(3) == ["claimed", "invitation_sent", "transferred"])
            let transferred = try #require(history.first { $0["type"] == "transferred" })
            #expect(transferred["holder_before"]?["email"] == "ann@example.com")
            #expect(transferred["holder_after"]?["email"] == "cy@example.com")
            let live = try await BenefitGrantTests.grants(server, org, "&benefit_id=\(benefit)").filter { $0["is_revoked"] == false }
            #expect(live.count == 1)
            #expect(live.first?["member"]?["email"] == "cy@example.com")
        }
    }

    @Test(arguments: Backend.all)
    func aPendingSeatsOldLinkStopsAndTheOptionsOfAnAssignmentApply(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 2)
            let seat = try await server.assign(org, pool, ["email": "ann@example.com", "metadata": ["team": "red"]])
            let oldToken = try #require(try await server.deliverInvitations(to: "ann@example.com").first)

            let handed = try await Self.transfer(server, org, seat.id, ["email": "bo@example.com", "send_invitation": false])
            #expect(handed.status == .ok, "\(handed.json)")
            // Metadata not given is kept; the new link is handed back and no email goes.
            #expect(handed["seat_metadata"]?["team"] == "red")
            let newToken = try #require(handed["invitation_token"]?.stringValue)
            #expect(try await server.deliverInvitations(to: "bo@example.com").isEmpty)
            #expect(try await SeatSupport.claim(server, oldToken).status == .badRequest)

            // Handed on again, claimed at once.
            let claimed = try await Self.transfer(server, org, seat.id, ["email": "cy@example.com", "immediate_claim": true])
            #expect(claimed["status"] == "claimed")
            #expect(try await SeatSupport.claim(server, newToken).status == .badRequest)
        }
    }

    @Test(arguments: Backend.all)
    func whatCannotBeTransferredIsRefusedAndChangesNothing(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 3)
            let ann = try await server.assign(org, pool, ["email": "ann@example.com"])
            try await server.assign(org, pool, ["email": "bo@example.com"])
            let gone = try await server.assign(org, pool, ["email": "gone@example.com"])
            _ = try await server.request(.delete, "/v1/customer-seats/\(gone.id)", token: org.token)

            SeatSupport.expectError(try await Self.transfer(server, org, gone.id, ["email": "cy@example.com"]),
                                    .badRequest, "SeatNotActive",
                                    "Only a pending or claimed seat can be transferred; a revoked seat is free to assign.")
            SeatSupport.expectError(try await Self.transfer(server, org, ann.id, ["email": "bo@example.com"]),
                                    .badRequest, "SeatAlreadyAssigned", "Seat already assigned to customer bo@example.com")
            SeatSupport.expectError(try await Self.transfer(server, org, ann.id, ["email": "ann@example.com"]),
                                    .badRequest, "SeatAlreadyAssigned", "Seat already assigned to customer ann@example.com")
            SeatSupport.expectError(try await Self.transfer(server, org, UUID().wire, ["email": "cy@example.com"]),
                                    .notFound, "ResourceNotFound", "Seat not found")
            let other = try await server.makeOrganization()
            SeatSupport.expectError(try await Self.transfer(server, other, ann.id, ["email": "cy@example.com"]),
                                    .notFound, "ResourceNotFound", "Seat not found")
            SeatSupport.expectValidation(try await Self.transfer(server, org, ann.id, ["metadata": ["a": "b"]]),
                                         type: "value_error", loc: ["body"],
                                         msg: "Value error, At least one of email, external_customer_id, customer_id, external_member_id, or member_id must be provided")
            SeatSupport.expectValidation(try await Self.transfer(server, org, ann.id, ["email": "nope"]),
                                         type: "value_error", loc: ["body", "email"],
                                         msg: "value is not a valid email address: An email address must have an @-sign.")
            let reader = try await server.makeToken(organizationId: org.id, scopes: [.customerSeatsRead])
            let forbidden = try await server.request(.post, "/v1/customer-seats/\(ann.id)/transfer", token: reader,
                                                     json: ["email": "cy@example.com"])
            #expect(forbidden.status == .forbidden)

            let listed = try await server.list(org, pool)
            let holders = SeatSupport.array(listed["seats"]).compactMap { $0["member"]?["email"]?.stringValue }
            #expect(Set(holders) == ["ann@example.com", "bo@example.com"])
            #expect(try await server.deliverInvitations(to: "cy@example.com").isEmpty)
        }
    }
}
