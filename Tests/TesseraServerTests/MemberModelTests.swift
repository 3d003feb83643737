import Foundation
import Hummingbird
import Testing
import TesseraCore

/// Seat operations in an organization with the member model on: seats belong to members of
/// the billing customer, and the seat's `customer_id` is the billing customer.
@Suite struct MemberModelTests {
    @Test(arguments: Backend.all)
    func assignByEmailCreatesAMemberUnderTheBillingCustomer(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization(memberModel: true)
            let pool = try await server.makeSubscription(org, seats: 3)

            let seat = try await server.assign(org, pool, ["email": "Mia@Example.com"])
            #expect(seat.status == .ok, "\(seat.json)")
            #expect(Set(seat.json.objectValue?.keys.map { $0 } ?? []) == SeatSupport.seatKeys)
            #expect(seat["status"] == "pending")
            #expect(seat["email"] == "Mia@Example.com", "the member's email, as written")
            #expect(seat["customer_id"] == .string(pool.customerId), "the billing customer")
            #expect(seat["member"]?["email"] == "Mia@Example.com")
            #expect(seat["member"]?["customer_id"] == .string(pool.customerId))
            #expect(seat["member"]?["role"] == "member")
            #expect(seat["member"]?["id"] == seat["member_id"])
            try await SeatSupport.expectCountsInStep(server, pool, org, active: 1)

            let members = try await server.request(.get, "/v1/members/?customer_id=\(pool.customerId)", token: org.token)
            #expect(members.status == .ok)
            let member = try #require(SeatSupport.array(members["items"]).first { $0["email"] == "Mia@Example.com" })
            #expect(member["id"] == seat["member_id"])
            let customers = try await server.request(.get, "/v1/customers/?email=mia@example.com", token: org.token)
            #expect(customers["pagination"]?["total_count"] == 0, "no customer is made for a member")

            // The invitation goes to the member, and claim info names them.
            let token = try #require(try await server.deliverInvitations(to: "Mia@Example.com").last)
            #expect(server.mail.messages.last?.text.contains(pool.customerEmail) == true, "the billing customer invited")
            #expect(try await SeatSupport.claimInfo(server, token)["customer_email"] == "Mia@Example.com")

            // The same member (any case) cannot take a second seat; the member is not duplicated.
            let again = try await server.assign(org, pool, ["email": "mia@example.COM"])
            #expect(again.status == .badRequest)
            #expect(again.errorName == "SeatAlreadyAssigned")
            let stillOne = try await server.request(.get, "/v1/members/?customer_id=\(pool.customerId)", token: org.token)
            #expect(SeatSupport.array(stillOne["items"]).filter { $0["email"]?.stringValue?.lowercased() == "mia@example.com" }
                .count == 1)
            try await SeatSupport.expectCountsInStep(server, pool, org, active: 1)
        }
    }

    @Test(arguments: Backend.all)
    func claimGivesAMemberSession(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization(memberModel: true)
            let pool = try await server.makeSubscription(org, seats: 2)
            let (seat, token) = try await SeatSupport.invite(server, org, pool, email: "mia@example.com")

            let claim = try await SeatSupport.claim(server, token)
            #expect(claim.status == .ok, "\(claim.json)")
            #expect(claim["seat"]?["status"] == "claimed")
            #expect(claim["seat"]?["member_id"] == seat["member_id"])
            #expect(claim["seat"]?["email"] == "mia@example.com")
            let session = try #require(claim["customer_session_token"]?.stringValue)
            #expect(session.hasPrefix("tsr_mst_"), "\(session)")
            try await SeatSupport.expectCountsInStep(server, pool, org, active: 1)

            let merchantRoute = try await server.request(
                .get, "/v1/customer-seats?subscription_id=\(pool.id)", token: session)
            #expect(merchantRoute.status == .unauthorized)
            #expect(merchantRoute.json == ["error": "Unauthorized", "detail": "Unauthorized"])
        }
    }

    @Test(arguments: Backend.all)
    func unknownCustomersAreAnInvalidRequest(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization(memberModel: true)
            let pool = try await server.makeSubscription(org, seats: 2)
            let detail = "Customer not found for the provided customer_id or external_customer_id."

            SeatSupport.expectError(try await server.assign(org, pool, ["customer_id": .string(UUID().wire)]),
                                    .badRequest, "InvalidSeatAssignmentRequest", detail)
            SeatSupport.expectError(try await server.assign(org, pool, ["external_customer_id": "nobody"]),
                                    .badRequest, "InvalidSeatAssignmentRequest", detail)
            #expect(SeatSupport.array(try await server.list(org, pool)["seats"]).isEmpty)
            try await SeatSupport.expectCountsInStep(server, pool, org, active: 0)
        }
    }

    @Test(arguments: Backend.all)
    func membersAreFoundByIdOnlyUnderTheBillingCustomer(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization(memberModel: true)
            let pool = try await server.makeSubscription(org, seats: 3)
            let own = try await server.request(.post, "/v1/customers/\(pool.customerId)/members", token: org.token, json: [
                "email": "own@example.com", "name": "Own Member",
            ])
            try #require(own.status == .created, "\(own.json)")
            let otherCustomer = try await server.makeCustomer(org)
            let foreign = try await server.request(.post, "/v1/customers/\(otherCustomer.id)/members", token: org.token,
                                                   json: ["email": "foreign@example.com"])
            try #require(foreign.status == .created, "\(foreign.json)")

            let missing = UUID().wire
            SeatSupport.expectError(try await server.assign(org, pool, ["member_id": .string(missing)]),
                                    .notFound, "MemberNotFound", "Member not found: \(missing)")
            SeatSupport.expectError(try await server.assign(org, pool, ["member_id": .string(foreign.id)]),
                                    .notFound, "MemberNotFound", "Member not found: \(foreign.id)")
            try await SeatSupport.expectCountsInStep(server, pool, org, active: 0)

            let seat = try await server.assign(org, pool, ["member_id": .string(own.id)])
            #expect(seat.status == .ok, "\(seat.json)")
            #expect(seat["member_id"] == .string(own.id))
            #expect(seat["email"] == "own@example.com")
            #expect(seat["customer_id"] == .string(pool.customerId))
            #expect(seat["member"]?["name"] == "Own Member")
            #expect(try await server.deliverInvitations(to: "own@example.com").count == 1)
            try await SeatSupport.expectCountsInStep(server, pool, org, active: 1)

            let twice = try await server.assign(org, pool, ["member_id": .string(own.id)])
            #expect(twice.errorName == "SeatAlreadyAssigned")
            try await SeatSupport.expectCountsInStep(server, pool, org, active: 1)
        }
    }

    @Test(arguments: Backend.all)
    func externalMemberIdsFindCreateAndCheckMembers(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization(memberModel: true)
            let pool = try await server.makeSubscription(org, seats: 3)

            // Alone and unknown: not found, and nothing is created.
            SeatSupport.expectError(try await server.assign(org, pool, ["external_member_id": "ext-1"]),
                                    .notFound, "MemberNotFound", "Member not found: ext-1")
            let none = try await server.request(.get, "/v1/members/?customer_id=\(pool.customerId)", token: org.token)
            #expect(SeatSupport.array(none["items"]).allSatisfy { $0["external_id"] != "ext-1" })

            // With an email: the member is created with both.
            let created = try await server.assign(org, pool, ["external_member_id": "ext-1", "email": "ext1@example.com"])
            #expect(created.status == .ok, "\(created.json)")
            #expect(created["email"] == "ext1@example.com")
            #expect(created["member"]?["external_id"] == "ext-1")
            #expect(created["member"]?["customer_id"] == .string(pool.customerId))
            let members = try await server.request(.get, "/v1/members/?customer_id=\(pool.customerId)", token: org.token)
            let member = try #require(SeatSupport.array(members["items"]).first { $0["external_id"] == "ext-1" })
            #expect(member["email"] == "ext1@example.com")
            #expect(member["id"] == created["member_id"])
            try await SeatSupport.expectCountsInStep(server, pool, org, active: 1)

            // With a different email than the known member's: refused.
            let mismatch = try await server.assign(org, pool, ["external_member_id": "ext-1", "email": "other@example.com"])
            #expect(mismatch.status == .badRequest)
            #expect(mismatch.errorName == "MemberEmailMismatch")
            #expect(mismatch.detail == "Member with external_member_id 'ext-1' exists but has a different email than 'other@example.com'")
            try await SeatSupport.expectCountsInStep(server, pool, org, active: 1)

            // Alone and known: found (once the first seat is revoked, the member may hold one again).
            #expect(try await SeatSupport.revoke(server, org, created.id).status == .ok)
            try await SeatSupport.expectCountsInStep(server, pool, org, active: 0)
            let found = try await server.assign(org, pool, ["external_member_id": "ext-1"])
            #expect(found.status == .ok, "\(found.json)")
            #expect(found["member_id"] == created["member_id"])
            #expect(found.id == created.id, "the revoked row is reused")
            try await SeatSupport.expectCountsInStep(server, pool, org, active: 1)

            // The same external id with the same email (another case) is the same member.
            let same = try await server.assign(org, pool, ["external_member_id": "ext-1", "email": "EXT1@example.com"])
            #expect(same.errorName == "SeatAlreadyAssigned", "\(same.json)")
        }
    }

    @Test(arguments: Backend.all)
    func revokeNamesTheFormerMember(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization(memberModel: true)
            let pool = try await server.makeSubscription(org, seats: 1)
            let seat = try await server.assign(org, pool, ["email": "mia@example.com", "immediate_claim": true])
            #expect(seat["status"] == "claimed")
            #expect(try await SeatSupport.outbox(server).isEmpty)
            try await SeatSupport.expectCountsInStep(server, pool, org, active: 1)

            let revoked = try await SeatSupport.revoke(server, org, seat.id)
            #expect(revoked.status == .ok)
            #expect(revoked["status"] == "revoked")
            #expect(revoked["email"] == .null)
            #expect(revoked["customer_id"] == .null)
            #expect(revoked["member_id"] == .null)
            #expect(revoked["member"]?["id"] == seat["member_id"])
            #expect(revoked["member"]?["email"] == "mia@example.com")
            try await SeatSupport.expectCountsInStep(server, pool, org, active: 0)

            let next = try await server.assign(org, pool, ["email": "noah@example.com"])
            #expect(next.id == seat.id)
            #expect(next["email"] == "noah@example.com")
            try await SeatSupport.expectCountsInStep(server, pool, org, active: 1)
        }
    }
}
