import Foundation
import Hummingbird
import SQLKit
import Testing
import TesseraCore
@testable import TesseraStore

/// `GET /v1/access`: whether a person holds, through a claimed seat, a benefit or a product;
/// one indexed statement whatever the organization's size.
@Suite struct AccessTests {
    static func check(_ server: TestServer, _ org: TestOrganization, _ query: String) async throws -> TestResponse {
        try await server.request(.get, "/v1/access?\(query)", token: org.token)
    }

    @Test(arguments: Backend.all)
    func aClaimedSeatAllowsItsBenefitsAndProductByEveryKindOfName(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 3)
            let benefit = try await BenefitGrantTests.addBenefit(server, org, to: pool)
            let seat = try await BenefitGrantTests.claimSeat(server, org, pool, email: "ann@example.com")
            let holder = try #require(seat["customer_id"]?.stringValue)
            _ = try await server.request(.patch, "/v1/customers/\(holder)", token: org.token, json: ["external_id": "crm-ann"])

            let byEmail = try await Self.check(server, org, "benefit_id=\(benefit)&email=ANN@example.com")
            #expect(byEmail.status == .ok)
            #expect(byEmail["allowed"] == true)
            #expect(byEmail["reason"] == .null)
            #expect(byEmail["seat_id"] == seat["id"])
            #expect(byEmail["subscription_id"] == .string(pool.id))
            #expect(byEmail["order_id"] == .null)
            #expect(byEmail["member_id"] == seat["member_id"])
            #expect(byEmail["customer_id"] == seat["customer_id"])
            #expect(byEmail["benefit_id"] == .string(benefit))
            let grants = try await BenefitGrantTests.grants(server, org)
            #expect(byEmail["grant"]?["id"] == grants.first?["id"])
            #expect(byEmail["grant"]?["benefit_type"] == "custom")

            let byCustomer = try await Self.check(server, org, "benefit_id=\(benefit)&external_customer_id=crm-ann")
            #expect(byCustomer["allowed"] == true)
            let byProduct = try await Self.check(server, org, "product_id=\(pool.productId)&email=ann@example.com")
            #expect(byProduct["allowed"] == true)
            #expect(byProduct["grant"] == .null)
            #expect(byProduct["seat_id"] == seat["id"])

            // An external member id given at assignment names the member.
            let linked = try await server.assign(org, pool, ["email": "bo@example.com", "external_member_id": "crm-bo",
                                                              "immediate_claim": true])
            #expect(linked.status == .ok)
            let byMember = try await Self.check(server, org, "benefit_id=\(benefit)&external_member_id=crm-bo")
            #expect(byMember["allowed"] == true)
            #expect(byMember["seat_id"] == .string(linked.id))
        }
    }

    @Test(arguments: Backend.all)
    func noClaimedSeatIsNotAllowedWithAReason(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 3)
            let benefit = try await BenefitGrantTests.addBenefit(server, org, to: pool)
            let stranger = try await Self.check(server, org, "benefit_id=\(benefit)&email=nobody@example.com")
            #expect(stranger.status == .ok)
            #expect(stranger["allowed"] == false)
            #expect(stranger["reason"] == "person_not_found")
            #expect(stranger["seat_id"] == .null)

            let pending = try await server.assign(org, pool, ["email": "cy@example.com"])
            let invited = try await Self.check(server, org, "benefit_id=\(benefit)&email=cy@example.com")
            #expect(invited["allowed"] == false)
            #expect(invited["reason"] == "no_claimed_seat")
            _ = pending

            let seat = try await BenefitGrantTests.claimSeat(server, org, pool, email: "dee@example.com")
            #expect(try await Self.check(server, org, "benefit_id=\(benefit)&email=dee@example.com")["allowed"] == true)
            // Off the product: no longer allowed to the benefit, still to the product.
            _ = try await server.request(.post, "/v1/products/\(pool.productId)/benefits", token: org.token,
                                         json: ["benefits": []])
            let removed = try await Self.check(server, org, "benefit_id=\(benefit)&email=dee@example.com")
            #expect(removed["allowed"] == false)
            #expect(removed["reason"] == "no_claimed_seat")
            #expect(try await Self.check(server, org, "product_id=\(pool.productId)&email=dee@example.com")["allowed"] == true)
            // Revoked: allowed to nothing.
            _ = try await server.request(.delete, "/v1/customer-seats/\(try #require(seat["id"]?.stringValue))", token: org.token)
            let revoked = try await Self.check(server, org, "product_id=\(pool.productId)&email=dee@example.com")
            #expect(revoked["allowed"] == false)
            #expect(revoked["reason"] == "no_claimed_seat")

            // Another organization knows nobody here.
            let other = try await server.makeOrganization()
            let foreign = try await Self.check(server, other, "product_id=\(pool.productId)&email=dee@example.com")
            #expect(foreign["reason"] == "person_not_found")
        }
    }

    @Test(arguments: Backend.all)
    func exactlyOneTargetAndOnePersonAreNeeded(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let id = UUID().wire
            let cases: [(String, [JSONValue])] = [
                ("email=a@example.com", [["query", "benefit_id"]]),
                ("benefit_id=\(id)", [["query", "email"]]),
                ("benefit_id=\(id)&product_id=\(id)&email=a@example.com", [["query", "benefit_id"]]),
                ("benefit_id=\(id)&email=a@example.com&external_member_id=m", [["query", "email"]]),
                ("benefit_id=nope&email=a@example.com", [["query", "benefit_id"], ["query", "benefit_id"]]),
            ]
            for (query, locations) in cases {
                let response = try await Self.check(server, org, query)
                #expect(response.status == .unprocessableContent, "\(query)")
                #expect(issueLocations(response) == locations, "\(query)")
            }
            let reader = try await server.makeToken(organizationId: org.id, scopes: [.benefitsRead])
            let refused = try await server.request(.get, "/v1/access?benefit_id=\(id)&email=a@example.com", token: reader)
            #expect(refused.status == .forbidden)
        }
    }

    /// One statement after authentication, in a pool of any size.
    @Test(arguments: Backend.all)
    func isOneStatement(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 2)
            let benefit = try await BenefitGrantTests.addBenefit(server, org, to: pool)
            _ = try await BenefitGrantTests.claimSeat(server, org, pool, email: "eve@example.com")
            let get = try await ScalingTests.statements(server) {
                try await server.request(.get, "/v1/benefits/\(benefit)", token: org.token)
            }
            let access = try await ScalingTests.statements(server) {
                try await Self.check(server, org, "benefit_id=\(benefit)&email=eve@example.com")
            }
            let product = try await ScalingTests.statements(server) {
                try await Self.check(server, org, "product_id=\(pool.productId)&email=eve@example.com")
            }
            // `GET /v1/benefits/{id}` is authentication and one read: so is each check.
            #expect(access == get)
            #expect(product == get)
        }
    }

    /// SQLite finds the person and what they hold through indexes: no table is walked.
    @Test func everyFormIsAnIndexedRead() async throws {
        try await Backend.sqlite.withFreshDatabase { database, _ in
            let organization = UUID()
            let targets: [AccessStore.Target] = [.benefit(UUID()), .product(UUID())]
            let people: [AccessStore.Person] = [.email("a@example.com"), .externalCustomerId("c"), .externalMemberId("m")]
            for target in targets {
                for person in people {
                    let plan = try await database.read { session in
                        try await session.rows("EXPLAIN QUERY PLAN " + AccessStore.query(target, for: person,
                                                                                          organizationId: organization))
                            .map { try $0.string("detail") }
                    }
                    let walks = plan.filter { $0.hasPrefix("SCAN") && !$0.hasPrefix("SCAN h") }
                    #expect(walks.isEmpty, "\(target) \(person): \(plan)")
                    // The person is found by the organization's index on that name.
                    let index = switch person {
                    case .email: "members_organization_email"
                    case .externalMemberId: "members_organization_external_id"
                    case .externalCustomerId: "customers_external_id"
                    }
                    #expect(plan.contains { $0.contains(index) }, "\(target) \(person): \(plan)")
                }
            }
        }
    }
}
