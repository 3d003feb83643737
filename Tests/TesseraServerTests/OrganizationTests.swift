import Foundation
import Hummingbird
import SQLKit
import Testing
import TesseraCore

/// Operator routes: `/v1/organizations` and `/v1/organization-access-tokens`.
@Suite struct OrganizationTests {
    private static func uniqueSlug() -> String { "org-\(UUID().wire.prefix(12))" }

    @Test(arguments: Backend.all)
    func createAppliesFeatureSettingDefaults(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let slug = Self.uniqueSlug()
            let response = try await server.request(.post, "/v1/organizations/", token: TestServer.adminToken,
                                                    json: ["name": "Acme", "slug": .string(slug)])
            #expect(response.status == .created)
            #expect(response["name"] == "Acme")
            #expect(response["slug"] == .string(slug))
            #expect(UUID(uuidString: response.id)?.wire == response.id)
            #expect(response["feature_settings"] == ["seat_based_pricing_enabled": true, "member_model_enabled": false, "seat_invitation_emails_enabled": true])
            #expect(response["created_at"]?.stringValue == Timestamp.format(server.clock.now))
            #expect(response["modified_at"] == .null)
        }
    }

    @Test(arguments: Backend.all)
    func createKeepsGivenFeatureSettings(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let response = try await server.request(.post, "/v1/organizations/", token: TestServer.adminToken, json: [
                "name": "Acme", "slug": .string(Self.uniqueSlug()),
                "feature_settings": ["seat_based_pricing_enabled": false, "member_model_enabled": true],
            ])
            #expect(response.status == .created)
            #expect(response["feature_settings"] == ["seat_based_pricing_enabled": false, "member_model_enabled": true, "seat_invitation_emails_enabled": true])
            let fetched = try await server.request(.get, "/v1/organizations/\(response.id)", token: TestServer.adminToken)
            #expect(fetched["feature_settings"] == response["feature_settings"])
        }
    }

    @Test(arguments: Backend.all)
    func duplicateSlugIsAConflict(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let response = try await server.request(.post, "/v1/organizations/", token: TestServer.adminToken,
                                                    json: ["name": "Other", "slug": .string(org.slug)])
            #expect(response.status == .conflict)
            #expect(response.errorName == "Conflict")
            #expect(response.detail?.contains(org.slug) == true)
        }
    }

    @Test(arguments: Backend.all)
    func invalidSlugOrMissingNameIsRejected(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            for slug in ["Upper-Case", "a", "has space", "-dash-first", "double--dash", "dash-last-", "healthz", "dashboard"] {
                let response = try await server.request(.post, "/v1/organizations/", token: TestServer.adminToken,
                                                        json: ["name": "Acme", "slug": .string(slug)])
                #expect(response.status == .unprocessableContent, "slug \(slug)")
                #expect(response.errorName == "RequestValidationError")
                #expect(response["detail"] == .array([[
                    "type": "value_error", "loc": ["body", "slug"],
                    "msg": .string("Value error, \(OrganizationSlug.rule)"),
                    "input": .string(slug),
                ]]), "slug \(slug)")
            }
            let missing = try await server.request(.post, "/v1/organizations/", token: TestServer.adminToken,
                                                   json: ["slug": .string(Self.uniqueSlug())])
            #expect(missing.status == .unprocessableContent)
            #expect(issueLocations(missing) == [["body", "name"]])
        }
    }

    @Test(arguments: Backend.all)
    func getAndUnknownOrganization(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization(memberModel: true)
            let response = try await server.request(.get, "/v1/organizations/\(org.id)", token: TestServer.adminToken)
            #expect(response.status == .ok)
            #expect(response.id == org.id)
            #expect(response["slug"] == .string(org.slug))
            #expect(response["name"] == .string(org.name))
            #expect(response["feature_settings"] == ["seat_based_pricing_enabled": true, "member_model_enabled": true, "seat_invitation_emails_enabled": true])

            let unknown = try await server.request(.get, "/v1/organizations/\(UUID().wire)", token: TestServer.adminToken)
            #expect(unknown.status == .notFound)
            #expect(unknown.errorName == "ResourceNotFound")
        }
    }

    @Test(arguments: Backend.all)
    func patchChangesNameSlugAndFeatureSettings(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let newSlug = Self.uniqueSlug()
            let response = try await server.request(.patch, "/v1/organizations/\(org.id)", token: TestServer.adminToken, json: [
                "name": "Renamed", "slug": .string(newSlug), "feature_settings": ["member_model_enabled": true],
            ])
            #expect(response.status == .ok)
            #expect(response["name"] == "Renamed")
            #expect(response["slug"] == .string(newSlug))
            // A partial feature_settings object changes only what it names.
            #expect(response["feature_settings"] == ["seat_based_pricing_enabled": true, "member_model_enabled": true, "seat_invitation_emails_enabled": true])
            #expect(response["modified_at"]?.stringValue == Timestamp.format(server.clock.now))

            let fetched = try await server.request(.get, "/v1/organizations/\(org.id)", token: TestServer.adminToken)
            #expect(fetched["name"] == "Renamed")
            #expect(fetched["slug"] == .string(newSlug))
            #expect(fetched["feature_settings"]?["member_model_enabled"] == true)

            // The old slug is free again; another organization's slug is not.
            let other = try await server.makeOrganization()
            let taken = try await server.request(.patch, "/v1/organizations/\(org.id)", token: TestServer.adminToken,
                                                 json: ["slug": .string(other.slug)])
            #expect(taken.status == .conflict)
            let invalid = try await server.request(.patch, "/v1/organizations/\(org.id)", token: TestServer.adminToken,
                                                   json: ["slug": "Not Valid"])
            #expect(invalid.status == .unprocessableContent)
            #expect(issueLocations(invalid) == [["body", "slug"]])
            let same = try await server.request(.patch, "/v1/organizations/\(org.id)", token: TestServer.adminToken,
                                                json: ["slug": .string(newSlug)])
            #expect(same.status == .ok)
            let unknown = try await server.request(.patch, "/v1/organizations/\(UUID().wire)", token: TestServer.adminToken,
                                                   json: ["name": "x"])
            #expect(unknown.status == .notFound)
        }
    }

    @Test(arguments: Backend.all)
    func turningSeatPricingOffDisablesSeatAssignment(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 2)
            let off = try await server.request(.patch, "/v1/organizations/\(org.id)", token: TestServer.adminToken,
                                               json: ["feature_settings": ["seat_based_pricing_enabled": false]])
            #expect(off["feature_settings"] == ["seat_based_pricing_enabled": false, "member_model_enabled": false, "seat_invitation_emails_enabled": true])
            let refused = try await server.assign(org, pool, ["email": "someone@example.com"])
            #expect(refused.status == .forbidden)
            #expect(refused.errorName == "FeatureNotEnabled")

            _ = try await server.request(.patch, "/v1/organizations/\(org.id)", token: TestServer.adminToken,
                                         json: ["feature_settings": ["seat_based_pricing_enabled": true]])
            let assigned = try await server.assign(org, pool, ["email": "someone@example.com"])
            #expect(assigned.status == .ok)
            let counts = try await server.activeSeatCounts(pool, organizationId: org.id)
            #expect(counts.kept == 1)
            #expect(counts.kept == counts.rows)
        }
    }

    @Test(arguments: Backend.all)
    func organizationRoutesNeedTheOperatorToken(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let create: JSONValue = ["name": "Acme", "slug": .string(Self.uniqueSlug())]
            let tokenBody: JSONValue = ["organization_id": .string(org.id), "comment": "x", "scopes": ["customers:read"]]
            let calls: [(HTTPRequest.Method, String, JSONValue?)] = [
                (.post, "/v1/organizations/", create),
                (.get, "/v1/organizations/\(org.id)", nil),
                (.patch, "/v1/organizations/\(org.id)", ["name": "Hijacked"]),
                (.post, "/v1/organization-access-tokens/", tokenBody),
                (.delete, "/v1/organization-access-tokens/\(UUID().wire)", nil),
            ]
            for (method, path, body) in calls {
                let withOrgToken = try await server.request(method, path, token: org.token, json: body)
                #expect(withOrgToken.status == .forbidden, "\(method) \(path)")
                #expect(withOrgToken.errorName == "insufficient_scope", "\(method) \(path)")

                let anonymous = try await server.request(method, path, json: body)
                #expect(anonymous.status == .unauthorized, "\(method) \(path)")
                #expect(anonymous.json == ["error": "Unauthorized", "detail": "Unauthorized"], "\(method) \(path)")
                #expect(anonymous.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
            }
            let unchanged = try await server.request(.get, "/v1/organizations/\(org.id)", token: TestServer.adminToken)
            #expect(unchanged["name"] == .string(org.name))
        }
    }
}

/// `/v1/organization-access-tokens`.
@Suite struct OrganizationAccessTokenTests {
    @Test(arguments: Backend.all)
    func createReturnsTheTokenOnceWithItsRecord(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let response = try await server.request(.post, "/v1/organization-access-tokens/", token: TestServer.adminToken, json: [
                "organization_id": .string(org.id), "comment": "CI token",
                "scopes": ["customer_seats:read", "customers:write"],
            ])
            #expect(response.status == .created)
            #expect(response.json.objectValue.map { Set($0.keys) } == ["organization_access_token", "token"])
            let token = try #require(response["token"]?.stringValue)
            #expect(token.hasPrefix("tsr_oat_"))
            #expect(token.count > "tsr_oat_".count + 40)
            let record = try #require(response["organization_access_token"]?.objectValue)
            #expect(Set(record.keys) == ["id", "created_at", "modified_at", "organization_id", "comment", "scopes",
                                         "expires_at", "last_used_at"])
            #expect(record["id"]?.stringValue.flatMap(UUID.init(uuidString:)) != nil)
            #expect(record["organization_id"] == .string(org.id))
            #expect(record["comment"] == "CI token")
            #expect(record["scopes"] == ["customer_seats:read", "customers:write"])
            #expect(record["expires_at"] == .null)
            #expect(record["last_used_at"] == .null)
            #expect(record["modified_at"] == .null)
            #expect(record["created_at"]?.stringValue == Timestamp.format(server.clock.now))

            // The token works with exactly its scopes.
            let customers = try await server.request(.get, "/v1/customers/", token: token)
            #expect(customers.status == .ok)
            let products = try await server.request(.get, "/v1/products/", token: token)
            #expect(products.status == .forbidden)
        }
    }

    @Test(arguments: Backend.all)
    func unknownScopeIsRejected(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let response = try await server.request(.post, "/v1/organization-access-tokens/", token: TestServer.adminToken, json: [
                "organization_id": .string(org.id), "comment": "x", "scopes": ["customers:read", "everything:write"],
            ])
            #expect(response.status == .unprocessableContent)
            #expect(response.errorName == "RequestValidationError")
            #expect(issueLocations(response) == [["body", "scopes"]])

            let missing = try await server.request(.post, "/v1/organization-access-tokens/", token: TestServer.adminToken,
                                                   json: ["organization_id": .string(org.id), "comment": "x"])
            #expect(missing.status == .unprocessableContent)
            #expect(issueLocations(missing) == [["body", "scopes"]])
        }
    }

    @Test(arguments: Backend.all)
    func unknownOrganizationIsNotFound(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let response = try await server.request(.post, "/v1/organization-access-tokens/", token: TestServer.adminToken, json: [
                "organization_id": .string(UUID().wire), "comment": "x", "scopes": ["customers:read"],
            ])
            #expect(response.status == .notFound)
            #expect(response.errorName == "ResourceNotFound")
        }
    }

    @Test(arguments: Backend.all)
    func expiringTokenIsRefusedAfterItsExpiry(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let response = try await server.request(.post, "/v1/organization-access-tokens/", token: TestServer.adminToken, json: [
                "organization_id": .string(org.id), "comment": "short", "scopes": ["customers:read"], "expires_in": 60,
            ])
            #expect(response.status == .created)
            #expect(response["organization_access_token"]?["expires_at"]?.stringValue
                    == Timestamp.format(server.clock.now.addingTimeInterval(60)))
            let token = try #require(response["token"]?.stringValue)

            server.clock.advance(by: 59)
            #expect(try await server.request(.get, "/v1/customers/", token: token).status == .ok)

            server.clock.advance(by: 2)
            let expired = try await server.request(.get, "/v1/customers/", token: token)
            #expect(expired.status == .unauthorized)
            #expect(expired.errorName == "invalid_token")
            #expect(expired.headers[.wwwAuthenticate]?.contains(#"Bearer realm="tessera", error="invalid_token""#) == true)

            let zero = try await server.request(.post, "/v1/organization-access-tokens/", token: TestServer.adminToken, json: [
                "organization_id": .string(org.id), "comment": "x", "scopes": ["customers:read"], "expires_in": 0,
            ])
            #expect(zero.status == .unprocessableContent)
            #expect(issueLocations(zero) == [["body", "expires_in"]])
        }
    }

    @Test(arguments: Backend.all)
    func deletedTokenIsRefused(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let response = try await server.request(.post, "/v1/organization-access-tokens/", token: TestServer.adminToken, json: [
                "organization_id": .string(org.id), "comment": "temp", "scopes": ["customers:read"],
            ])
            let token = try #require(response["token"]?.stringValue)
            let id = try #require(response["organization_access_token"]?["id"]?.stringValue)
            #expect(try await server.request(.get, "/v1/customers/", token: token).status == .ok)

            let deleted = try await server.request(.delete, "/v1/organization-access-tokens/\(id)", token: TestServer.adminToken)
            #expect(deleted.status == .noContent)
            #expect(deleted.json == .null)

            let refused = try await server.request(.get, "/v1/customers/", token: token)
            #expect(refused.status == .unauthorized)
            #expect(refused.errorName == "invalid_token")

            // Other tokens of the organization are untouched.
            #expect(try await server.request(.get, "/v1/customers/", token: org.token).status == .ok)

            let again = try await server.request(.delete, "/v1/organization-access-tokens/\(id)", token: TestServer.adminToken)
            #expect(again.status == .notFound)
            let unknown = try await server.request(.delete, "/v1/organization-access-tokens/\(UUID().wire)",
                                                   token: TestServer.adminToken)
            #expect(unknown.status == .notFound)
        }
    }

    @Test(arguments: Backend.all)
    func tokenIsStoredOnlyAsAHash(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let response = try await server.request(.post, "/v1/organization-access-tokens/", token: TestServer.adminToken, json: [
                "organization_id": .string(org.id), "comment": "hashed", "scopes": ["customers:read"],
            ])
            let token = try #require(response["token"]?.stringValue)
            let id = try #require(response["organization_access_token"]?["id"]?.stringValue)
            let rows = try await server.database.withConnection { session in
                try await session.sql.raw("SELECT id, token_hash FROM access_tokens").all().map { row in
                    [try row.decode(column: "id", as: String.self), try row.decode(column: "token_hash", as: String.self)]
                }
            }
            #expect(!rows.isEmpty)
            #expect(!rows.contains { $0[1].contains(token) || token.contains($0[1]) })
            #expect(rows.contains { $0 == [id, SecretToken.hash(token)] })
            #expect(SecretToken.hash(token) != token)
        }
    }
}

/// The `loc` of every issue in a 422 body.
func issueLocations(_ response: TestResponse) -> [JSONValue] {
    guard case .array(let issues)? = response["detail"] else { return [] }
    return issues.compactMap { $0["loc"] }
}

/// The `type` of every issue in a 422 body.
func issueTypes(_ response: TestResponse) -> [String] {
    guard case .array(let issues)? = response["detail"] else { return [] }
    return issues.compactMap { $0["type"]?.stringValue }
}
