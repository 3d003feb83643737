import Foundation
import Hummingbird
import Testing
import TesseraCore

/// `GET /v1/customer-seats/claim/{invitation_token}` and `POST /v1/customer-seats/claim`:
/// no authentication, single-use tokens that expire after 24 hours.
@Suite struct SeatClaimTests {
    // MARK: Claim info

    @Test(arguments: Backend.all)
    func claimInfoDescribesTheInvitationWithoutAuthentication(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 2)
            let (_, token) = try await SeatSupport.invite(server, org, pool, email: "alice@example.com")

            let info = try await SeatSupport.claimInfo(server, token)
            #expect(info.status == .ok, "\(info.json)")
            #expect(info.json == [
                "product_name": "Team plan",
                "product_id": .string(pool.productId),
                "organization_name": .string(org.name),
                "organization_slug": .string(org.slug),
                "customer_email": "alice@example.com",
                "can_claim": true,
            ])
        }
    }

    /// Claim info reads the seat and its pool's offer in one statement that joins both kinds
    /// of pool: each invitation names its own pool's product.
    @Test(arguments: Backend.all)
    func claimInfoNamesTheProductOfTheSeatsOwnPool(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let subscription = try await server.makeSubscription(org, seats: 2)
            let order = try await server.makeOrder(org, seats: 2)
            #expect(subscription.productId != order.productId)
            let (_, subscriptionToken) = try await SeatSupport.invite(server, org, subscription, email: "sub@example.com")
            let (_, orderToken) = try await SeatSupport.invite(server, org, order, email: "order@example.com")

            let fromOrder = try await SeatSupport.claimInfo(server, orderToken)
            #expect(fromOrder.status == .ok, "\(fromOrder.json)")
            #expect(fromOrder["product_id"] == .string(order.productId))
            #expect(fromOrder["customer_email"] == "order@example.com")
            #expect(fromOrder["organization_slug"] == .string(org.slug))

            let fromSubscription = try await SeatSupport.claimInfo(server, subscriptionToken)
            #expect(fromSubscription.status == .ok, "\(fromSubscription.json)")
            #expect(fromSubscription["product_id"] == .string(subscription.productId))
            #expect(fromSubscription["customer_email"] == "sub@example.com")
        }
    }

    @Test(arguments: Backend.all)
    func claimInfoHasNoSideEffects(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 2)
            let (seat, token) = try await SeatSupport.invite(server, org, pool, email: "alice@example.com")
            let listedBefore = try await server.list(org, pool)

            server.clock.advance(by: 60)
            let first = try await SeatSupport.claimInfo(server, token)
            let second = try await SeatSupport.claimInfo(server, token)
            #expect(first.status == .ok)
            #expect(second.status == .ok)
            #expect(first.json == second.json)

            let listedAfter = try await server.list(org, pool)
            #expect(listedAfter.json == listedBefore.json, "the seat is unchanged, still pending")
            #expect(SeatSupport.array(listedAfter["seats"]).first?["status"] == "pending")
            #expect(SeatSupport.array(listedAfter["seats"]).first?["id"] == .string(seat.id))
            #expect(try await SeatSupport.claim(server, token).status == .ok, "the token is still unspent")
        }
    }

    @Test(arguments: Backend.all)
    func claimInfoRefusesUnusableTokens(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 3)
            let (_, claimedToken) = try await SeatSupport.invite(server, org, pool, email: "claimed@example.com")
            #expect(try await SeatSupport.claim(server, claimedToken).status == .ok)
            let (revokedSeat, revokedToken) = try await SeatSupport.invite(server, org, pool, email: "revoked@example.com")
            #expect(try await SeatSupport.revoke(server, org, revokedSeat.id).status == .ok)
            let (_, expiringToken) = try await SeatSupport.invite(server, org, pool, email: "late@example.com")

            let unknown = SecretToken.generate(.invitation).value
            for (name, token) in [("unknown", unknown), ("claimed", claimedToken), ("revoked", revokedToken)] {
                let info = try await SeatSupport.claimInfo(server, token)
                #expect(info.status == .notFound, "\(name)")
                #expect(info.errorName == "ResourceNotFound", "\(name)")
                #expect(info.detail == "Invalid or expired invitation token", "\(name)")
            }

            server.clock.advance(by: 23 * 3600 + 59 * 60)
            #expect(try await SeatSupport.claimInfo(server, expiringToken).status == .ok, "still valid within 24 hours")
            server.clock.advance(by: 2 * 3600)
            SeatSupport.expectError(try await SeatSupport.claimInfo(server, expiringToken),
                                    .notFound, "ResourceNotFound", "Invalid or expired invitation token")
        }
    }

    // MARK: Claim

    @Test(arguments: Backend.all)
    func claimGivesTheSeatAndACustomerSession(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 2)
            let (seat, token) = try await SeatSupport.invite(server, org, pool, email: "alice@example.com")
            server.clock.advance(by: 600)
            let claimedAt = server.clock.now

            let claim = try await SeatSupport.claim(server, token)
            #expect(claim.status == .ok, "\(claim.json)")
            #expect(Set(claim.json.objectValue?.keys.map { $0 } ?? []) == ["seat", "customer_session_token"])
            let claimed = try #require(claim["seat"])
            #expect(Set(claimed.objectValue?.keys.map { $0 } ?? []) == SeatSupport.seatKeys)
            #expect(claimed["id"] == .string(seat.id))
            #expect(claimed["status"] == "claimed")
            SeatSupport.expectTime(claimed["claimed_at"], claimedAt)
            #expect(claimed["customer_id"] == seat["customer_id"])
            #expect(claimed["member_id"] == seat["member_id"])
            #expect(claimed["customer_email"] == "alice@example.com")
            #expect(claimed["member"]?["email"] == "alice@example.com")
            #expect(claimed["revoked_at"] == .null)
            #expect(!claim.json.serialized().contains(token))
            let session = try #require(claim["customer_session_token"]?.stringValue)
            // A member session, as on Polar: the claimer is signed in as themselves, a member of
            // the billing customer, not as the billing customer.
            #expect(session.hasPrefix("tsr_mst_"), "\(session)")
            let signedIn = try await server.request(.get, "/v1/customer-portal/seats?subscription_id=\(pool.id)",
                                                    token: session)
            #expect(signedIn.status == .ok, "\(signedIn.json)")
            let changes = try await server.request(.post, "/v1/customer-portal/seats", token: session,
                                                   json: ["subscription_id": .string(pool.id), "email": "x@example.com"])
            #expect(changes.status == .forbidden, "a plain member may not hand out seats: \(changes.json)")

            let listed = try #require(SeatSupport.array(try await server.list(org, pool)["seats"]).first)
            #expect(listed["status"] == "claimed")
            #expect(listed["claimed_at"] == claimed["claimed_at"])
            #expect(try await server.list(org, pool)["available_seats"] == 1)
            try await SeatSupport.expectCountsInStep(server, pool, org, active: 1)

            // The session is a real token, but for the customer portal, not for merchant routes.
            let merchantRoute = try await server.request(
                .get, "/v1/customer-seats?subscription_id=\(pool.id)", token: session)
            #expect(merchantRoute.status == .unauthorized)
            #expect(merchantRoute.json == ["error": "Unauthorized", "detail": "Unauthorized"])
            #expect(merchantRoute.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)

            // It lasts an hour.
            server.clock.advance(by: 3601)
            let expired = try await server.request(.get, "/v1/customer-seats?subscription_id=\(pool.id)", token: session)
            #expect(expired.status == .unauthorized)
            #expect(expired.errorName == "invalid_token")
        }
    }

    @Test(arguments: Backend.all)
    func aTokenClaimsOnce(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 2)
            let (_, token) = try await SeatSupport.invite(server, org, pool, email: "alice@example.com")
            let first = try await SeatSupport.claim(server, token)
            #expect(first.status == .ok)

            let second = try await SeatSupport.claim(server, token)
            SeatSupport.expectError(second, .badRequest, "InvalidInvitationToken", "Invalid or expired invitation token")
            let listed = try #require(SeatSupport.array(try await server.list(org, pool)["seats"]).first)
            #expect(listed["claimed_at"] == first["seat"]?["claimed_at"], "the second attempt changed nothing")
            try await SeatSupport.expectCountsInStep(server, pool, org, active: 1)
        }
    }

    @Test(arguments: Backend.all)
    func claimRefusesUnusableTokens(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 2)
            let (_, expiringToken) = try await SeatSupport.invite(server, org, pool, email: "late@example.com")
            server.clock.advance(by: 1)
            let (revokedSeat, revokedToken) = try await SeatSupport.invite(server, org, pool, email: "revoked@example.com")
            #expect(try await SeatSupport.revoke(server, org, revokedSeat.id).status == .ok)

            SeatSupport.expectError(try await SeatSupport.claim(server, revokedToken),
                                    .badRequest, "InvalidInvitationToken", "Invalid or expired invitation token")
            SeatSupport.expectError(try await SeatSupport.claim(server, SecretToken.generate(.invitation).value),
                                    .badRequest, "InvalidInvitationToken", "Invalid or expired invitation token")
            SeatSupport.expectError(try await SeatSupport.claim(server, ""),
                                    .badRequest, "InvalidInvitationToken", "Invalid or expired invitation token")

            server.clock.advance(by: 25 * 3600)
            SeatSupport.expectError(try await SeatSupport.claim(server, expiringToken),
                                    .badRequest, "InvalidInvitationToken", "Invalid or expired invitation token")
            let statuses = SeatSupport.array(try await server.list(org, pool)["seats"]).map { $0["status"] }
            #expect(statuses == ["pending", "revoked"], "nothing was claimed")
            try await SeatSupport.expectCountsInStep(server, pool, org, active: 1)
        }
    }

    @Test(arguments: Backend.all)
    func claimNeedsAnInvitationToken(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let missing = try await server.request(.post, "/v1/customer-seats/claim", json: [:])
            SeatSupport.expectValidation(missing, type: "missing", loc: ["body", "invitation_token"], msg: "Field required")
            let wrongType = try await server.request(.post, "/v1/customer-seats/claim", json: ["invitation_token": 7])
            SeatSupport.expectValidation(wrongType, type: "string_type", loc: ["body", "invitation_token"],
                                         msg: "Input should be a valid string")
        }
    }

    @Test(arguments: Backend.all)
    func claimRoutesAreForbiddenWhenTheFeatureIsOff(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 1)
            let (_, token) = try await SeatSupport.invite(server, org, pool, email: "a@example.com")
            try await SeatSupport.setSeatFeature(server, org, enabled: false)

            let detail = "Seat-based pricing is not enabled for this organization"
            SeatSupport.expectError(try await SeatSupport.claimInfo(server, token), .forbidden, "FeatureNotEnabled", detail)
            SeatSupport.expectError(try await SeatSupport.claim(server, token), .forbidden, "FeatureNotEnabled", detail)

            try await SeatSupport.setSeatFeature(server, org, enabled: true)
            #expect(try await SeatSupport.claim(server, token).status == .ok, "the refused claim spent nothing")
            try await SeatSupport.expectCountsInStep(server, pool, org, active: 1)
        }
    }
}
