import Foundation
import Hummingbird
import SQLKit
import Testing
import TesseraCore
import TesseraStore

/// Issue 8, points 6, 7 and 11: a portal session reaches only its own customer's people, ends
/// with its customer or member, and the pages' forms accept only tokens the server signed.
@Suite struct PortalSecurityTests {
    /// The first validation issue's `loc`, as strings.
    static func loc(_ response: TestResponse) -> [String] {
        guard case .array(let issues)? = response["detail"], case .array(let loc)? = issues.first?["loc"] else { return [] }
        return loc.compactMap(\.stringValue)
    }

    static func seatCount(_ server: TestServer, _ org: TestOrganization, _ pool: TestPool) async throws -> Int {
        guard case .array(let seats)? = try await server.list(org, pool)["seats"] else { return -1 }
        return seats.filter { $0["status"]?.stringValue != "revoked" }.count
    }

    static func portalAssign(_ server: TestServer, token: String, _ pool: TestPool, _ fields: [String: JSONValue])
        async throws -> TestResponse
    {
        var body = fields
        body[pool.kind] = .string(pool.id)
        return try await server.request(.post, "/v1/customer-portal/seats", token: token, json: .object(body))
    }

    static func member(_ server: TestServer, _ org: TestOrganization, customerId: String, email: String,
                       role: String = "member", externalId: String? = nil) async throws -> TestResponse {
        var body: [String: JSONValue] = ["email": .string(email), "role": .string(role)]
        if let externalId { body["external_id"] = .string(externalId) }
        let response = try await server.request(.post, "/v1/customers/\(customerId)/members", token: org.token,
                                                json: .object(body))
        try #require(response.status == .created, "member: \(response.json)")
        return response
    }

    // MARK: 6. Portal sessions reach only their own customer's people

    @Test(arguments: Backend.all)
    func aPortalSessionCannotNameAnotherCustomer(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            for memberModel in [false, true] {
                let org = try await server.makeOrganization(memberModel: memberModel)
                let mine = try await server.makeSubscription(org, seats: 3)
                let victim = try await server.makeCustomer(org, email: "victim-\(memberModel)@example.com",
                                                           externalId: "victim-\(memberModel)")
                let token = try await PageTests.sessionToken(server, org, customerId: mine.customerId)
                let attempts: [(String, JSONValue, String)] = [
                    ("external_customer_id", .string("victim-\(memberModel)"), "external_customer_id"),
                    ("customer_id", .string(victim.id), "customer_id"),
                    // Unknown ids get the very same answer: nothing confirms a guess.
                    ("unknown customer_id", .string(UUID().wire), "customer_id"),
                    ("unknown external_customer_id", "nobody", "external_customer_id"),
                ]
                for (kind, value, field) in attempts {
                    for immediate in [true, false] {
                        let response = try await Self.portalAssign(server, token: token, mine, [
                            field: value, "immediate_claim": .bool(immediate),
                        ])
                        #expect(response.status == .unprocessableContent, "\(kind) \(memberModel): \(response.json)")
                        #expect(response.errorName == "RequestValidationError", "\(kind)")
                        #expect(Self.loc(response) == ["body", field], "\(kind)")
                        #expect(!response.json.serialized().contains("victim-\(memberModel)@example.com"), "\(kind)")
                    }
                }
                #expect(try await Self.seatCount(server, org, mine) == 0)
                // The merchant still may.
                let merchant = try await server.assign(org, mine, ["customer_id": .string(victim.id)])
                #expect(merchant.status == .ok, "\(merchant.json)")
            }
        }
    }

    @Test(arguments: Backend.all)
    func immediateClaimFromACustomerSessionIsOnlyForTheCustomerItself(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            for memberModel in [false, true] {
                let org = try await server.makeOrganization(memberModel: memberModel)
                let pool = try await server.makeSubscription(org, seats: 3)
                let token = try await PageTests.sessionToken(server, org, customerId: pool.customerId)
                let someone = "someone-\(memberModel)@example.com"
                let refused = try await Self.portalAssign(server, token: token, pool, [
                    "email": .string(someone), "immediate_claim": true,
                ])
                #expect(refused.status == .unprocessableContent, "\(refused.json)")
                #expect(Self.loc(refused) == ["body", "immediate_claim"])
                #expect(try await Self.seatCount(server, org, pool) == 0)
                // The refusal rolled back the customer (legacy) or member (member model) the email would have made.
                let customers = try await server.request(.get, "/v1/customers?email=\(someone)", token: org.token)
                #expect(customers["pagination"]?["total_count"] == 0, "\(customers.json)")
                let members = try await server.request(.get, "/v1/members?customer_id=\(pool.customerId)", token: org.token)
                #expect(members["pagination"]?["total_count"] == 0, "\(members.json)")
                // An invitation is fine; the customer's own seat may be claimed at once (emails compare case-insensitively).
                let invited = try await Self.portalAssign(server, token: token, pool, ["email": .string(someone)])
                #expect(invited["status"] == "pending", "\(invited.json)")
                let own = try await Self.portalAssign(server, token: token, pool, [
                    "email": .string(pool.customerEmail.uppercased()), "immediate_claim": true,
                ])
                #expect(own.status == .ok, "\(own.json)")
                #expect(own["status"] == "claimed")
            }
        }
    }

    @Test(arguments: Backend.all)
    func aMemberSessionReachesOnlyItsOwnCustomersMembersAndClaimsOnlyForItself(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            for memberModel in [false, true] {
                let org = try await server.makeOrganization(memberModel: memberModel)
                let pool = try await server.makeSubscription(org, seats: 5)
                let other = try await server.makeSubscription(org, seats: 1)
                let manager = try await Self.member(server, org, customerId: pool.customerId,
                                                    email: "boss-\(memberModel)@example.com", role: "billing_manager")
                let colleague = try await Self.member(server, org, customerId: pool.customerId,
                                                      email: "colleague-\(memberModel)@example.com")
                let stranger = try await Self.member(server, org, customerId: other.customerId,
                                                     email: "stranger-\(memberModel)@example.com",
                                                     externalId: "stranger-\(memberModel)")
                let token = try await PageTests.sessionToken(server, org, customerId: pool.customerId, memberId: manager.id)
                // Another customer's member is as unknown as a made-up id.
                for (kind, fields) in [
                    ("stranger", ["member_id": JSONValue.string(stranger.id)]),
                    ("made up", ["member_id": .string(UUID().wire)]),
                    ("stranger external", ["external_member_id": .string("stranger-\(memberModel)")]),
                ] as [(String, [String: JSONValue])] {
                    let response = try await Self.portalAssign(server, token: token, pool, fields)
                    #expect(response.status == .notFound, "\(kind): \(response.json)")
                    #expect(response.errorName == "MemberNotFound", "\(kind)")
                    #expect(!response.json.serialized().contains("stranger-\(memberModel)@example.com"), "\(kind)")
                }
                // A colleague gets an invitation, not a seat claimed on their behalf.
                let claimedForColleague = try await Self.portalAssign(server, token: token, pool, [
                    "member_id": .string(colleague.id), "immediate_claim": true,
                ])
                #expect(claimedForColleague.status == .unprocessableContent, "\(claimedForColleague.json)")
                #expect(Self.loc(claimedForColleague) == ["body", "immediate_claim"])
                let byEmail = try await Self.portalAssign(server, token: token, pool, [
                    "email": .string("colleague-\(memberModel)@example.com"), "immediate_claim": true,
                ])
                #expect(Self.loc(byEmail) == ["body", "immediate_claim"])
                #expect(try await Self.seatCount(server, org, pool) == 0)
                let invited = try await Self.portalAssign(server, token: token, pool, ["member_id": .string(colleague.id)])
                #expect(invited["status"] == "pending", "\(invited.json)")
                // The signed-in member's own seat may be claimed at once.
                let own = try await Self.portalAssign(server, token: token, pool, [
                    "member_id": .string(manager.id), "immediate_claim": true,
                ])
                #expect(own.status == .ok, "\(own.json)")
                #expect(own["status"] == "claimed")
                #expect(try await Self.seatCount(server, org, other) == 0)
            }
        }
    }

    // MARK: 7. Sessions end with their customer or member

    static func portalStatuses(_ server: TestServer, token: String, _ pool: TestPool) async throws
        -> [HTTPResponse.Status]
    {
        [
            try await server.request(.get, "/v1/customer-portal/seats?subscription_id=\(pool.id)", token: token).status,
            try await Self.portalAssign(server, token: token, pool, ["email": "late@example.com"]).status,
            try await server.request(.patch, "/v1/customer-portal/subscriptions/\(pool.id)", token: token,
                                     json: ["seats": 9]).status,
        ]
    }

    static func storedSessions(_ server: TestServer, column: String, id: String) async throws -> Int {
        try await server.database.withConnection { session in
            try await session.first("""
                SELECT COUNT(*) AS n FROM access_tokens WHERE \(unsafeRaw: column) = \(bind: id)
                """)?.decode(column: "n", as: Int.self) ?? -1
        }
    }

    @Test(arguments: Backend.all)
    func deletingACustomerEndsItsSessionsAndItsMembersAtOnce(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 3)
            let bystander = try await server.makeSubscription(org, seats: 3)
            let owner = try await Self.member(server, org, customerId: pool.customerId, email: "owner@example.com",
                                              role: "owner")
            let customerToken = try await PageTests.sessionToken(server, org, customerId: pool.customerId)
            let memberToken = try await PageTests.sessionToken(server, org, customerId: pool.customerId, memberId: owner.id)
            let bystanderToken = try await PageTests.sessionToken(server, org, customerId: bystander.customerId)
            var browser = try await PageTests.signedInBrowser(server, org, token: customerToken)
            #expect(try await Self.storedSessions(server, column: "customer_id", id: pool.customerId) == 2)

            let deleted = try await server.request(.delete, "/v1/customers/\(pool.customerId)", token: org.token)
            #expect(deleted.status == .noContent)
            #expect(try await Self.storedSessions(server, column: "customer_id", id: pool.customerId) == 0)
            for (kind, token) in [("customer", customerToken), ("member", memberToken)] {
                let statuses = try await Self.portalStatuses(server, token: token, pool)
                #expect(statuses == [.unauthorized, .unauthorized, .unauthorized], "\(kind)")
                let listed = try await server.request(.get, "/v1/customer-portal/seats?subscription_id=\(pool.id)", token: token)
                #expect(listed["error"] == "invalid_token", "\(kind)")
            }
            // The pages: the open browser and a fresh sign-in both get the sign-in page.
            let page = try await browser.get("/\(org.slug)/portal")
            #expect(page.status == .unauthorized)
            #expect(page.html.contains("Please sign in again"))
            let again = try await server.page(.get, "/\(org.slug)/portal?customer_session_token=\(memberToken)")
            #expect(again.status == .unauthorized)
            // The subscription kept its size; other customers' sessions are untouched.
            #expect(try await server.list(org, pool)["total_seats"] == 3)
            let other = try await server.request(.get, "/v1/customer-portal/seats?subscription_id=\(bystander.id)",
                                                 token: bystanderToken)
            #expect(other.status == .ok)
        }
    }

    @Test(arguments: Backend.all)
    func deletingAMemberEndsItsSessionsAtOnce(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization(memberModel: true)
            let pool = try await server.makeSubscription(org, seats: 3)
            let manager = try await Self.member(server, org, customerId: pool.customerId, email: "boss@example.com",
                                                role: "billing_manager")
            let memberToken = try await PageTests.sessionToken(server, org, customerId: pool.customerId, memberId: manager.id)
            let customerToken = try await PageTests.sessionToken(server, org, customerId: pool.customerId)
            var browser = try await PageTests.signedInBrowser(server, org, token: memberToken)
            let csrf = try #require(browser.csrf)

            let deleted = try await server.request(.delete, "/v1/customers/\(pool.customerId)/members/\(manager.id)",
                                                   token: org.token)
            #expect(deleted.status == .noContent)
            #expect(try await Self.storedSessions(server, column: "member_id", id: manager.id) == 0)
            #expect(try await Self.portalStatuses(server, token: memberToken, pool)
                == [.unauthorized, .unauthorized, .unauthorized])
            let form = try await browser.post("/\(org.slug)/portal/seats",
                                              [("csrf", csrf), ("subscription_id", pool.id), ("email", "x@example.com")])
            #expect(form.status == .unauthorized)
            #expect(try await Self.seatCount(server, org, pool) == 0)
            // The customer's own session goes on.
            let listed = try await server.request(.get, "/v1/customer-portal/seats?subscription_id=\(pool.id)",
                                                  token: customerToken)
            #expect(listed.status == .ok)
        }
    }

    /// Belt and braces: a session row that outlived its subject (say, from before deletions
    /// ended sessions) is refused on the API and the pages.
    @Test(arguments: Backend.all)
    func aSessionWhoseCustomerOrMemberIsGoneIsRefused(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization(memberModel: true)
            let pool = try await server.makeSubscription(org, seats: 3)
            let member = try await Self.member(server, org, customerId: pool.customerId, email: "m@example.com",
                                               role: "owner")
            let memberToken = try await PageTests.sessionToken(server, org, customerId: pool.customerId, memberId: member.id)
            let customerToken = try await PageTests.sessionToken(server, org, customerId: pool.customerId)
            let memberId = try #require(UUID(uuidString: member.id))
            let customerId = try #require(UUID(uuidString: pool.customerId))
            let listPath = "/v1/customer-portal/seats?subscription_id=\(pool.id)"

            // The member row goes, its session row stays.
            try await server.database.withConnection { try await $0.members.softDelete(id: memberId, at: server.clock.now) }
            #expect(try await Self.storedSessions(server, column: "member_id", id: member.id) == 1)
            #expect(try await server.request(.get, listPath, token: memberToken).status == .unauthorized)
            #expect(try await server.page(.get, "/\(org.slug)/portal?customer_session_token=\(memberToken)").status
                == .unauthorized)
            #expect(try await server.request(.get, listPath, token: customerToken).status == .ok)

            // The customer row goes, its session row stays.
            try await server.database.withConnection { try await $0.customers.softDelete(id: customerId, at: server.clock.now) }
            #expect(try await Self.storedSessions(server, column: "customer_id", id: pool.customerId) == 2)
            #expect(try await Self.portalStatuses(server, token: customerToken, pool)
                == [.unauthorized, .unauthorized, .unauthorized])
            #expect(try await server.page(.get, "/\(org.slug)/portal?customer_session_token=\(customerToken)").status
                == .unauthorized)
        }
    }

    // MARK: 11. Form tokens are bound to the session (or the claim visit) and signed

    @Test(arguments: Backend.all)
    func aForgedMatchingCookieAndFieldPairIsRefusedOnTheClaimForm(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let (pool, seatId, token) = try await PageTests.invitation(server, org)
            let path = "/\(org.slug)/portal/claim"
            // What an attacker who can set cookies for this host plants: a value of their choice, twice.
            let chosen = SecretToken.generate(.invitation).value
            let forged = try await server.page(.post, path, form: [("token", token), ("csrf", chosen)],
                                               cookies: ["tessera_csrf": chosen])
            #expect(forged.status == .forbidden)
            #expect(forged.html.contains("This form could not be accepted"))
            PageTests.expectPageHeaders(forged)
            // A genuine pair from another visit does not fit this browser's nonce.
            let visit = try await server.page(.get, "\(path)?token=\(token)")
            let otherField = try #require(visit.field("csrf"))
            let mismatched = try await server.page(.post, path, form: [("token", token), ("csrf", otherField)],
                                                   cookies: ["tessera_csrf": chosen])
            #expect(mismatched.status == .forbidden)
            // A portal form's token is no claim token, and the other way round.
            let portalToken = try await PageTests.sessionToken(server, org, customerId: pool.customerId)
            let portalCSRF = try #require(try await PageTests.signedInBrowser(server, org, token: portalToken).csrf)
            let crossed = try await server.page(
                .post, path, form: [("token", token), ("csrf", portalCSRF)],
                cookies: ["tessera_csrf": try #require(visit.cookieValue("tessera_csrf"))])
            #expect(crossed.status == .forbidden)
            #expect(try await PageTests.seatStatus(server, org, pool, seatId: seatId) == "pending")

            // The genuine flow still claims.
            var browser = TestBrowser(server)
            let page = try await browser.get("\(path)?token=\(token)")
            let claimed = try await browser.post(path, [("token", token), ("csrf", try #require(page.field("csrf")))])
            #expect(claimed.status == .ok, "\(claimed.html)")
            #expect(try await PageTests.seatStatus(server, org, pool, seatId: seatId) == "claimed")
        }
    }

    @Test(arguments: Backend.all)
    func aForgedMatchingCookieAndFieldPairIsRefusedOnPortalForms(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 3)
            let seat = try await server.assign(org, pool, ["email": "held@example.com"])
            let token = try await PageTests.sessionToken(server, org, customerId: pool.customerId)
            var browser = try await PageTests.signedInBrowser(server, org, token: token)
            let portalPath = "/\(org.slug)/portal"
            let chosen = SecretToken.generate(.invitation).value
            var cookies = browser.cookies
            cookies["tessera_csrf"] = chosen
            for (path, form) in [
                ("\(portalPath)/seats", [("csrf", chosen), ("subscription_id", pool.id), ("email", "forged@example.com")]),
                ("\(portalPath)/seats/\(seat.id)/revoke", [("csrf", chosen)]),
                ("\(portalPath)/seats/\(seat.id)/resend", [("csrf", chosen)]),
                ("\(portalPath)/sign-out", [("csrf", chosen)]),
            ] {
                let refused = try await server.page(.post, path, form: form, cookies: cookies)
                #expect(refused.status == .forbidden, "\(path)")
                #expect(refused.html.contains("Nothing was changed"), "\(path)")
                #expect(refused.setCookie("tessera_session") == nil, "\(path): still signed in")
            }
            // A claim visit's genuine nonce and token do not open portal forms either.
            let (_, _, invitation) = try await PageTests.invitation(server, org, email: "someone@example.com")
            let visit = try await server.page(.get, "/\(org.slug)/portal/claim?token=\(invitation)")
            let csrfCookie: String = try #require(visit.cookieValue("tessera_csrf"))
            cookies["tessera_csrf"] = csrfCookie
            let crossed = try await server.page(.post, "\(portalPath)/seats/\(seat.id)/revoke",
                                                form: [("csrf", try #require(visit.field("csrf")))], cookies: cookies)
            #expect(crossed.status == .forbidden)
            #expect(try await PageTests.seatStatus(server, org, pool, seatId: seat.id) == "pending")

            // The genuine flow still works.
            let revoked = try await browser.post("\(portalPath)/seats/\(seat.id)/revoke", [("csrf", try #require(browser.csrf))])
            #expect(revoked.status == .seeOther)
            #expect(try await PageTests.seatStatus(server, org, pool, seatId: seat.id) == "revoked")
        }
    }

    /// Processes serving the same pages share a configured key; without one, each has its own.
    @Test(arguments: Backend.all)
    func formTokensCarryAcrossProcessesOnlyWithTheSameConfiguredKey(backend: Backend) async throws {
        try await backend.withFreshDatabase { database, _ in
            let shared = try FormTokenKey(secret: "a shared secret of more than thirty-two characters")
            try await TestServer.run(database: database, backend: backend, csrfKey: shared) { first in
                let org = try await first.makeOrganization()
                let pool = try await first.makeSubscription(org, seats: 3)
                let token = try await PageTests.sessionToken(first, org, customerId: pool.customerId)
                let browser = try await PageTests.signedInBrowser(first, org, token: token)
                let csrf = try #require(browser.csrf)
                let form = [("csrf", csrf), ("subscription_id", pool.id), ("email", "a@example.com")]
                try await TestServer.run(database: database, backend: backend, csrfKey: shared) { second in
                    let accepted = try await second.page(.post, "/\(org.slug)/portal/seats", form: form,
                                                         cookies: browser.cookies)
                    #expect(accepted.status == .seeOther, "\(accepted.html)")
                }
                try await TestServer.run(database: database, backend: backend) { unconfigured in
                    let refused = try await unconfigured.page(.post, "/\(org.slug)/portal/seats", form: form,
                                                              cookies: browser.cookies)
                    #expect(refused.status == .forbidden)
                }
                #expect(try await Self.seatCount(first, org, pool) == 1)
            }
        }
    }
}
