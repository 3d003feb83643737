import Foundation
import Hummingbird
import Testing
import TesseraCore

/// `/v1/benefits` and `/v1/products/{id}/benefits`: Polar's shapes for the three benefit
/// types Tessera supports, refusals that name what is wrong, and products that list their
/// benefits in the merchant's order.
@Suite struct BenefitTests {
    static func create(_ server: TestServer, _ org: TestOrganization, _ body: JSONValue) async throws -> TestResponse {
        try await server.request(.post, "/v1/benefits/", token: org.token, json: body)
    }

    static let licenseKeys: JSONValue = [
        "type": "license_keys", "description": "Desktop app key", "metadata": ["tier": "pro"],
        "properties": [
            "prefix": "ACME", "expires": ["ttl": 1, "timeframe": "year"],
            "activations": ["limit": 3, "enable_customer_admin": true], "limit_usage": 100,
        ],
    ]

    @Test(arguments: Backend.all)
    func createsEachSupportedTypeInPolarsShape(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let custom = try await Self.create(server, org, [
                "type": "custom", "description": "Priority support", "properties": ["note": "Write to vip@acme.example"],
            ])
            #expect(custom.status == .created)
            #expect(custom["type"] == "custom")
            #expect(custom["description"] == "Priority support")
            #expect(custom["properties"] == ["note": "Write to vip@acme.example"])
            #expect(custom["organization_id"] == .string(org.id))
            #expect(custom["visibility"] == "public")
            #expect(custom["selectable"] == true)
            #expect(custom["deletable"] == true)
            #expect(custom["is_deleted"] == false)
            #expect(custom["visibility_configurable"] == true)
            #expect(custom["metadata"] == [:])
            #expect(custom["modified_at"] == .null)

            let flag = try await Self.create(server, org, [
                "type": "feature_flag", "description": "Beta features", "visibility": "private", "properties": [:],
            ])
            #expect(flag.status == .created)
            #expect(flag["properties"] == [:])
            #expect(flag["visibility"] == "private")

            let keys = try await Self.create(server, org, Self.licenseKeys)
            #expect(keys.status == .created)
            #expect(keys["properties"] == [
                "prefix": "ACME", "expires": ["ttl": 1, "timeframe": "year"],
                "activations": ["limit": 3, "enable_customer_admin": true], "limit_usage": 100,
            ])
            #expect(keys["metadata"] == ["tier": "pro"])
            // Unset license key rules read back as nulls, as Polar shows them.
            let bare = try await Self.create(server, org, ["type": "license_keys", "description": "Plain key", "properties": [:]])
            #expect(bare["properties"] == ["prefix": .null, "expires": .null, "activations": .null, "limit_usage": .null])

            let fetched = try await server.request(.get, "/v1/benefits/\(keys.id)", token: org.token)
            #expect(fetched.status == .ok)
            #expect(fetched.json == keys.json)
        }
    }

    @Test(arguments: Backend.all)
    func listsPageFilterByTypeAndSearchTheDescription(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let other = try await server.makeOrganization()
            for (type, description) in [("custom", "Priority support"), ("feature_flag", "Beta features"),
                                        ("custom", "Onboarding call"), ("feature_flag", "100% uptime_sla")] {
                let made = try await Self.create(server, org, ["type": .string(type), "description": .string(description),
                                                               "properties": [:]])
                #expect(made.status == .created)
                server.clock.advance(by: 1)
            }
            _ = try await Self.create(server, other, ["type": "custom", "description": "Not yours", "properties": [:]])

            let all = try await server.request(.get, "/v1/benefits/", token: org.token)
            #expect(all["pagination"]?["total_count"] == 4)
            #expect(all["items"]?.arrayValue?.compactMap { $0["description"]?.stringValue }
                == ["Priority support", "Beta features", "Onboarding call", "100% uptime_sla"])
            let flags = try await server.request(.get, "/v1/benefits/?type=feature_flag", token: org.token)
            #expect(flags["items"]?.arrayValue?.compactMap { $0["description"]?.stringValue } == ["Beta features", "100% uptime_sla"])
            let searched = try await server.request(.get, "/v1/benefits/?query=SUPPORT", token: org.token)
            #expect(searched["items"]?.arrayValue?.compactMap { $0["description"]?.stringValue } == ["Priority support"])
            // `%` and `_` in the search are the characters themselves, not wildcards.
            let literal = try await server.request(.get, "/v1/benefits/?query=0%25%20up", token: org.token)
            #expect(literal["items"]?.arrayValue?.compactMap { $0["description"]?.stringValue } == ["100% uptime_sla"])
            // Unescaped, `_` would match the space of "Beta features".
            let underscore = try await server.request(.get, "/v1/benefits/?query=a_f", token: org.token)
            #expect(underscore["items"]?.arrayValue?.count == 0)
            let paged = try await server.request(.get, "/v1/benefits/?limit=3&page=2", token: org.token)
            #expect(paged["items"]?.arrayValue?.compactMap { $0["description"]?.stringValue } == ["100% uptime_sla"])
            #expect(paged["pagination"]?["max_page"] == 2)
            let badType = try await server.request(.get, "/v1/benefits/?type=discordant", token: org.token)
            #expect(badType.status == .unprocessableContent)
            #expect(issueLocations(badType) == [["query", "type"]])
        }
    }

    @Test(arguments: Backend.all)
    func refusesBadBodiesNamingWhatIsWrong(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let untyped = try await Self.create(server, org, ["description": "No type", "properties": [:]])
            #expect(untyped.status == .unprocessableContent)
            #expect(issueTypes(untyped) == ["union_tag_not_found"])

            let unknown = try await Self.create(server, org, ["type": "telepathy", "description": "Mind link", "properties": [:]])
            #expect(issueTypes(unknown) == ["union_tag_invalid"])
            // A NUL in the tag is refused on the field, as in any other field.
            let withNUL = try await Self.create(server, org, ["type": "custom\u{0}", "description": "Mind link",
                                                              "properties": [:]])
            #expect(issueLocations(withNUL) == [["body", "type"]])

            for type in Benefit.Kind.unsupportedPolarTypes {
                let refused = try await Self.create(server, org, ["type": .string(type), "description": "Elsewhere",
                                                                  "properties": [:]])
                #expect(refused.status == .unprocessableContent, "\(type)")
                #expect(issueLocations(refused) == [["body", "type"]], "\(type)")
                let message = refused["detail"]?.arrayItem(0)?["msg"]?.stringValue ?? ""
                #expect(message.contains("Tessera does not support \(type)"), "\(message)")
            }

            let short = try await Self.create(server, org, ["type": "custom", "description": "ab", "properties": [:]])
            #expect(issueLocations(short) == [["body", "description"]])
            #expect(issueTypes(short) == ["string_too_short"])
            let long = try await Self.create(server, org, ["type": "custom", "description": .string(String(repeating: "x", count: 43)),
                                                           "properties": [:]])
            #expect(issueTypes(long) == ["string_too_long"])
            let noProperties = try await Self.create(server, org, ["type": "custom", "description": "Support"])
            #expect(issueLocations(noProperties) == [["body", "properties"]])
            let badVisibility = try await Self.create(server, org, ["type": "custom", "description": "Support",
                                                                    "visibility": "secret", "properties": [:]])
            #expect(issueLocations(badVisibility) == [["body", "visibility"]])

            let badKeys = try await Self.create(server, org, [
                "type": "license_keys", "description": "Keys",
                "properties": ["expires": ["ttl": 0, "timeframe": "week"], "activations": ["limit": 2], "limit_usage": -1],
            ])
            #expect(badKeys.status == .unprocessableContent)
            #expect(Set(issueLocations(badKeys)) == [
                ["body", "properties", "expires", "ttl"], ["body", "properties", "expires", "timeframe"],
                ["body", "properties", "activations", "enable_customer_admin"], ["body", "properties", "limit_usage"],
            ])
            let list = try await server.request(.get, "/v1/benefits/", token: org.token)
            #expect(list["pagination"]?["total_count"] == 0)
        }
    }

    @Test(arguments: Backend.all)
    func updatesKeepTheTypeAndChangeOnlyWhatIsSent(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let keys = try await Self.create(server, org, Self.licenseKeys)
            let renamed = try await server.request(.patch, "/v1/benefits/\(keys.id)", token: org.token,
                                                   json: ["type": "license_keys", "description": "Pro app key"])
            #expect(renamed.status == .ok)
            #expect(renamed["description"] == "Pro app key")
            #expect(renamed["properties"] == keys["properties"])
            #expect(renamed["metadata"] == ["tier": "pro"])
            #expect(renamed["modified_at"] != .null)

            let reshaped = try await server.request(.patch, "/v1/benefits/\(keys.id)", token: org.token, json: [
                "type": "license_keys", "properties": ["prefix": "PRO"], "visibility": "draft",
            ])
            #expect(reshaped["properties"] == ["prefix": "PRO", "expires": .null, "activations": .null, "limit_usage": .null])
            #expect(reshaped["visibility"] == "draft")
            #expect(reshaped["description"] == "Pro app key")

            let retyped = try await server.request(.patch, "/v1/benefits/\(keys.id)", token: org.token,
                                                   json: ["type": "custom", "properties": ["note": "hi"]])
            #expect(retyped.status == .unprocessableContent)
            #expect(issueLocations(retyped) == [["body", "type"]])
            let unchanged = try await server.request(.get, "/v1/benefits/\(keys.id)", token: org.token)
            #expect(unchanged["type"] == "license_keys")
            #expect(unchanged["properties"]?["prefix"] == "PRO")
        }
    }

    @Test(arguments: Backend.all)
    func anotherOrganizationsBenefitIsNotFound(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let other = try await server.makeOrganization()
            let theirs = try await Self.create(server, other, ["type": "custom", "description": "Theirs", "properties": [:]])
            #expect(try await server.request(.get, "/v1/benefits/\(theirs.id)", token: org.token).status == .notFound)
            let patched = try await server.request(.patch, "/v1/benefits/\(theirs.id)", token: org.token,
                                                   json: ["type": "custom", "description": "Mine now"])
            #expect(patched.status == .notFound)
            #expect(try await server.request(.delete, "/v1/benefits/\(theirs.id)", token: org.token).status == .notFound)
            let product = try await server.makeSeatProduct(org)
            let linked = try await server.request(.post, "/v1/products/\(product.id)/benefits", token: org.token,
                                                  json: ["benefits": [.string(theirs.id)]])
            #expect(linked.status == .unprocessableContent)
            #expect(issueLocations(linked) == [["body", "benefits", 0]])
            let intact = try await server.request(.get, "/v1/benefits/\(theirs.id)", token: other.token)
            #expect(intact["description"] == "Theirs")
        }
    }

    @Test(arguments: Backend.all)
    func scopesGuardReadingAndWriting(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let made = try await Self.create(server, org, ["type": "custom", "description": "Support", "properties": [:]])
            let reader = try await server.makeToken(organizationId: org.id, scopes: [.benefitsRead])
            #expect(try await server.request(.get, "/v1/benefits/\(made.id)", token: reader).status == .ok)
            let refused = try await server.request(.post, "/v1/benefits/", token: reader,
                                                   json: ["type": "custom", "description": "Support", "properties": [:]])
            #expect(refused.status == .forbidden)
            let outsider = try await server.makeToken(organizationId: org.id, scopes: [.productsRead])
            #expect(try await server.request(.get, "/v1/benefits/", token: outsider).status == .forbidden)
        }
    }

    @Test(arguments: Backend.all)
    func productsListTheirBenefitsInTheOrderSet(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let support = try await Self.create(server, org, ["type": "custom", "description": "Support", "properties": [:]])
            let keys = try await Self.create(server, org, Self.licenseKeys)
            let product = try await server.makeSeatProduct(org)
            #expect(product["benefits"] == [])

            let set = try await server.request(.post, "/v1/products/\(product.id)/benefits", token: org.token,
                                               json: ["benefits": [.string(keys.id), .string(support.id), .string(keys.id)]])
            #expect(set.status == .ok)
            #expect(set["benefits"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == [keys.id, support.id])
            #expect(set["benefits"]?.arrayItem(0) == keys.json)
            let fetched = try await server.request(.get, "/v1/products/\(product.id)", token: org.token)
            #expect(fetched["benefits"] == set["benefits"])
            let listed = try await server.request(.get, "/v1/products/", token: org.token)
            #expect(listed["items"]?.arrayItem(0)?["benefits"] == set["benefits"])

            let reordered = try await server.request(.post, "/v1/products/\(product.id)/benefits", token: org.token,
                                                     json: ["benefits": [.string(support.id)]])
            #expect(reordered["benefits"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == [support.id])

            // An unknown id is refused at its place, and nothing changes.
            let unknown = try await server.request(.post, "/v1/products/\(product.id)/benefits", token: org.token,
                                                   json: ["benefits": [.string(keys.id), .string(UUID().wire), "nope"]])
            #expect(unknown.status == .unprocessableContent)
            #expect(issueLocations(unknown) == [["body", "benefits", 2]])
            let missing = try await server.request(.post, "/v1/products/\(product.id)/benefits", token: org.token,
                                                   json: ["benefits": [.string(keys.id), .string(UUID().wire)]])
            #expect(issueLocations(missing) == [["body", "benefits", 1]])
            let still = try await server.request(.get, "/v1/products/\(product.id)", token: org.token)
            #expect(still["benefits"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == [support.id])

            // A deleted benefit leaves the product and is found no more.
            let deleted = try await server.request(.delete, "/v1/benefits/\(support.id)", token: org.token)
            #expect(deleted.status == .noContent)
            #expect(try await server.request(.get, "/v1/benefits/\(support.id)", token: org.token).status == .notFound)
            #expect(try await server.request(.delete, "/v1/benefits/\(support.id)", token: org.token).status == .notFound)
            let emptied = try await server.request(.get, "/v1/products/\(product.id)", token: org.token)
            #expect(emptied["benefits"] == [])
            let list = try await server.request(.get, "/v1/benefits/", token: org.token)
            #expect(list["items"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == [keys.id])

            let cleared = try await server.request(.post, "/v1/products/\(product.id)/benefits", token: org.token,
                                                   json: ["benefits": []])
            #expect(cleared["benefits"] == [])
            let noField = try await server.request(.post, "/v1/products/\(product.id)/benefits", token: org.token, json: [:])
            #expect(issueLocations(noField) == [["body", "benefits"]])
            let noProduct = try await server.request(.post, "/v1/products/\(UUID().wire)/benefits", token: org.token,
                                                     json: ["benefits": []])
            #expect(noProduct.status == .notFound)
        }
    }

    /// Requests setting one product's benefits at once take turns on the product: without that,
    /// two writing the same benefits in opposite orders waited on each other's rows (PostgreSQL:
    /// "deadlock detected", a 500) or ran into each other's new rows (a 409).
    @Test(arguments: Backend.all)
    func concurrentRequestsSettingAProductsBenefitsTakeTurns(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            var ids: [String] = []
            for name in ["One", "Two", "Three", "Four"] {
                ids.append(try await Self.create(server, org, ["type": "custom", "description": .string(name), "properties": [:]]).id)
            }
            let product = try await server.makeSeatProduct(org)
            let orders = [ids, ids.reversed()]
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for request in 0..<16 {
                    let order = orders[request % 2]
                    group.addTask {
                        try await server.request(.post, "/v1/products/\(product.id)/benefits", token: org.token,
                                                 json: ["benefits": .array(order.map { .string($0) })]).status
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.allSatisfy { $0 == .ok }, "\(statuses)")
            let fetched = try await server.request(.get, "/v1/products/\(product.id)", token: org.token)
            let set = fetched["benefits"]?.arrayValue?.compactMap { $0["id"]?.stringValue }
            #expect(set.map { orders.contains($0) } == true)
        }
    }

    /// Polar's subscription embeds its whole product, benefits included (an order's product has none).
    @Test(arguments: Backend.all)
    func subscriptionsEmbedTheirProductsBenefits(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 2)
            let support = try await Self.create(server, org, ["type": "custom", "description": "Support", "properties": [:]])
            let flag = try await Self.create(server, org, ["type": "feature_flag", "description": "Beta", "properties": [:]])
            _ = try await server.request(.post, "/v1/products/\(pool.productId)/benefits", token: org.token,
                                         json: ["benefits": [.string(flag.id), .string(support.id)]])
            func benefitIds(_ subscription: JSONValue?) -> [String]? {
                subscription?["product"]?["benefits"]?.arrayValue?.compactMap { $0["id"]?.stringValue }
            }
            let fetched = try await server.request(.get, "/v1/subscriptions/\(pool.id)", token: org.token)
            #expect(benefitIds(fetched.json) == [flag.id, support.id])
            #expect(fetched["product"]?["benefits"]?.arrayItem(0) == flag.json)
            let listed = try await server.request(.get, "/v1/subscriptions/", token: org.token)
            #expect(benefitIds(listed["items"]?.arrayItem(0)) == [flag.id, support.id])
            let resized = try await server.request(.patch, "/v1/subscriptions/\(pool.id)", token: org.token, json: ["seats": 3])
            #expect(benefitIds(resized.json) == [flag.id, support.id])
            let another = try await server.request(.post, "/v1/subscriptions/", token: org.token, json: [
                "product_id": .string(pool.productId), "customer_id": .string(pool.customerId), "seats": 1,
            ])
            #expect(benefitIds(another.json) == [flag.id, support.id])
            // A product without benefits embeds an empty list.
            let plain = try await server.makeSubscription(org, seats: 1)
            #expect(benefitIds(try await server.request(.get, "/v1/subscriptions/\(plain.id)", token: org.token).json) == [])
        }
    }
}
