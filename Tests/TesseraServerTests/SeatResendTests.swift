import Foundation
import Hummingbird
import Testing
import TesseraCore

/// `POST /v1/customer-seats/{seat_id}/resend`: a fresh token and a fresh 24 hours (a deliberate
/// improvement over Polar); the previous link stops working.
@Suite struct SeatResendTests {
    @Test(arguments: Backend.all)
    func resendIssuesAFreshTokenAndTheOldOneStops(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 2)
            let (seat, oldToken) = try await SeatSupport.invite(server, org, pool, email: "alice@example.com")
            server.clock.advance(by: 2 * 3600)
            let resentAt = server.clock.now

            let resent = try await SeatSupport.resend(server, org, seat.id)
            #expect(resent.status == .ok, "\(resent.json)")
            #expect(Set(resent.json.objectValue?.keys.map { $0 } ?? []) == SeatSupport.seatKeys)
            #expect(resent.id == seat.id)
            #expect(resent["status"] == "pending")
            #expect(resent["customer_email"] == "alice@example.com")
            #expect(resent["member"]?["email"] == "alice@example.com")
            SeatSupport.expectTime(resent["invitation_token_expires_at"], resentAt.addingTimeInterval(24 * 3600))
            let before = try #require(SeatSupport.date(seat["invitation_token_expires_at"]))
            let after = try #require(SeatSupport.date(resent["invitation_token_expires_at"]))
            #expect(after.timeIntervalSince(before) > 2 * 3600 - 1, "the expiry moved forward")
            try await SeatSupport.expectCountsInStep(server, pool, org, active: 1)

            let tokens = try await server.deliverInvitations(to: "alice@example.com")
            #expect(tokens.count == 2, "a second email went out")
            let newToken = try #require(tokens.last)
            #expect(newToken != oldToken)
            #expect(!resent.json.serialized().contains(newToken))
            #expect(server.mail.messages.last?.subject == "You've been invited to access Team plan")

            SeatSupport.expectError(try await SeatSupport.claimInfo(server, oldToken),
                                    .notFound, "ResourceNotFound", "Invalid or expired invitation token")
            SeatSupport.expectError(try await SeatSupport.claim(server, oldToken),
                                    .badRequest, "InvalidInvitationToken", "Invalid or expired invitation token")

            #expect(try await SeatSupport.claimInfo(server, newToken).status == .ok)
            let claim = try await SeatSupport.claim(server, newToken)
            #expect(claim.status == .ok, "\(claim.json)")
            #expect(claim["seat"]?["id"] == .string(seat.id))
            try await SeatSupport.expectCountsInStep(server, pool, org, active: 1)
        }
    }

    @Test(arguments: Backend.all)
    func resendRevivesAnExpiredInvitation(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 1)
            let (seat, oldToken) = try await SeatSupport.invite(server, org, pool, email: "late@example.com")
            server.clock.advance(by: 25 * 3600)
            #expect(try await SeatSupport.claimInfo(server, oldToken).status == .notFound)

            let resent = try await SeatSupport.resend(server, org, seat.id)
            #expect(resent.status == .ok, "\(resent.json)")
            let newToken = try #require(try await server.deliverInvitations(to: "late@example.com").last)
            server.clock.advance(by: 23 * 3600)
            #expect(try await SeatSupport.claimInfo(server, newToken).status == .ok, "a fresh 24 hours")
            #expect(try await SeatSupport.claim(server, newToken).status == .ok)
            #expect(try await SeatSupport.claim(server, oldToken).status == .badRequest)
        }
    }

    @Test(arguments: Backend.all)
    func onlyPendingSeatsCanBeResent(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 3)
            let immediate = try await server.assign(org, pool, ["email": "a@example.com", "immediate_claim": true])
            let (invited, token) = try await SeatSupport.invite(server, org, pool, email: "b@example.com")
            #expect(try await SeatSupport.claim(server, token).status == .ok)
            let (toRevoke, _) = try await SeatSupport.invite(server, org, pool, email: "c@example.com")
            #expect(try await SeatSupport.revoke(server, org, toRevoke.id).status == .ok)
            let sentBefore = server.mail.messages.count
            let queuedBefore = try await SeatSupport.outbox(server).count

            for seatId in [immediate.id, invited.id, toRevoke.id] {
                SeatSupport.expectError(try await SeatSupport.resend(server, org, seatId),
                                        .badRequest, "SeatNotPending", "Seat is not in pending status")
            }
            #expect(try await SeatSupport.outbox(server).count == queuedBefore, "no email is enqueued")
            try await server.worker.deliverDue()
            #expect(server.mail.messages.count == sentBefore)
            let statuses = SeatSupport.array(try await server.list(org, pool)["seats"]).map { $0["status"] }
            #expect(statuses.sorted { ($0?.stringValue ?? "") < ($1?.stringValue ?? "") } == ["claimed", "claimed", "revoked"])
            try await SeatSupport.expectCountsInStep(server, pool, org, active: 2)
        }
    }

    @Test(arguments: Backend.all)
    func resendFindsOnlyTheCallersSeats(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let other = try await server.makeOrganization()
            let theirs = try await server.makeSubscription(other, seats: 1)
            let (theirSeat, theirToken) = try await SeatSupport.invite(server, other, theirs, email: "a@example.com")

            SeatSupport.expectError(try await SeatSupport.resend(server, org, theirSeat.id),
                                    .notFound, "ResourceNotFound", "Seat not found")
            SeatSupport.expectError(try await SeatSupport.resend(server, org, UUID().wire),
                                    .notFound, "ResourceNotFound", "Seat not found")
            #expect(try await server.deliverInvitations(to: "a@example.com").count == 1, "no email went out")
            #expect(try await SeatSupport.claimInfo(server, theirToken).status == .ok, "their link still works")

            let notAnId = try await SeatSupport.resend(server, org, "seat-1")
            SeatSupport.expectValidation(notAnId, type: "uuid_parsing", loc: ["path", "seat_id"],
                                         msg: "Input should be a valid UUID")
        }
    }

    @Test(arguments: Backend.all)
    func resendIsForbiddenWhenTheFeatureIsOff(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 1)
            let (seat, token) = try await SeatSupport.invite(server, org, pool, email: "a@example.com")
            try await SeatSupport.setSeatFeature(server, org, enabled: false)
            SeatSupport.expectError(try await SeatSupport.resend(server, org, seat.id), .forbidden, "FeatureNotEnabled",
                                    "Seat-based pricing is not enabled for this organization")
            try await SeatSupport.setSeatFeature(server, org, enabled: true)
            #expect(try await SeatSupport.claimInfo(server, token).status == .ok, "the refused resend changed nothing")
        }
    }
}
