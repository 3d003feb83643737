import Foundation
import Hummingbird
import Testing
import TesseraCore

/// `DELETE /v1/customer-seats/{seat_id}`.
@Suite struct SeatRevokeTests {
    @Test(arguments: Backend.all)
    func revokeEmptiesTheSeatButNamesTheFormerHolder(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 2)
            let (seat, token) = try await SeatSupport.invite(server, org, pool, email: "alice@example.com")
            try await SeatSupport.expectCountsInStep(server, pool, org, active: 1)
            server.clock.advance(by: 30)
            let revokedAt = server.clock.now

            let revoked = try await SeatSupport.revoke(server, org, seat.id)
            #expect(revoked.status == .ok, "\(revoked.json)")
            #expect(Set(revoked.json.objectValue?.keys.map { $0 } ?? []) == SeatSupport.seatKeys)
            #expect(revoked.id == seat.id)
            #expect(revoked["status"] == "revoked")
            SeatSupport.expectTime(revoked["revoked_at"], revokedAt)
            SeatSupport.expectTime(revoked["modified_at"], revokedAt)
            #expect(revoked["customer_id"] == .null)
            #expect(revoked["member_id"] == .null)
            #expect(revoked["email"] == .null)
            #expect(revoked["subscription_id"] == .string(pool.id))
            // The revoking call still says whom to cut off.
            #expect(revoked["member"]?["id"] == seat["member_id"])
            #expect(revoked["member"]?["email"] == "alice@example.com")
            #expect(revoked["customer_email"] == "alice@example.com")
            try await SeatSupport.expectCountsInStep(server, pool, org, active: 0)

            // Afterwards the seat no longer names anyone, and its invitation is dead.
            let listed = try #require(SeatSupport.array(try await server.list(org, pool)["seats"]).first)
            #expect(listed["status"] == "revoked")
            #expect(listed["member"] == .null)
            #expect(listed["customer_email"] == .null)
            #expect(listed["revoked_at"] == revoked["revoked_at"])
            #expect(try await SeatSupport.claimInfo(server, token).status == .notFound)
        }
    }

    @Test(arguments: Backend.all)
    func revokingTwiceChangesNothing(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 2)
            let seat = try await server.assign(org, pool, ["email": "alice@example.com", "immediate_claim": true])
            #expect(try await server.assign(org, pool, ["email": "bob@example.com"]).status == .ok)
            let first = try await SeatSupport.revoke(server, org, seat.id)
            #expect(first.status == .ok)
            try await SeatSupport.expectCountsInStep(server, pool, org, active: 1)

            server.clock.advance(by: 3600)
            let second = try await SeatSupport.revoke(server, org, seat.id)
            #expect(second.status == .ok, "\(second.json)")
            #expect(second["status"] == "revoked")
            #expect(second["revoked_at"] == first["revoked_at"])
            #expect(second["modified_at"] == first["modified_at"])
            #expect(second["claimed_at"] == first["claimed_at"])
            #expect(second["customer_id"] == .null)
            #expect(second["member_id"] == .null)

            // The pool's count was not decremented twice.
            let list = try await server.list(org, pool)
            #expect(list["available_seats"] == 1)
            try await SeatSupport.expectCountsInStep(server, pool, org, active: 1)
        }
    }

    @Test(arguments: Backend.all)
    func revokeFreesASeat(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 1)
            let (seat, token) = try await SeatSupport.invite(server, org, pool, email: "a@example.com")
            #expect(try await SeatSupport.claim(server, token).status == .ok)
            try await SeatSupport.expectCountsInStep(server, pool, org, active: 1)
            #expect(try await server.assign(org, pool, ["email": "b@example.com"]).errorName == "SeatNotAvailable")

            let revoked = try await SeatSupport.revoke(server, org, seat.id)
            #expect(revoked["status"] == "revoked", "a claimed seat can be revoked")
            #expect(revoked["claimed_at"] != .null)
            #expect(try await server.list(org, pool)["available_seats"] == 1)
            try await SeatSupport.expectCountsInStep(server, pool, org, active: 0)

            let next = try await server.assign(org, pool, ["email": "b@example.com"])
            #expect(next.status == .ok, "\(next.json)")
            #expect(next.id == seat.id)
            #expect(next["claimed_at"] == .null)
            #expect(try await server.list(org, pool)["available_seats"] == 0)
            try await SeatSupport.expectCountsInStep(server, pool, org, active: 1)

            // The former holder can be given a seat again.
            #expect(try await SeatSupport.revoke(server, org, next.id).status == .ok)
            let back = try await server.assign(org, pool, ["email": "a@example.com"])
            #expect(back.status == .ok, "\(back.json)")
            try await SeatSupport.expectCountsInStep(server, pool, org, active: 1)
        }
    }

    @Test(arguments: Backend.all)
    func revokeFindsOnlyTheCallersSeats(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let other = try await server.makeOrganization()
            let theirs = try await server.makeSubscription(other, seats: 1)
            let theirSeat = try await server.assign(other, theirs, ["email": "a@example.com"])

            SeatSupport.expectError(try await SeatSupport.revoke(server, org, theirSeat.id),
                                    .notFound, "ResourceNotFound", "Seat not found")
            SeatSupport.expectError(try await SeatSupport.revoke(server, org, UUID().wire),
                                    .notFound, "ResourceNotFound", "Seat not found")
            let listed = try #require(SeatSupport.array(try await server.list(other, theirs)["seats"]).first)
            #expect(listed["status"] == "pending", "the other organization's seat is untouched")
            try await SeatSupport.expectCountsInStep(server, theirs, other, active: 1)

            let notAnId = try await SeatSupport.revoke(server, org, "seat-1")
            let issue = SeatSupport.expectValidation(
                notAnId, type: "uuid_parsing", loc: ["path", "seat_id"], msg: "Input should be a valid UUID")
            #expect(issue?["input"] == "seat-1")
        }
    }

    @Test(arguments: Backend.all)
    func revokeIsForbiddenWhenTheFeatureIsOff(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 1)
            let seat = try await server.assign(org, pool, ["email": "a@example.com"])
            try await SeatSupport.setSeatFeature(server, org, enabled: false)
            SeatSupport.expectError(try await SeatSupport.revoke(server, org, seat.id), .forbidden, "FeatureNotEnabled",
                                    "Seat-based pricing is not enabled for this organization")
            try await SeatSupport.setSeatFeature(server, org, enabled: true)
            #expect(SeatSupport.array(try await server.list(org, pool)["seats"]).first?["status"] == "pending")
            try await SeatSupport.expectCountsInStep(server, pool, org, active: 1)
        }
    }
}
