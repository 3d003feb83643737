import Foundation
import Hummingbird
import Testing
import TesseraCore

/// License keys: a `license_keys` benefit gives each grant a key, which validates while the
/// seat is claimed and stops at once when it is revoked.
@Suite struct LicenseKeyTests {
    static let rules: JSONValue = [
        "prefix": "ACME", "expires": ["ttl": 1, "timeframe": "month"],
        "activations": ["limit": 2, "enable_customer_admin": true], "limit_usage": 3,
    ]

    /// A pool whose product grants a license-key benefit, and a claimed seat in it.
    static func keyHolder(_ server: TestServer, _ org: TestOrganization, email: String = "ann@example.com")
        async throws -> (pool: TestPool, benefit: String, seat: JSONValue)
    {
        let pool = try await server.makeSubscription(org, seats: 2)
        let benefit = try await server.request(.post, "/v1/benefits/", token: org.token, json: [
            "type": "license_keys", "description": "Desktop app", "properties": rules,
        ])
        _ = try await server.request(.post, "/v1/products/\(pool.productId)/benefits", token: org.token,
                                     json: ["benefits": [.string(benefit.id)]])
        let seat = try await BenefitGrantTests.claimSeat(server, org, pool, email: email)
        return (pool, benefit.id, seat)
    }

    static func keys(_ server: TestServer, _ org: TestOrganization) async throws -> [JSONValue] {
        try await server.request(.get, "/v1/license-keys/", token: org.token)["items"]?.arrayValue ?? []
    }

    static func validate(_ server: TestServer, _ org: TestOrganization, _ body: [String: JSONValue],
                         publicly: Bool = false) async throws -> TestResponse {
        var body = body
        if body["organization_id"] == nil { body["organization_id"] = .string(org.id) }
        return publicly
            ? try await server.request(.post, "/v1/customer-portal/license-keys/validate", json: .object(body))
            : try await server.request(.post, "/v1/license-keys/validate", token: org.token, json: .object(body))
    }

    @Test(arguments: Backend.all)
    func eachGrantGetsARandomKeyByTheBenefitsRules(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let (_, benefit, seat) = try await Self.keyHolder(server, org)
            // A seat of a product without the benefit gets no key.
            let plain = try await server.makeSubscription(org, seats: 1)
            _ = try await BenefitGrantTests.claimSeat(server, org, plain, email: "x@example.com")
            let keys = try await Self.keys(server, org)
            #expect(keys.count == 1)
            let key = try #require(keys.first)
            let text = try #require(key["key"]?.stringValue)
            // The prefix, then 128 random bits as 32 upper-case hex digits in 8-4-4-4-12 groups.
            let body = text.dropFirst("ACME-".count)
            #expect(text.hasPrefix("ACME-"))
            #expect(body.split(separator: "-").map(\.count) == [8, 4, 4, 4, 12])
            #expect(body.allSatisfy { $0 == "-" || ("0"..."9").contains($0) || ("A"..."F").contains($0) })
            #expect(key["display_key"] == .string("****-" + text.suffix(6)))
            #expect(key["status"] == "granted")
            #expect(key["benefit_id"] == .string(benefit))
            #expect(key["customer_id"] == seat["customer_id"])
            #expect(key["limit_usage"] == 3)
            #expect(key["limit_activations"] == 2)
            #expect(key["usage"] == 0)
            let created = try #require(key["created_at"]?.stringValue.flatMap(Timestamp.parse))
            let expires = try #require(key["expires_at"]?.stringValue.flatMap(Timestamp.parse))
            let days = expires.timeIntervalSince(created) / 86_400
            #expect(days >= 28 && days <= 31, "\(days)")

            // The grant names its key.
            let grant = try #require(try await BenefitGrantTests.grants(server, org, "&is_granted=true")
                .first { $0["benefit_id"] == .string(benefit) })
            #expect(grant["properties"] == ["license_key_id": key["id"] ?? .null, "display_key": key["display_key"] ?? .null])
            let fetched = try await server.request(.get, "/v1/license-keys/\(key["id"]?.stringValue ?? "")", token: org.token)
            #expect(fetched["key"] == .string(text))
            #expect(fetched["activations"] == [])

            // Another holder gets another key.
            _ = try await Self.keyHolder(server, org, email: "bo@example.com")
            let all = try await Self.keys(server, org).compactMap { $0["key"]?.stringValue }
            #expect(all.count == 2 && Set(all).count == 2)
        }
    }

    @Test(arguments: Backend.all)
    func validationCountsUsesAndRefusesWhatDoesNotMatch(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let (_, benefit, seat) = try await Self.keyHolder(server, org)
            let key = try #require(try await Self.keys(server, org).first?["key"])

            let valid = try await Self.validate(server, org, ["key": key])
            #expect(valid.status == .ok)
            #expect(valid["validations"] == 1)
            #expect(valid["last_validated_at"] != .null)
            #expect(valid["activation"] == .null)
            let used = try await Self.validate(server, org, ["key": key, "increment_usage": 2, "benefit_id": .string(benefit),
                                                             "customer_id": seat["customer_id"] ?? .null])
            #expect(used["usage"] == 2)
            let over = try await Self.validate(server, org, ["key": key, "increment_usage": 2])
            #expect(over.status == .badRequest)
            #expect(over.detail == "License key only has 1 more usages.")
            #expect(try await Self.keys(server, org).first?["usage"] == 2)

            for body: [String: JSONValue] in [
                ["key": "ACME-NOT-A-KEY"], ["key": key, "benefit_id": .string(UUID().wire)],
                ["key": key, "customer_id": .string(UUID().wire)], ["key": key, "activation_id": .string(UUID().wire)],
            ] {
                let refused = try await Self.validate(server, org, body)
                #expect(refused.status == .notFound, "\(body)")
            }
            // Another organization's token, or its id in the body, finds nothing.
            let other = try await server.makeOrganization()
            #expect(try await Self.validate(server, other, ["key": key]).status == .notFound)
            #expect(try await Self.validate(server, org, ["key": key, "organization_id": .string(other.id)]).status == .notFound)
            let missing = try await server.request(.post, "/v1/license-keys/validate", token: org.token, json: ["key": key])
            #expect(issueLocations(missing) == [["body", "organization_id"]])
            let reader = try await server.makeToken(organizationId: org.id, scopes: [.licenseKeysRead])
            let forbidden = try await server.request(.post, "/v1/license-keys/validate", token: reader,
                                                     json: ["key": key, "organization_id": .string(org.id)])
            #expect(forbidden.status == .forbidden)
        }
    }

    @Test(arguments: Backend.all)
    func aRevokedSeatsKeyStopsValidatingAtOnce(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let (_, _, seat) = try await Self.keyHolder(server, org)
            let key = try #require(try await Self.keys(server, org).first?["key"])
            #expect(try await Self.validate(server, org, ["key": key], publicly: true).status == .ok)

            _ = try await server.request(.delete, "/v1/customer-seats/\(try #require(seat["id"]?.stringValue))", token: org.token)
            let refused = try await Self.validate(server, org, ["key": key], publicly: true)
            #expect(refused.status == .notFound)
            #expect(refused.detail == "License key is no longer active.")
            #expect(try await Self.keys(server, org).first?["status"] == "revoked")
        }
    }

    @Test(arguments: Backend.all)
    func anExpiredKeyIsRefused(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            _ = try await Self.keyHolder(server, org)
            let key = try #require(try await Self.keys(server, org).first?["key"])
            server.clock.advance(by: 32 * 86_400)
            let refused = try await Self.validate(server, org, ["key": key])
            #expect(refused.status == .notFound)
            #expect(refused.detail == "License key has expired.")
        }
    }

    @Test(arguments: Backend.all)
    func activationsAreBoundedCheckedAndFreed(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            _ = try await Self.keyHolder(server, org)
            let listed = try #require(try await Self.keys(server, org).first)
            let key = try #require(listed["key"]), keyId = try #require(listed["id"]?.stringValue)
            func activate(_ label: String, publicly: Bool = false) async throws -> TestResponse {
                let body: JSONValue = ["key": key, "organization_id": .string(org.id), "label": .string(label),
                                       "conditions": ["major": 1], "meta": ["os": "linux"]]
                return publicly
                    ? try await server.request(.post, "/v1/customer-portal/license-keys/activate", json: body)
                    : try await server.request(.post, "/v1/license-keys/activate", token: org.token, json: body)
            }
            let laptop = try await activate("laptop")
            #expect(laptop.status == .ok)
            #expect(laptop["label"] == "laptop")
            #expect(laptop["meta"] == ["os": "linux"])
            #expect(laptop["license_key"]?["id"] == .string(keyId))
            #expect(try await activate("desktop", publicly: true).status == .ok)
            let third = try await activate("tablet")
            #expect(third.status == .forbidden)
            #expect(third.detail == "License key activation limit already reached.")

            let fetched = try await server.request(.get, "/v1/license-keys/\(keyId)", token: org.token)
            #expect(Set(fetched["activations"]?.arrayValue?.compactMap { $0["label"]?.stringValue } ?? []) == ["laptop", "desktop"])
            let one = try await server.request(.get, "/v1/license-keys/\(keyId)/activations/\(laptop.id)", token: org.token)
            #expect(one["label"] == "laptop")

            // A validation naming an activation must bring its conditions.
            let matching = try await Self.validate(server, org, ["key": key, "activation_id": .string(laptop.id),
                                                                 "conditions": ["major": 1]])
            #expect(matching.status == .ok)
            #expect(matching["activation"]?["id"] == .string(laptop.id))
            for conditions: JSONValue in [["major": 2], [:]] {
                let refused = try await Self.validate(server, org, ["key": key, "activation_id": .string(laptop.id),
                                                                    "conditions": conditions])
                #expect(refused.status == .notFound, "\(conditions)")
            }

            // Deactivating frees the place; a second time finds nothing.
            let body: JSONValue = ["key": key, "organization_id": .string(org.id), "activation_id": .string(laptop.id)]
            #expect(try await server.request(.post, "/v1/license-keys/deactivate", token: org.token, json: body).status == .noContent)
            #expect(try await server.request(.post, "/v1/customer-portal/license-keys/deactivate", json: body).status == .notFound)
            #expect(try await activate("tablet").status == .ok)
        }
    }

    /// Activations racing for the last places of a key: never more than its limit.
    @Test(arguments: Backend.all)
    func concurrentActivationsNeverPassTheLimit(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            _ = try await Self.keyHolder(server, org)
            let listed = try #require(try await Self.keys(server, org).first)
            let key = try #require(listed["key"])
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for index in 0..<10 {
                    group.addTask {
                        try await server.request(.post, "/v1/license-keys/activate", token: org.token, json: [
                            "key": key, "organization_id": .string(org.id), "label": .string("device \(index)"),
                        ]).status
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .ok }.count == 2)
            #expect(statuses.filter { $0 == .forbidden }.count == 8)
            let fetched = try await server.request(.get, "/v1/license-keys/\(listed["id"]?.stringValue ?? "")", token: org.token)
            #expect(fetched["activations"]?.arrayValue?.count == 2)
        }
    }

    @Test(arguments: Backend.all)
    func aKeyWithoutActivationRulesRefusesActivation(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 1)
            let benefit = try await server.request(.post, "/v1/benefits/", token: org.token, json: [
                "type": "license_keys", "description": "Plain key", "properties": [:],
            ])
            _ = try await server.request(.post, "/v1/products/\(pool.productId)/benefits", token: org.token,
                                         json: ["benefits": [.string(benefit.id)]])
            _ = try await BenefitGrantTests.claimSeat(server, org, pool, email: "dee@example.com")
            let key = try #require(try await Self.keys(server, org).first?["key"])
            let refused = try await server.request(.post, "/v1/license-keys/activate", token: org.token, json: [
                "key": key, "organization_id": .string(org.id), "label": "laptop",
            ])
            #expect(refused.status == .forbidden)
            #expect(refused.detail == "This license key does not support activations.")
        }
    }

    /// Validations that count usage at once: never past the limit, none lost.
    @Test(arguments: Backend.all)
    func concurrentValidationsCountEveryUseAndNeverPassTheLimit(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            _ = try await Self.keyHolder(server, org)
            let key = try #require(try await Self.keys(server, org).first?["key"])
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for _ in 0..<12 {
                    group.addTask { try await Self.validate(server, org, ["key": key, "increment_usage": 1]).status }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .ok }.count == 3)
            #expect(statuses.filter { $0 == .badRequest }.count == 9)
            let listed = try #require(try await Self.keys(server, org).first)
            #expect(listed["usage"] == 3)
            #expect(listed["validations"] == 3)
        }
    }

    @Test(arguments: Backend.all)
    func aMerchantChangesOnlyWhatItSends(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            _ = try await Self.keyHolder(server, org)
            let before = try #require(try await Self.keys(server, org).first)
            let path = "/v1/license-keys/\(try #require(before["id"]?.stringValue))"

            let raised = try await server.request(.patch, path, token: org.token, json: ["limit_usage": 10, "usage": 4])
            #expect(raised.status == .ok)
            #expect(raised["limit_usage"] == 10)
            #expect(raised["usage"] == 4)
            #expect(raised["limit_activations"] == before["limit_activations"])
            #expect(raised["expires_at"] == before["expires_at"])
            #expect(raised["status"] == "granted")
            #expect(raised["modified_at"] != .null)
            #expect(raised["key"] == before["key"])

            // null lifts a limit and the expiry; a date sets it.
            let lifted = try await server.request(.patch, path, token: org.token, json: [
                "limit_usage": .null, "limit_activations": .null, "expires_at": .null,
            ])
            #expect(lifted["limit_usage"] == .null)
            #expect(lifted["limit_activations"] == .null)
            #expect(lifted["expires_at"] == .null)
            #expect(lifted["usage"] == 4)
            server.clock.advance(by: 40 * 86_400)
            #expect(try await Self.validate(server, org, ["key": before["key"] ?? .null, "increment_usage": 100]).status == .ok)
            let dated = try await server.request(.patch, path, token: org.token, json: ["expires_at": "2020-01-01T00:00:00Z"])
            #expect(dated["expires_at"]?.stringValue.flatMap(Timestamp.parse) == Timestamp.parse("2020-01-01T00:00:00Z"))
            #expect(try await Self.validate(server, org, ["key": before["key"] ?? .null]).detail == "License key has expired.")
            _ = try await server.request(.patch, path, token: org.token, json: ["expires_at": .null])

            // Disabled, the key stops validating; granted again, it validates.
            let disabled = try await server.request(.patch, path, token: org.token, json: ["status": "disabled"])
            #expect(disabled["status"] == "disabled")
            #expect(try await Self.validate(server, org, ["key": before["key"] ?? .null]).detail
                == "License key is no longer active.")
            let granted = try await server.request(.patch, path, token: org.token, json: ["status": "granted"])
            #expect(granted["status"] == "granted")
            #expect(try await Self.validate(server, org, ["key": before["key"] ?? .null]).status == .ok)

            // Usage past the limit the key will have is refused, and nothing changes.
            let over = try await server.request(.patch, path, token: org.token, json: ["limit_usage": 5, "usage": 6])
            #expect(over.status == .badRequest)
            #expect(over.detail == "Usage cannot exceed the usage limit of 5.")
            #expect(try await Self.keys(server, org).first?["limit_usage"] == .null)
        }
    }

    @Test(arguments: Backend.all)
    func aChangeIsValidatedAndScoped(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            _ = try await Self.keyHolder(server, org)
            let id = try #require(try await Self.keys(server, org).first?["id"]?.stringValue)
            let path = "/v1/license-keys/\(id)"
            let invalid = try await server.request(.patch, path, token: org.token, json: [
                "status": "lost", "usage": -1, "limit_usage": 0, "limit_activations": 0, "expires_at": "tomorrow",
            ])
            #expect(invalid.status == .unprocessableContent)
            #expect(Set(issueLocations(invalid)) == [
                ["body", "status"], ["body", "usage"], ["body", "limit_usage"], ["body", "limit_activations"],
                ["body", "expires_at"],
            ])
            #expect(try await Self.keys(server, org).first?["status"] == "granted")

            let other = try await server.makeOrganization()
            #expect(try await server.request(.patch, path, token: other.token, json: ["usage": 1]).status == .notFound)
            let reader = try await server.makeToken(organizationId: org.id, scopes: [.licenseKeysRead])
            #expect(try await server.request(.patch, path, token: reader, json: ["usage": 1]).status == .forbidden)
            #expect(try await server.request(.patch, "/v1/license-keys/\(UUID().wire)", token: org.token,
                                             json: ["usage": 1]).status == .notFound)
        }
    }

    /// The seat, not the key, decides who may use it: a revoked seat's key cannot be granted again.
    @Test(arguments: Backend.all)
    func aRevokedSeatsKeyCannotBeGrantedAgain(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let (_, _, seat) = try await Self.keyHolder(server, org)
            let listed = try #require(try await Self.keys(server, org).first)
            let path = "/v1/license-keys/\(try #require(listed["id"]?.stringValue))"
            _ = try await server.request(.delete, "/v1/customer-seats/\(try #require(seat["id"]?.stringValue))", token: org.token)

            let refused = try await server.request(.patch, path, token: org.token, json: ["status": "granted"])
            #expect(refused.status == .forbidden)
            #expect(refused.errorName == "NotPermitted")
            #expect(try await Self.keys(server, org).first?["status"] == "revoked")
            #expect(try await Self.validate(server, org, ["key": listed["key"] ?? .null]).status == .notFound)
            // Other changes still apply.
            let disabled = try await server.request(.patch, path, token: org.token, json: ["status": "disabled", "usage": 1])
            #expect(disabled["status"] == "disabled")
            #expect(disabled["usage"] == 1)
        }
    }

    /// The portal lists the signed-in customer's keys and shows one in full; another
    /// holder's key is not found.
    @Test(arguments: Backend.all)
    func thePortalShowsTheCustomersOwnKeys(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let (pool, benefit, ann) = try await Self.keyHolder(server, org)
            _ = try await BenefitGrantTests.claimSeat(server, org, pool, email: "bo@example.com")
            let keys = try await Self.keys(server, org)
            let annsKey = try #require(keys.first { $0["customer_id"] == ann["customer_id"] })
            let bosKey = try #require(keys.first { $0["customer_id"] != ann["customer_id"] })

            let session = try await PortalAPITests.session(server, org, customerId: try #require(ann["customer_id"]?.stringValue))
            let token = try #require(session["token"]?.stringValue)
            let listed = try await server.request(.get, "/v1/customer-portal/license-keys/", token: token)
            #expect(listed.status == .ok)
            #expect(listed["items"]?.arrayValue?.map { $0["id"] } == [annsKey["id"]])
            #expect(listed["pagination"]?["total_count"] == 1)
            #expect(listed["items"]?[0]?["key"] == annsKey["key"])
            let filtered = try await server.request(.get, "/v1/customer-portal/license-keys/?benefit_id=\(UUID().wire)",
                                                    token: token)
            #expect(filtered["items"] == [])
            let byBenefit = try await server.request(.get, "/v1/customer-portal/license-keys/?benefit_id=\(benefit)",
                                                     token: token)
            #expect(byBenefit["items"]?.arrayValue?.count == 1)

            let one = try await server.request(.get, "/v1/customer-portal/license-keys/\(annsKey["id"]?.stringValue ?? "")",
                                               token: token)
            #expect(one.status == .ok)
            #expect(one["key"] == annsKey["key"])
            #expect(one["activations"] == [])
            let others = try await server.request(.get, "/v1/customer-portal/license-keys/\(bosKey["id"]?.stringValue ?? "")",
                                                  token: token)
            #expect(others.status == .notFound)

            // Only a portal session reaches these routes.
            #expect(try await server.request(.get, "/v1/customer-portal/license-keys/").status == .unauthorized)
            #expect(try await server.request(.get, "/v1/customer-portal/license-keys/", token: org.token).status
                == .unauthorized)
        }
    }

    /// With members, the billing customer sees every key its seats hold; a member only their own.
    @Test(arguments: Backend.all)
    func aMemberSeesOnlyTheirOwnKeys(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization(memberModel: true)
            let (pool, _, ann) = try await Self.keyHolder(server, org)
            let bo = try await BenefitGrantTests.claimSeat(server, org, pool, email: "bo@example.com")
            let annMember = try #require(ann["member_id"]?.stringValue)
            #expect(bo["member_id"] != ann["member_id"])

            let billing = try await PortalAPITests.session(server, org, customerId: pool.customerId)
            let all = try await server.request(.get, "/v1/customer-portal/license-keys/",
                                               token: try #require(billing["token"]?.stringValue))
            #expect(all["items"]?.arrayValue?.count == 2)

            let member = try await PortalAPITests.session(server, org, customerId: pool.customerId, memberId: annMember)
            let memberToken = try #require(member["token"]?.stringValue)
            let own = try await server.request(.get, "/v1/customer-portal/license-keys/", token: memberToken)
            let ownItems = try #require(own["items"]?.arrayValue)
            #expect(ownItems.count == 1)
            let keys = try await Self.keys(server, org)
            let bosKey = try #require(keys.first { $0["id"] != ownItems.first?["id"] })
            let others = try await server.request(.get, "/v1/customer-portal/license-keys/\(bosKey["id"]?.stringValue ?? "")",
                                                  token: memberToken)
            #expect(others.status == .notFound)
        }
    }
}
