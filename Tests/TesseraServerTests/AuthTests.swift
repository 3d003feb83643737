import Foundation
import Hummingbird
import Testing
import TesseraCore
@testable import TesseraServer

/// Bearer authentication and scopes, on every kind of route.
@Suite struct AuthTests {
    private static let invalidTokenChallenge = #"Bearer realm="tessera", error="invalid_token""#

    /// The scheme in any case, one or more spaces after it, spaces and tabs around the token
    /// dropped and nothing else; any other scheme, or no token, is not a bearer token.
    @Test func bearerTokenIsReadFromTheHeaderValue() {
        let token = AuthenticationMiddleware.bearerToken
        #expect(token("Bearer tsr_oat_abc") == "tsr_oat_abc")
        #expect(token("bearer tsr_oat_abc") == "tsr_oat_abc" && token("BEARER tsr_oat_abc") == "tsr_oat_abc")
        #expect(token("Bearer   tsr_oat_abc \t ") == "tsr_oat_abc")
        #expect(token("Bearer \ttsr_oat_abc\t") == "tsr_oat_abc")
        #expect(token("Bearer a b") == "a b")
        #expect(token("Bearer tökén") == "tökén" && token("Bearer tökén ") == "tökén")
        #expect(token("Bearer \u{00A0}") == "\u{00A0}")  // not HTTP whitespace: kept, and no token matches it
        for value in ["Bearer", "Bearer ", "Bearer  \t ", "Basic dXNlcjpwdw==", "Bearertsr_oat_abc", "", " Bearer"] {
            #expect(token(value) == nil, "\(value)")
        }
    }

    @Test(arguments: Backend.all)
    func unknownBearerTokenIsInvalidOnEveryRoute(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let calls: [(HTTPRequest.Method, String)] = [
                (.get, "/v1/customers/"),
                (.post, "/v1/customer-seats"),
                (.get, "/v1/organizations/\(UUID().wire)"),
                (.get, "/v1/customer-seats/claim/some-invitation-token"),
                (.get, "/healthz"),
            ]
            for (method, path) in calls {
                for token in ["tsr_oat_unknown", "not-a-token-at-all"] {
                    let response = try await server.request(method, path, token: token)
                    #expect(response.status == .unauthorized, "\(method) \(path)")
                    #expect(response.errorName == "invalid_token", "\(method) \(path)")
                    #expect(response["error_description"]?.stringValue?.isEmpty == false)
                    #expect(response.json.objectValue.map { Set($0.keys) } == ["error", "error_description"])
                    #expect(response.headers[.wwwAuthenticate]?.contains(Self.invalidTokenChallenge) == true)
                }
            }
            // A header that is not a bearer credential is refused the same way.
            let basic = try await server.request(.get, "/v1/customers/", headers: [.authorization: "Basic dXNlcjpwYXNz"])
            #expect(basic.status == .unauthorized)
            #expect(basic.errorName == "invalid_token")
        }
    }

    @Test(arguments: Backend.all)
    func missingTokenOnAMerchantRouteIsUnauthorized(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let calls: [(HTTPRequest.Method, String)] = [
                (.get, "/v1/customers/"), (.post, "/v1/customers/"), (.get, "/v1/customer-seats"),
                (.post, "/v1/customer-seats"), (.delete, "/v1/customer-seats/\(UUID().wire)"),
                (.get, "/v1/products/"), (.get, "/v1/subscriptions/"), (.get, "/v1/orders/"), (.get, "/v1/members/"),
            ]
            for (method, path) in calls {
                let response = try await server.request(method, path)
                #expect(response.status == .unauthorized, "\(method) \(path)")
                #expect(response.json == ["error": "Unauthorized", "detail": "Unauthorized"], "\(method) \(path)")
                #expect(response.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true, "\(method) \(path)")
            }
        }
    }

    @Test(arguments: Backend.all)
    func tokenWithoutTheScopeIsForbiddenNamingTheScope(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization(scopes: [.customersRead])
            let response = try await server.request(.post, "/v1/customers/", token: org.token,
                                                    json: ["email": "new@example.com"])
            #expect(response.status == .forbidden)
            #expect(response.errorName == "insufficient_scope")
            #expect(response["error_description"]?.stringValue?.contains("customers:write") == true)
            #expect(response.headers[.wwwAuthenticate]?.contains(#"error="insufficient_scope""#) == true)

            let products = try await server.request(.get, "/v1/products/", token: org.token)
            #expect(products.status == .forbidden)
            #expect(products["error_description"]?.stringValue?.contains("products:read") == true)

            // Nothing was created.
            let list = try await server.request(.get, "/v1/customers/?email=new@example.com", token: org.token)
            #expect(list["pagination"]?["total_count"] == 0)
        }
    }

    @Test(arguments: Backend.all)
    func operatorTokenIsNotAMerchantToken(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let response = try await server.request(.get, "/v1/customers/", token: TestServer.adminToken)
            #expect(response.status == .forbidden)
            #expect(response.errorName == "insufficient_scope")
        }
    }

    /// Each route group admits one kind of caller; every other kind gets the same answer as
    /// before the routes were grouped: 401 `Unauthorized` for none or a portal session, 403
    /// `insufficient_scope` naming what the route needs for the other token kinds.
    @Test(arguments: Backend.all)
    func eachKindOfCallerIsAnsweredTheSameWayOnEveryGroup(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 1)
            let sessionResponse = try await server.request(.post, "/v1/customer-sessions/", token: org.token,
                                                           json: ["customer_id": .string(pool.customerId)])
            let session = try #require(sessionResponse["token"]?.stringValue)
            let unauthorized: JSONValue = ["error": "Unauthorized", "detail": "Unauthorized"]

            // The operator token on a merchant route: 403 naming the route's scopes, body unread.
            let operatorOnMerchant = try await server.request(.post, "/v1/customer-seats", token: TestServer.adminToken,
                                                              rawBody: "{not json")
            #expect(operatorOnMerchant.status == .forbidden)
            #expect(operatorOnMerchant["error_description"]?.stringValue?.hasSuffix(": customer_seats:write") == true)
            #expect(operatorOnMerchant.headers[.wwwAuthenticate]
                == #"Bearer realm="tessera", error="insufficient_scope", scope="customer_seats:write""#)
            let operatorOnList = try await server.request(.get, "/v1/customer-seats", token: TestServer.adminToken)
            #expect(operatorOnList.headers[.wwwAuthenticate]?.hasSuffix(#"scope="customer_seats:read customer_seats:write""#) == true)

            // A merchant token on an operator route: 403 for the operator scope.
            let merchantOnOperator = try await server.request(.get, "/v1/organizations/\(org.id)", token: org.token)
            #expect(merchantOnOperator.status == .forbidden)
            #expect(merchantOnOperator.headers[.wwwAuthenticate]
                == #"Bearer realm="tessera", error="insufficient_scope", scope="operator""#)

            // Nothing, the operator or a merchant token on the portal API; a session on operator routes.
            let refused: [(token: String?, path: String)] = [
                (TestServer.adminToken, "/v1/customer-portal/seats?subscription_id=\(pool.id)"),
                (nil, "/v1/customer-portal/seats?subscription_id=\(pool.id)"),
                (org.token, "/v1/customer-portal/seats?subscription_id=\(pool.id)"),
                (session, "/v1/organizations/\(org.id)"),
            ]
            for (token, path) in refused {
                let response = try await server.request(.get, path, token: token)
                #expect(response.status == .unauthorized, "\(path)")
                #expect(response.json == unauthorized, "\(path)")
                #expect(response.headers[.wwwAuthenticate] == #"Bearer realm="tessera""#, "\(path)")
            }

            // Public routes take any caller, or none.
            for token in [nil, org.token, session, TestServer.adminToken] as [String?] {
                let health = try await server.request(.get, "/healthz", token: token)
                #expect(health.status == .ok)
                let claimInfo = try await server.request(.get, "/v1/customer-seats/claim/unknown", token: token)
                #expect(claimInfo.status == .notFound)
            }

            // Unknown paths: an unknown token is still refused first; otherwise a JSON 404.
            let unknownToken = try await server.request(.get, "/v1/nothing-here", token: "tsr_oat_unknown")
            #expect(unknownToken.status == .unauthorized)
            #expect(unknownToken.errorName == "invalid_token")
            let unknownPath = try await server.request(.get, "/v1/nothing-here", token: session)
            #expect(unknownPath.status == .notFound)
            #expect(unknownPath.errorName == "ResourceNotFound")
        }
    }

    @Test(arguments: Backend.all)
    func authenticationComesBeforeBodyValidation(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let badToken = try await server.request(.post, "/v1/customer-seats", token: "tsr_oat_nope", rawBody: "{not json")
            #expect(badToken.status == .unauthorized)
            #expect(badToken.errorName == "invalid_token")

            let noToken = try await server.request(.post, "/v1/customer-seats", rawBody: "{not json")
            #expect(noToken.status == .unauthorized)
            #expect(noToken.errorName == "Unauthorized")

            let org = try await server.makeOrganization(scopes: [.customerSeatsRead])
            let noScope = try await server.request(.post, "/v1/customer-seats", token: org.token, rawBody: "{not json")
            #expect(noScope.status == .forbidden)
            #expect(noScope.errorName == "insufficient_scope")

            let wrongTypes = try await server.request(.post, "/v1/customers/", token: org.token, json: ["email": 5])
            #expect(wrongTypes.status == .forbidden)

            let operatorBody = try await server.request(.post, "/v1/organizations/", token: org.token, rawBody: "[")
            #expect(operatorBody.status == .forbidden)

            let badPath = try await server.request(.delete, "/v1/customer-seats/not-a-uuid", token: org.token)
            #expect(badPath.status == .forbidden)
        }
    }

    @Test(arguments: Backend.all)
    func seatReadScopeListsButCannotAssign(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 2)
            let assigned = try await server.assign(org, pool, ["email": "held@example.com"])
            #expect(assigned.status == .ok)
            let reader = TestOrganization(
                id: org.id, slug: org.slug, name: org.name,
                token: try await server.makeToken(organizationId: org.id, scopes: [.customerSeatsRead]))

            let list = try await server.list(reader, pool)
            #expect(list.status == .ok)
            #expect(list["total_seats"] == 2)
            #expect(list["available_seats"] == 1)

            let refused = try await server.assign(reader, pool, ["email": "other@example.com"])
            #expect(refused.status == .forbidden)
            #expect(refused.errorName == "insufficient_scope")
            #expect(refused["error_description"]?.stringValue?.contains("customer_seats:write") == true)

            let seatId = assigned.id
            let revoke = try await server.request(.delete, "/v1/customer-seats/\(seatId)", token: reader.token)
            #expect(revoke.status == .forbidden)
            let resend = try await server.request(.post, "/v1/customer-seats/\(seatId)/resend", token: reader.token)
            #expect(resend.status == .forbidden)

            let after = try await server.list(org, pool)
            #expect(after["available_seats"] == 1)
            let counts = try await server.activeSeatCounts(pool, organizationId: org.id)
            #expect(counts.kept == 1)
            #expect(counts.kept == counts.rows)
        }
    }

    @Test(arguments: Backend.all)
    func writeScopeImpliesRead(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 1)
            let writer = try await server.makeToken(
                organizationId: org.id,
                scopes: [.customerSeatsWrite, .customersWrite, .productsWrite, .subscriptionsWrite, .ordersWrite,
                         .membersWrite])
            let reads = [
                "/v1/customer-seats?subscription_id=\(pool.id)", "/v1/customers/", "/v1/customers/\(pool.customerId)",
                "/v1/products/", "/v1/products/\(pool.productId)", "/v1/subscriptions/", "/v1/subscriptions/\(pool.id)",
                "/v1/orders/", "/v1/members/",
            ]
            for path in reads {
                let response = try await server.request(.get, path, token: writer)
                #expect(response.status == .ok, "\(path): \(response.json)")
            }
            // But a read scope does not imply another resource's read scope.
            let customersOnly = try await server.makeToken(organizationId: org.id, scopes: [.customersWrite])
            #expect(try await server.request(.get, "/v1/products/", token: customersOnly).status == .forbidden)
        }
    }

    @Test(arguments: Backend.all)
    func sessionTokenIsUnauthorizedOnMerchantRoutes(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 1)
            let assigned = try await server.assign(org, pool, ["email": "holder@example.com"])
            #expect(assigned.status == .ok)
            let invitation = try #require(try await server.deliverInvitations(to: "holder@example.com").first)
            let claim = try await server.request(.post, "/v1/customer-seats/claim",
                                                 json: ["invitation_token": .string(invitation)])
            #expect(claim.status == .ok)
            let session = try #require(claim["customer_session_token"]?.stringValue)

            for path in ["/v1/customers/", "/v1/customer-seats?subscription_id=\(pool.id)"] {
                let response = try await server.request(.get, path, token: session)
                #expect(response.status == .unauthorized, "\(path)")
                #expect(response.json == ["error": "Unauthorized", "detail": "Unauthorized"], "\(path)")
                #expect(response.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
            }
            let operatorRoute = try await server.request(.get, "/v1/organizations/\(org.id)", token: session)
            #expect(operatorRoute.status == .unauthorized)

            // Once it expires (after an hour) the session token is invalid everywhere.
            server.clock.advance(by: 3601)
            let expired = try await server.request(.get, "/v1/customers/", token: session)
            #expect(expired.status == .unauthorized)
            #expect(expired.errorName == "invalid_token")
        }
    }
}
