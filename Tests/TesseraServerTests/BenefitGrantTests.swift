import Foundation
import Hummingbird
import Testing
import TesseraCore

/// Grants follow seats: a claimed seat grants every benefit of its product to its holder, and
/// whatever ends the claim (a revoke, a revoked subscription, a deleted customer or member)
/// or takes the benefit off the product revokes the grant. No grant outlives its seat.
@Suite struct BenefitGrantTests {
    /// A benefit of `type` on the pool's product; returns its id.
    static func addBenefit(_ server: TestServer, _ org: TestOrganization, to pool: TestPool,
                           description: String = "Priority support", keeping existing: [String] = []) async throws -> String {
        let benefit = try await server.request(.post, "/v1/benefits/", token: org.token, json: [
            "type": "custom", "description": .string(description), "properties": ["note": "hello"],
        ])
        #expect(benefit.status == .created)
        let linked = try await server.request(.post, "/v1/products/\(pool.productId)/benefits", token: org.token,
                                              json: ["benefits": .array((existing + [benefit.id]).map(JSONValue.string))])
        #expect(linked.status == .ok)
        return benefit.id
    }

    /// Assigns a seat to `email` and claims it with the emailed token; returns the claimed seat.
    static func claimSeat(_ server: TestServer, _ org: TestOrganization, _ pool: TestPool, email: String) async throws -> JSONValue {
        let assigned = try await server.assign(org, pool, ["email": .string(email)])
        #expect(assigned.status == .ok)
        let token = try #require(try await server.deliverInvitations(to: email).first)
        let claimed = try await server.request(.post, "/v1/customer-seats/claim", json: ["invitation_token": .string(token)])
        #expect(claimed.status == .ok)
        return claimed.json["seat"] ?? claimed.json
    }

    static func grants(_ server: TestServer, _ org: TestOrganization, _ query: String = "") async throws -> [JSONValue] {
        let page = try await server.request(.get, "/v1/benefit-grants/?limit=100\(query)", token: org.token)
        #expect(page.status == .ok)
        return page["items"]?.arrayValue ?? []
    }

    @Test(arguments: Backend.all)
    func aClaimGrantsEveryBenefitOfTheProductAndARevokeTakesThemBack(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 3)
            let support = try await Self.addBenefit(server, org, to: pool)
            let beta = try await Self.addBenefit(server, org, to: pool, description: "Beta features", keeping: [support])

            let assigned = try await server.assign(org, pool, ["email": "ann@example.com"])
            // A pending seat grants nothing.
            #expect(try await Self.grants(server, org).isEmpty)
            let token = try #require(try await server.deliverInvitations(to: "ann@example.com").first)
            let claimed = try await server.request(.post, "/v1/customer-seats/claim", json: ["invitation_token": .string(token)])
            #expect(claimed.status == .ok)

            let granted = try await Self.grants(server, org)
            #expect(Set(granted.compactMap { $0["benefit_id"]?.stringValue }) == [support, beta])
            for grant in granted {
                #expect(grant["is_granted"] == true)
                #expect(grant["is_revoked"] == false)
                #expect(grant["subscription_id"] == .string(pool.id))
                #expect(grant["order_id"] == .null)
                #expect(grant["member_id"] == assigned["member_id"])
                #expect(grant["customer_id"] == assigned["customer_id"])
                #expect(grant["customer"]?["id"] == assigned["customer_id"])
                #expect(grant["member"]?["email"] == "ann@example.com")
                #expect(grant["benefit"]?["id"] == grant["benefit_id"])
                #expect(grant["granted_at"] != .null)
                #expect(grant["error"] == .null)
            }
            let ofSupport = try await server.request(.get, "/v1/benefits/\(support)/grants", token: org.token)
            #expect(ofSupport["items"]?.arrayValue?.count == 1)
            #expect(ofSupport["pagination"]?["total_count"] == 1)

            let revoked = try await server.request(.delete, "/v1/customer-seats/\(assigned.id)", token: org.token)
            #expect(revoked.status == .ok)
            let after = try await Self.grants(server, org)
            #expect(after.count == 2)
            #expect(after.allSatisfy { $0["is_granted"] == false && $0["is_revoked"] == true && $0["revoked_at"] != .null })
            #expect(try await Self.grants(server, org, "&is_granted=true").isEmpty)
            #expect(try await Self.grants(server, org, "&is_granted=false").count == 2)

            // The freed seat, claimed by someone else, grants anew; the old grants stay revoked.
            _ = try await Self.claimSeat(server, org, pool, email: "bo@example.com")
            let live = try await Self.grants(server, org, "&is_granted=true")
            #expect(live.count == 2)
            #expect(live.allSatisfy { $0["member"]?["email"] == "bo@example.com" })
            #expect(try await Self.grants(server, org).count == 4)
        }
    }

    @Test(arguments: Backend.all)
    func anImmediateClaimGrantsAtOnce(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeOrder(org, seats: 2)
            let support = try await Self.addBenefit(server, org, to: pool)
            let seat = try await server.assign(org, pool, ["email": "cy@example.com", "immediate_claim": true])
            #expect(seat["status"] == "claimed")
            let granted = try await Self.grants(server, org)
            #expect(granted.compactMap { $0["benefit_id"]?.stringValue } == [support])
            #expect(granted.first?["order_id"] == .string(pool.id))
            #expect(granted.first?["subscription_id"] == .null)
        }
    }

    @Test(arguments: Backend.all)
    func everyWayASeatEndsRevokesItsGrants(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            // A revoked subscription.
            let revokedPool = try await server.makeSubscription(org, seats: 2)
            _ = try await Self.addBenefit(server, org, to: revokedPool)
            _ = try await Self.claimSeat(server, org, revokedPool, email: "dee@example.com")
            // A deleted member.
            let memberPool = try await server.makeSubscription(org, seats: 2)
            _ = try await Self.addBenefit(server, org, to: memberPool)
            let memberSeat = try await Self.claimSeat(server, org, memberPool, email: "eve@example.com")
            // A deleted customer.
            let customerPool = try await server.makeSubscription(org, seats: 2)
            _ = try await Self.addBenefit(server, org, to: customerPool)
            _ = try await Self.claimSeat(server, org, customerPool, email: "fay@example.com")
            #expect(try await Self.grants(server, org, "&is_granted=true").count == 3)

            #expect(try await server.request(.delete, "/v1/subscriptions/\(revokedPool.id)", token: org.token).status == .ok)
            let member = try #require(memberSeat["member_id"]?.stringValue)
            // The member belongs to the billing customer (in legacy mode the seat's `customer_id`
            // is the holder's own customer).
            let memberCustomer = try #require(memberSeat["member"]?["customer_id"]?.stringValue)
            #expect(try await server.request(.delete, "/v1/customers/\(memberCustomer)/members/\(member)",
                                             token: org.token).status == .noContent)
            #expect(try await server.request(.delete, "/v1/customers/\(customerPool.customerId)",
                                             token: org.token).status == .noContent)

            let live = try await Self.grants(server, org, "&is_granted=true")
            #expect(live.isEmpty, "\(live.compactMap { $0["member"]?["email"]?.stringValue })")
            #expect(try await Self.grants(server, org, "&is_granted=false").count == 3)
        }
    }

    /// A subscription set to cancel ends when its period does: seats and grants go with it.
    @Test(arguments: Backend.all)
    func aCanceledSubscriptionEndsAtItsPeriodsEndWithItsGrants(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 2)
            let staying = try await server.makeSubscription(org, seats: 2)
            _ = try await Self.addBenefit(server, org, to: pool)
            _ = try await Self.addBenefit(server, org, to: staying)
            _ = try await Self.claimSeat(server, org, pool, email: "lea@example.com")
            _ = try await Self.claimSeat(server, org, staying, email: "max@example.com")
            let canceled = try await server.request(.patch, "/v1/subscriptions/\(pool.id)", token: org.token,
                                                    json: ["cancel_at_period_end": true])
            let periodEnd = try #require(canceled["current_period_end"]?.stringValue.flatMap(Timestamp.parse))

            // Before the period ends, nothing happens.
            #expect(try await server.subscriptionEndings.endDue() == 0)
            server.clock.advance(by: periodEnd.timeIntervalSince(server.clock.now) + 1)
            #expect(try await server.subscriptionEndings.endDue() == 1)
            #expect(try await server.subscriptionEndings.endDue() == 0)

            let ended = try await server.request(.get, "/v1/subscriptions/\(pool.id)", token: org.token)
            #expect(ended["status"] == "canceled")
            #expect(ended["ended_at"] != .null)
            let seats = try await server.request(.get, "/v1/customer-seats?subscription_id=\(pool.id)", token: org.token)
            #expect(seats["seats"]?.arrayValue?.allSatisfy { $0["status"] == "revoked" } == true)
            // Only the ended subscription's grant is revoked.
            let live = try await Self.grants(server, org, "&is_granted=true")
            #expect(live.compactMap { $0["member"]?["email"]?.stringValue } == ["max@example.com"])
        }
    }

    @Test(arguments: Backend.all)
    func aProductsBenefitsChangingChangesWhatItsClaimedSeatsGrant(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 3)
            _ = try await Self.claimSeat(server, org, pool, email: "gus@example.com")
            _ = try await Self.claimSeat(server, org, pool, email: "hal@example.com")
            _ = try await server.assign(org, pool, ["email": "ida@example.com"])  // pending: gains nothing

            let support = try await Self.addBenefit(server, org, to: pool)
            let granted = try await Self.grants(server, org, "&is_granted=true")
            #expect(Set(granted.compactMap { $0["member"]?["email"]?.stringValue }) == ["gus@example.com", "hal@example.com"])

            let beta = try await Self.addBenefit(server, org, to: pool, description: "Beta features", keeping: [support])
            #expect(try await Self.grants(server, org, "&is_granted=true").count == 4)

            // Taking support off the product revokes it; beta stays.
            let set = try await server.request(.post, "/v1/products/\(pool.productId)/benefits", token: org.token,
                                               json: ["benefits": [.string(beta)]])
            #expect(set.status == .ok)
            let live = try await Self.grants(server, org, "&is_granted=true")
            #expect(live.compactMap { $0["benefit_id"]?.stringValue } == [beta, beta])

            // Deleting beta revokes the rest.
            #expect(try await server.request(.delete, "/v1/benefits/\(beta)", token: org.token).status == .noContent)
            #expect(try await Self.grants(server, org, "&is_granted=true").isEmpty)
            let all = try await Self.grants(server, org)
            #expect(all.count == 4)
            #expect(all.filter { $0["benefit_id"] == .string(beta) }.allSatisfy { $0["benefit"]?["is_deleted"] == true })
        }
    }

    @Test(arguments: Backend.all)
    func grantsAreListedOnlyToTheirOrganizationAndByCustomer(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let other = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 2)
            let support = try await Self.addBenefit(server, org, to: pool)
            let seat = try await Self.claimSeat(server, org, pool, email: "jo@example.com")

            #expect(try await Self.grants(server, other).isEmpty)
            let foreign = try await server.request(.get, "/v1/benefits/\(support)/grants", token: other.token)
            #expect(foreign.status == .notFound)

            let holder = try #require(seat["customer_id"]?.stringValue)
            #expect(try await Self.grants(server, org, "&customer_id=\(holder)").count == 1)
            #expect(try await Self.grants(server, org, "&customer_id=\(UUID().wire)").isEmpty)
            #expect(try await Self.grants(server, org, "&external_customer_id=nobody").isEmpty)
            let member = try #require(seat["member_id"]?.stringValue)
            let byMember = try await server.request(.get, "/v1/benefits/\(support)/grants?member_id=\(member)", token: org.token)
            #expect(byMember["items"]?.arrayValue?.count == 1)
            let bad = try await server.request(.get, "/v1/benefit-grants/?is_granted=maybe", token: org.token)
            #expect(bad.status == .unprocessableContent)
            #expect(issueLocations(bad) == [["query", "is_granted"]])
        }
    }

    @Test(arguments: Backend.all)
    func customerStateShowsActiveSubscriptionsAndLiveGrants(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 2)
            let support = try await Self.addBenefit(server, org, to: pool)
            let seat = try await Self.claimSeat(server, org, pool, email: "kim@example.com")
            let holder = try #require(seat["customer_id"]?.stringValue)
            _ = try await server.request(.patch, "/v1/customers/\(holder)", token: org.token, json: ["external_id": "kim-1"])

            let billing = try await server.request(.get, "/v1/customers/\(pool.customerId)/state", token: org.token)
            #expect(billing.status == .ok)
            #expect(billing["id"] == .string(pool.customerId))
            #expect(billing["active_subscriptions"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == [pool.id])
            #expect(billing["active_subscriptions"]?.arrayItem(0)?["meters"] == [])
            #expect(billing["active_meters"] == [])

            let state = try await server.request(.get, "/v1/customers/external/kim-1/state", token: org.token)
            #expect(state["id"] == .string(holder))
            let granted = try #require(state["granted_benefits"]?.arrayValue)
            #expect(granted.compactMap { $0["benefit_id"]?.stringValue } == [support])
            #expect(granted.first?["benefit_type"] == "custom")
            #expect(granted.first?["granted_at"] != .null)
            #expect(state["active_subscriptions"] == [])

            _ = try await server.request(.delete, "/v1/customer-seats/\(try #require(seat["id"]?.stringValue))", token: org.token)
            let after = try await server.request(.get, "/v1/customers/\(holder)/state", token: org.token)
            #expect(after["granted_benefits"] == [])
            _ = try await server.request(.delete, "/v1/subscriptions/\(pool.id)", token: org.token)
            let ended = try await server.request(.get, "/v1/customers/\(pool.customerId)/state", token: org.token)
            #expect(ended["active_subscriptions"] == [])

            let other = try await server.makeOrganization()
            #expect(try await server.request(.get, "/v1/customers/\(holder)/state", token: other.token).status == .notFound)
            #expect(try await server.request(.get, "/v1/customers/external/kim-1/state", token: other.token).status == .notFound)
        }
    }

    /// Claims and revokes racing on one pool: every claimed seat holds exactly one live grant,
    /// every revoked one none.
    @Test(arguments: Backend.all)
    func concurrentClaimsAndRevokesKeepGrantsInStepWithSeats(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 50)
            _ = try await Self.addBenefit(server, org, to: pool)
            let emails = (0..<50).map { "racer\($0)@example.com" }
            var seats: [String: String] = [:]
            for email in emails {
                seats[email] = try await server.assign(org, pool, ["email": .string(email)]).id
            }
            var tokens: [String: String] = [:]
            for email in emails { tokens[email] = try await server.deliverInvitations(to: email).first }
            let claims = tokens, seatIds = seats
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (index, email) in emails.enumerated() {
                    group.addTask {
                        if let token = claims[email] {
                            _ = try await server.request(.post, "/v1/customer-seats/claim",
                                                         json: ["invitation_token": .string(token)])
                        }
                        // Every other seat is revoked, racing its own claim.
                        if index.isMultiple(of: 2), let id = seatIds[email] {
                            _ = try await server.request(.delete, "/v1/customer-seats/\(id)", token: org.token)
                        }
                    }
                }
                try await group.waitForAll()
            }
            let list = try await server.request(.get, "/v1/customer-seats?subscription_id=\(pool.id)", token: org.token)
            let claimed = Set((list["seats"]?.arrayValue ?? []).filter { $0["status"] == "claimed" }.compactMap { $0["id"]?.stringValue })
            var live: [JSONValue] = []
            var page = 1
            while true {
                let batch = try await server.request(.get, "/v1/benefit-grants/?is_granted=true&limit=100&page=\(page)", token: org.token)
                live += batch["items"]?.arrayValue ?? []
                if (batch["items"]?.arrayValue ?? []).count < 100 { break }
                page += 1
            }
            let liveHolders = live.compactMap { $0["member_id"]?.stringValue }
            let claimedHolders = (list["seats"]?.arrayValue ?? []).filter { $0["status"] == "claimed" }
                .compactMap { $0["member_id"]?.stringValue }
            #expect(liveHolders.sorted() == claimedHolders.sorted())
            #expect(claimed.count == 25)
            #expect(Set(liveHolders).count == liveHolders.count)
        }
    }
}
