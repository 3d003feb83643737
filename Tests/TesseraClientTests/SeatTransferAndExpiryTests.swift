import Foundation
import Testing
import TesseraClient
import TesseraServer

/// Handing a seat to another person through the SDK (Tessera).
@Suite struct SeatTransferSDKTests {
    @Test func aSeatChangesHandsAndKeepsItsId() async throws {
        try await LiveTessera.run { server in
            let (_, client) = try await server.makeOrganization()
            let subscription = try await makeTeamPlan(client, seats: 2)
            let seat = try await client.customerSeats.assignSeat(SeatAssign(
                subscriptionId: subscription.id, email: "ada@bigco.example", metadata: ["team": "red"],
                immediateClaim: true))

            // To Bo by email: the same seat, pending, Bo invited, the metadata kept.
            let moved = try await client.customerSeats.transfer(seatId: seat.id, to: SeatRecipient(email: "bo@bigco.example"))
            #expect(moved.id == seat.id && moved.subscriptionId == subscription.id)
            #expect(moved.status == .pending)
            #expect(moved.customerEmail == "bo@bigco.example")
            #expect(moved.seatMetadata == ["team": "red"])
            #expect(try await server.deliverInvitations(to: "bo@bigco.example").count == 1)
            let list = try await client.customerSeats.listSeats(subscriptionId: subscription.id)
            #expect(list.availableSeats == 1)
            #expect(list.seats.map(\.customerEmail) == ["bo@bigco.example"])
            let history = try await client.customerSeats.history(seatId: seat.id)
            let transferred = try #require(history.items.first { $0.type == .transferred })
            #expect(transferred.holderBefore?.email == "ada@bigco.example")
            #expect(transferred.holderAfter?.email == "bo@bigco.example")

            // To Cy with no email and new metadata: the link comes back; then to Dee, claimed at once.
            let handed = try await client.customerSeats.transfer(seatId: seat.id, to: SeatRecipient(
                email: "cy@bigco.example", metadata: ["team": "blue"], sendInvitation: false))
            #expect(handed.invitationUrl != nil && handed.invitationToken != nil)
            #expect(handed.seatMetadata == ["team": "blue"])
            #expect(try await server.deliverInvitations(to: "cy@bigco.example").isEmpty)
            let claimed = try await client.customerSeats.transfer(seatId: seat.id, to: SeatRecipient(
                email: "dee@bigco.example", externalMemberId: "user-dee", immediateClaim: true))
            #expect(claimed.status == .claimed && claimed.id == seat.id)

            // Refusals: someone who already holds a seat of the pool, a revoked seat, no such seat.
            _ = try await client.customerSeats.assignSeat(SeatAssign(subscriptionId: subscription.id, email: "eve@bigco.example"))
            let taken = await #expect(throws: APIError.self) {
                try await client.customerSeats.transfer(seatId: seat.id, to: SeatRecipient(email: "eve@bigco.example"))
            }
            #expect(taken?.statusCode == 400 && taken?.error == "SeatAlreadyAssigned")
            _ = try await client.customerSeats.revokeSeat(seatId: seat.id)
            let revoked = await #expect(throws: APIError.self) {
                try await client.customerSeats.transfer(seatId: seat.id, to: SeatRecipient(email: "fay@bigco.example"))
            }
            #expect(revoked?.statusCode == 400 && revoked?.error == "SeatNotActive")
            let missing = await #expect(throws: APIError.self) {
                try await client.customerSeats.transfer(seatId: UUID().uuidString.lowercased(),
                                                        to: SeatRecipient(email: "fay@bigco.example"))
            }
            #expect(missing?.statusCode == 404)
        }
    }
}

/// Seat expiry through the SDK (Tessera): sent on assign, bulk rows and transfer, read back only
/// on seats that have one.
@Suite struct SeatExpirySDKTests {
    @Test func anExpiryGoesWithEveryWayOfGivingASeat() async throws {
        try await LiveTessera.run { server in
            let (_, client) = try await server.makeOrganization()
            let subscription = try await makeTeamPlan(client, seats: 5)
            let inAWeek = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 + 7 * 86_400).rounded())
            let inAMonth = inAWeek.addingTimeInterval(23 * 86_400)

            let plain = try await client.customerSeats.assignSeat(SeatAssign(subscriptionId: subscription.id,
                                                                             email: "ada@bigco.example"))
            #expect(plain.expiresAt == nil)
            let expiring = try await client.customerSeats.assignSeat(SeatAssign(
                subscriptionId: subscription.id, email: "bo@bigco.example", expiresAt: inAWeek))
            #expect(expiring.expiresAt == inAWeek)
            let listed = try await client.customerSeats.listSeats(subscriptionId: subscription.id)
            #expect(listed.seats.first { $0.id == expiring.id }?.expiresAt == inAWeek)
            #expect(listed.seats.first { $0.id == plain.id }?.expiresAt == nil)

            let bulk = try await client.customerSeats.assignMany(subscriptionId: subscription.id, recipients: [
                SeatRecipient(email: "cy@bigco.example", expiresAt: inAMonth), SeatRecipient(email: "dee@bigco.example"),
            ])
            #expect(bulk.results.map { $0.seat?.expiresAt } == [inAMonth, nil])

            let moved = try await client.customerSeats.transfer(
                seatId: plain.id, to: SeatRecipient(email: "eve@bigco.example", expiresAt: inAMonth))
            #expect(moved.expiresAt == inAMonth)

            let past = await #expect(throws: HTTPValidationError.self) {
                try await client.customerSeats.assignSeat(SeatAssign(
                    subscriptionId: subscription.id, email: "fay@bigco.example", expiresAt: Date(timeIntervalSinceNow: -60)))
            }
            #expect(past?.detail.first?.path == ["body", "expires_at"])

            // When the week has passed, the server revokes the seat, and its history says why.
            let expiries = SeatExpiries(database: server.database, now: { inAWeek.addingTimeInterval(1) })
            #expect(try await expiries.expireDue() == 1)
            let after = try await client.customerSeats.listSeats(subscriptionId: subscription.id)
            #expect(after.seats.first { $0.id == expiring.id }?.status == .revoked)
            let history = try await client.customerSeats.history(seatId: expiring.id, limit: 1)
            #expect(history.items.first?.type == .expired)
            #expect(history.items.first?.actor.type == .system)
        }
    }
}
