import Foundation
import Testing
import TesseraClient

/// The six seat operations through the SDK, over HTTP, against a live Tessera server.
@Suite struct SeatWorkflowTests {
    @Test func fromAnEmptyServerToAClaimedSeatAndBack() async throws {
        try await LiveTessera.run { server in
            let (_, client) = try await server.makeOrganization()
            let customer = try await client.customers.create(CustomerCreate(email: "billing@bigco.example"))
            let product = try await client.products.create(seatProduct())
            let subscription = try await client.subscriptions.create(
                SubscriptionCreate(productId: product.id, customerId: customer.id, seats: 3))
            #expect(subscription.seats == 3)
            #expect(subscription.status == .active)

            // Assign.
            let seat = try await client.customerSeats.assignSeat(SeatAssign(
                subscriptionId: subscription.id, email: "ada@bigco.example", metadata: ["team": "eng", "level": 3]))
            #expect(seat.status == .pending)
            #expect(seat.subscriptionId == subscription.id)
            #expect(seat.orderId == nil)
            #expect(seat.customerEmail == "ada@bigco.example")
            #expect(seat.seatMetadata == ["team": "eng", "level": 3])
            #expect(seat.invitationTokenExpiresAt != nil)
            #expect(seat.member?.email == "ada@bigco.example")

            // List.
            let listed = try await client.customerSeats.listSeats(subscriptionId: subscription.id)
            #expect(listed.totalSeats == 3)
            #expect(listed.availableSeats == 2)
            #expect(listed.seats.map(\.id) == [seat.id])

            // Claim info and claim, with no token at all.
            let token = try #require(try await server.deliverInvitations(to: "ada@bigco.example").last)
            let anonymous = server.client()
            let info = try await anonymous.customerSeats.getClaimInfo(invitationToken: token)
            #expect(info.productName == "Team plan")
            #expect(info.productId == product.id)
            #expect(info.organizationName == "Acme")
            #expect(info.customerEmail == "ada@bigco.example")
            #expect(info.canClaim)
            let claimed = try await anonymous.customerSeats.claimSeat(SeatClaim(invitationToken: token))
            #expect(claimed.seat.id == seat.id)
            #expect(claimed.seat.status == .claimed)
            #expect(claimed.seat.claimedAt != nil)
            #expect(claimed.customerSessionToken.hasPrefix("tsr_mst_"))

            // Resend, on another seat: a fresh link, and the old one stops working.
            let second = try await client.customerSeats.assignSeat(
                SeatAssign(subscriptionId: subscription.id, email: "bo@bigco.example"))
            let firstLink = try #require(try await server.deliverInvitations(to: "bo@bigco.example").last)
            let resent = try await client.customerSeats.resendInvitation(seatId: second.id)
            #expect(resent.id == second.id)
            #expect(resent.status == .pending)
            let links = try await server.deliverInvitations(to: "bo@bigco.example")
            #expect(links.count == 2)
            #expect(links.last != firstLink)
            await #expect(throws: APIError.self) {
                try await anonymous.customerSeats.getClaimInfo(invitationToken: firstLink)
            }
            let secondLink = try #require(links.last)
            #expect(try await anonymous.customerSeats.getClaimInfo(invitationToken: secondLink).customerEmail
                == "bo@bigco.example")

            // Revoke, twice: the same revoked seat both times.
            let revoked = try await client.customerSeats.revokeSeat(seatId: seat.id)
            #expect(revoked.status == .revoked)
            #expect(revoked.revokedAt != nil)
            let again = try await client.customerSeats.revokeSeat(seatId: seat.id)
            #expect(again.status == .revoked)
            #expect(again.revokedAt == revoked.revokedAt)

            let after = try await client.customerSeats.listSeats(subscriptionId: subscription.id)
            #expect(after.availableSeats == 2)
            #expect(Set(after.seats.map(\.status)) == [.revoked, .pending])
        }
    }

    @Test func anOrdersSeatsByCustomerAndImmediateClaim() async throws {
        try await LiveTessera.run { server in
            let (_, client) = try await server.makeOrganization()
            let buyer = try await client.customers.create(CustomerCreate(email: "billing@bigco.example"))
            let holder = try await client.customers.create(
                CustomerCreate(email: "cy@bigco.example", externalId: "user-cy"))
            let product = try await client.products.create(seatProduct(recurring: false))
            #expect(product.recurringInterval == nil)
            let order = try await client.orders.create(
                OrderCreate(productId: product.id, customerId: buyer.id, seats: 2, status: .pending))
            #expect(order.status == .pending)
            #expect(!order.paid)

            let unpaid = await #expect(throws: APIError.self) {
                try await client.customerSeats.assignSeat(SeatAssign(orderId: order.id, customerId: holder.id))
            }
            #expect(unpaid?.statusCode == 400)
            #expect(unpaid?.error == "SeatNotAvailable")

            let paid = try await client.orders.markPaid(id: order.id)
            #expect(paid.status == .paid)
            #expect(try await client.orders.markPaid(id: order.id).status == .paid, "marking it paid again is harmless")

            let seat = try await client.customerSeats.assignSeat(
                SeatAssign(orderId: order.id, externalCustomerId: "user-cy", immediateClaim: true))
            #expect(seat.status == .claimed)
            #expect(seat.orderId == order.id)

            let listed = try await client.customerSeats.listSeats(orderId: order.id)
            #expect(listed.totalSeats == 2)
            #expect(listed.availableSeats == 1)

            #expect(try await client.orders.get(id: order.id).seats == 2)
            let orders = try await client.orders.list(customerId: buyer.id)
            #expect(orders.items.map(\.id) == [order.id])
            #expect(orders.pagination.totalCount == 1)
        }
    }
}

/// Merchant-managed invitations through the SDK: the link comes back once and claims the seat.
@Suite struct HandedInvitationSDKTests {
    @Test func aSeatAssignedWithoutEmailComesBackWithItsLink() async throws {
        try await LiveTessera.run { server in
            let (_, client) = try await server.makeOrganization()
            let subscription = try await makeTeamPlan(client, seats: 2)
            let seat = try await client.customerSeats.assignSeat(SeatAssign(
                subscriptionId: subscription.id, email: "ada@bigco.example", sendInvitation: false))
            let token = try #require(seat.invitationToken)
            #expect(seat.invitationUrl?.hasSuffix("/portal/claim?token=\(token)") == true)
            #expect(try await server.deliverInvitations(to: "ada@bigco.example").isEmpty)

            let resent = try await client.customerSeats.resendInvitation(seatId: seat.id, sendInvitation: false)
            let fresh = try #require(resent.invitationToken)
            #expect(fresh != token)
            let claimed = try await server.client().customerSeats.claimSeat(SeatClaim(invitationToken: fresh))
            #expect(claimed.seat.status == .claimed)
            // Emailed as usual when not asked otherwise: nothing handed back.
            let emailed = try await client.customerSeats.assignSeat(SeatAssign(
                subscriptionId: subscription.id, email: "bo@bigco.example"))
            #expect(emailed.invitationToken == nil && emailed.invitationUrl == nil)
            #expect(try await server.deliverInvitations(to: "bo@bigco.example").count == 1)
        }
    }
}

/// Seat history through the SDK: a seat's page and a pool's, paged with the cursor.
@Suite struct SeatHistorySDKTests {
    @Test func aSeatsHistoryReadsBackNewestFirstAndPages() async throws {
        try await LiveTessera.run { server in
            let (_, client) = try await server.makeOrganization()
            let subscription = try await makeTeamPlan(client, seats: 2)
            let seat = try await client.customerSeats.assignSeat(SeatAssign(
                subscriptionId: subscription.id, email: "ada@bigco.example", immediateClaim: true))
            // Separate transactions a moment apart, so newest-first has one answer.
            try await Task.sleep(for: .milliseconds(5))
            _ = try await client.customerSeats.revokeSeat(seatId: seat.id)

            let history = try await client.customerSeats.history(seatId: seat.id)
            #expect(history.items.map(\.type) == [.revoked, .claimed, .assigned])
            #expect(history.items.first?.actor.type == .organizationAccessToken)
            #expect(history.items.first?.holderBefore?.email == "ada@bigco.example")
            #expect(history.items.first?.holderAfter == nil)
            #expect(history.nextCursor == nil)

            let first = try await client.customerSeats.poolHistory(subscriptionId: subscription.id, limit: 2)
            let cursor = try #require(first.nextCursor)
            let rest = try await client.customerSeats.poolHistory(subscriptionId: subscription.id, limit: 2, cursor: cursor)
            #expect((first.items + rest.items).map(\.id) == history.items.map(\.id))
            #expect(rest.nextCursor == nil)
        }
    }
}

/// The seat list's filters and pages through the SDK.
@Suite struct SeatListPagingSDKTests {
    @Test func aPoolPagesByStatusAndCursor() async throws {
        try await LiveTessera.run { server in
            let (_, client) = try await server.makeOrganization()
            let subscription = try await makeTeamPlan(client, seats: 5)
            for email in ["ada@bigco.example", "bea@bigco.example", "cal@bigco.example"] {
                _ = try await client.customerSeats.assignSeat(SeatAssign(
                    subscriptionId: subscription.id, email: email, immediateClaim: email != "bea@bigco.example"))
            }
            let whole = try await client.customerSeats.listSeats(subscriptionId: subscription.id)
            #expect(whole.seats.count == 3 && whole.nextCursor == nil)
            let first = try await client.customerSeats.listSeats(subscriptionId: subscription.id, status: .claimed, limit: 1)
            let cursor = try #require(first.nextCursor)
            let second = try await client.customerSeats.listSeats(subscriptionId: subscription.id, status: .claimed,
                                                                  limit: 1, cursor: cursor)
            #expect(Set((first.seats + second.seats).map(\.id)).count == 2)
            #expect((first.seats + second.seats).allSatisfy { $0.status == .claimed })
            #expect(second.nextCursor == nil)
            let byEmail = try await client.customerSeats.listSeats(subscriptionId: subscription.id, email: "BE")
            #expect(byEmail.seats.map(\.customerEmail) == ["bea@bigco.example"])
        }
    }
}
