import Foundation
import Hummingbird
import Testing
import TesseraCore

/// `/v1/customers`: the billing customers (and, in legacy mode, the seat holders).
@Suite struct CustomerTests {
    /// Every key of Polar's `CustomerIndividual`.
    static let customerKeys: Set<String> = [
        "id", "created_at", "modified_at", "metadata", "external_id", "email", "email_verified", "type", "name",
        "billing_name", "billing_address", "tax_id", "locale", "organization_id", "default_payment_method_id",
        "deleted_at", "first_user_event_at", "avatar_url",
    ]

    /// Metadata values are what Polar takes (a string of 1 to 500 characters, an integer, a
    /// number or a boolean), on every route that stores metadata: anything else would be
    /// stored and come back in answers that Polar's schema refuses.
    @Test(arguments: Backend.all)
    func metadataValuesAreScalarsAsPolarTakesThem(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let refused = try await server.request(.post, "/v1/customers/", token: org.token, json: [
                "email": "meta@example.com",
                "metadata": ["nested": ["a": 1], "list": [1], "none": .null, "empty": "", "long": .string(String(repeating: "x", count: 501)),
                             "fine": "x", "count": 2, "ratio": 0.5, "flag": false],
            ])
            #expect(refused.status == .unprocessableContent)
            #expect(issueLocations(refused) == [["body", "metadata", "empty"], ["body", "metadata", "list"],
                                                ["body", "metadata", "long"], ["body", "metadata", "nested"],
                                                ["body", "metadata", "none"]])
            let list = try await server.request(.get, "/v1/customers/", token: org.token)
            #expect(list["items"]?.arrayValue?.isEmpty == true)

            let benefit = try await server.request(.post, "/v1/benefits/", token: org.token, json: [
                "type": "custom", "description": "Support", "properties": [:], "metadata": ["tier": ["gold"]],
            ])
            #expect(issueLocations(benefit) == [["body", "metadata", "tier"]])
            let product = try await server.request(.post, "/v1/products/", token: org.token, json: [
                "name": "Pack", "prices": [["amount_type": "free"]], "metadata": ["tier": ["gold": true]],
            ])
            #expect(issueLocations(product) == [["body", "metadata", "tier"]])

            let kept = try await server.request(.post, "/v1/customers/", token: org.token, json: [
                "email": "meta@example.com", "metadata": ["fine": .string(String(repeating: "x", count: 500)), "count": 2,
                                                          "ratio": 0.5, "flag": false],
            ])
            #expect(kept.status == .created)
            #expect(kept["metadata"]?["count"] == 2)
            #expect(kept["metadata"]?["ratio"] == 0.5)
        }
    }

    @Test(arguments: Backend.all)
    func createReturnsAPolarCustomer(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let response = try await server.request(.post, "/v1/customers/", token: org.token, json: [
                "email": "Billing@Example.com", "name": "Example Inc.", "external_id": "crm-1",
                "metadata": ["plan": "team", "seats": 5, "vip": true],
            ])
            #expect(response.status == .created)
            #expect(response.json.objectValue.map { Set($0.keys) } == Self.customerKeys)
            #expect(UUID(uuidString: response.id)?.wire == response.id)
            #expect(response["email"] == "Billing@Example.com")
            #expect(response["name"] == "Example Inc.")
            #expect(response["external_id"] == "crm-1")
            #expect(response["metadata"] == ["plan": "team", "seats": 5, "vip": true])
            #expect(response["organization_id"] == .string(org.id))
            #expect(response["type"] == "individual")
            #expect(response["deleted_at"] == .null)
            #expect(response["modified_at"] == .null)
            #expect(response["created_at"]?.stringValue == Timestamp.format(server.clock.now))

            let minimal = try await server.request(.post, "/v1/customers/", token: org.token, json: ["email": "min@example.com"])
            #expect(minimal.status == .created)
            #expect(minimal.json.objectValue.map { Set($0.keys) } == Self.customerKeys)
            #expect(minimal["name"] == .null)
            #expect(minimal["external_id"] == .null)
            #expect(minimal["metadata"] == [:])

            let invalid = try await server.request(.post, "/v1/customers/", token: org.token, json: ["email": "no-at-sign"])
            #expect(invalid.status == .unprocessableContent)
            #expect(issueLocations(invalid) == [["body", "email"]])
        }
    }

    @Test(arguments: Backend.all)
    func emailIsUniquePerOrganizationIgnoringCase(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            _ = try await server.makeCustomer(org, email: "Dup@Example.com")
            let duplicate = try await server.request(.post, "/v1/customers/", token: org.token,
                                                     json: ["email": "dup@example.COM"])
            #expect(duplicate.status == .unprocessableContent)
            #expect(duplicate.errorName == "RequestValidationError")
            #expect(issueLocations(duplicate) == [["body", "email"]])

            let other = try await server.makeOrganization()
            let elsewhere = try await server.request(.post, "/v1/customers/", token: other.token,
                                                     json: ["email": "Dup@Example.com"])
            #expect(elsewhere.status == .created)

            let list = try await server.request(.get, "/v1/customers/", token: org.token)
            #expect(list["pagination"]?["total_count"] == 1)
        }
    }

    @Test(arguments: Backend.all)
    func externalIdIsUniquePerOrganization(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            _ = try await server.makeCustomer(org, externalId: "ext-42")
            let duplicate = try await server.request(.post, "/v1/customers/", token: org.token,
                                                     json: ["email": "second@example.com", "external_id": "ext-42"])
            #expect(duplicate.status == .unprocessableContent)
            #expect(issueLocations(duplicate) == [["body", "external_id"]])

            let other = try await server.makeOrganization()
            let elsewhere = try await server.request(.post, "/v1/customers/", token: other.token,
                                                     json: ["email": "second@example.com", "external_id": "ext-42"])
            #expect(elsewhere.status == .created)
        }
    }

    @Test(arguments: Backend.all)
    func getByIdAndByExternalId(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let created = try await server.makeCustomer(org, email: "find@example.com", externalId: "ext/with space")
            let byId = try await server.request(.get, "/v1/customers/\(created.id)", token: org.token)
            #expect(byId.status == .ok)
            #expect(byId.json == created.json)

            let byExternal = try await server.request(.get, "/v1/customers/external/ext%2Fwith%20space", token: org.token)
            #expect(byExternal.status == .ok, "\(byExternal.json)")
            #expect(byExternal.id == created.id)

            let plain = try await server.makeCustomer(org, externalId: "plain-1")
            let byPlain = try await server.request(.get, "/v1/customers/external/plain-1", token: org.token)
            #expect(byPlain.id == plain.id)

            let unknown = try await server.request(.get, "/v1/customers/\(UUID().wire)", token: org.token)
            #expect(unknown.status == .notFound)
            #expect(unknown.errorName == "ResourceNotFound")
            let unknownExternal = try await server.request(.get, "/v1/customers/external/nobody", token: org.token)
            #expect(unknownExternal.status == .notFound)
        }
    }

    @Test(arguments: Backend.all)
    func anotherOrganizationsCustomerIsInvisible(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let other = try await server.makeOrganization()
            let theirs = try await server.makeCustomer(other, email: "theirs@example.com", externalId: "their-ext")
            let calls: [(HTTPRequest.Method, String, JSONValue?)] = [
                (.get, "/v1/customers/\(theirs.id)", nil),
                (.get, "/v1/customers/external/their-ext", nil),
                (.patch, "/v1/customers/\(theirs.id)", ["name": "Stolen"]),
                (.delete, "/v1/customers/\(theirs.id)", nil),
                (.post, "/v1/customers/\(theirs.id)/members", ["email": "m@example.com"]),
            ]
            for (method, path, body) in calls {
                let response = try await server.request(method, path, token: org.token, json: body)
                #expect(response.status == .notFound, "\(method) \(path)")
            }
            let list = try await server.request(.get, "/v1/customers/?email=theirs@example.com", token: org.token)
            #expect(list["items"] == [])
            let still = try await server.request(.get, "/v1/customers/\(theirs.id)", token: other.token)
            #expect(still.status == .ok)
            #expect(still["name"] == .null)
        }
    }

    @Test(arguments: Backend.all)
    func listFiltersByEmailAndPages(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            var created: [String] = []
            for index in 1...3 {
                created.append(try await server.makeCustomer(org, email: "person\(index)@example.com").id)
            }
            let all = try await server.request(.get, "/v1/customers/", token: org.token)
            #expect(all.status == .ok)
            #expect(all.json.objectValue.map { Set($0.keys) } == ["items", "pagination"])
            #expect(all["pagination"] == ["total_count": 3, "max_page": 1])
            guard case .array(let items)? = all["items"] else { Issue.record("no items"); return }
            #expect(Set(items.compactMap { $0["id"]?.stringValue }) == Set(created))
            #expect(items.allSatisfy { $0.objectValue.map { Set($0.keys) } == Self.customerKeys })

            let first = try await server.request(.get, "/v1/customers/?limit=2&page=1", token: org.token)
            let second = try await server.request(.get, "/v1/customers/?limit=2&page=2", token: org.token)
            #expect(first["pagination"] == ["total_count": 3, "max_page": 2])
            #expect(second["pagination"] == ["total_count": 3, "max_page": 2])
            let firstIds = ids(of: first)
            let secondIds = ids(of: second)
            #expect(firstIds.count == 2)
            #expect(secondIds.count == 1)
            #expect(Set(firstIds + secondIds) == Set(created))

            let beyond = try await server.request(.get, "/v1/customers/?limit=2&page=3", token: org.token)
            #expect(beyond["items"] == [])

            let filtered = try await server.request(.get, "/v1/customers/?email=PERSON2@Example.com", token: org.token)
            #expect(ids(of: filtered) == [created[1]])
            #expect(filtered["pagination"] == ["total_count": 1, "max_page": 1])

            // Query values are percent-decoded, as SDKs encode them.
            let plus = try await server.makeCustomer(org, email: "first+tag@example.com")
            let encoded = try await server.request(.get, "/v1/customers/?email=First%2Btag%40example.com", token: org.token)
            #expect(ids(of: encoded) == [plus.id])

            let none = try await server.request(.get, "/v1/customers/?email=nobody@example.com", token: org.token)
            #expect(none["pagination"] == ["total_count": 0, "max_page": 0])
        }
    }

    @Test(arguments: Backend.all)
    func patchUpdatesFieldsAndKeepsUniqueness(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let customer = try await server.makeCustomer(org, email: "before@example.com")
            _ = try await server.makeCustomer(org, email: "taken@example.com", externalId: "taken-ext")

            let updated = try await server.request(.patch, "/v1/customers/\(customer.id)", token: org.token, json: [
                "email": "after@example.com", "name": "After", "metadata": ["tier": "gold"], "external_id": "mine",
            ])
            #expect(updated.status == .ok)
            #expect(updated["email"] == "after@example.com")
            #expect(updated["name"] == "After")
            #expect(updated["metadata"] == ["tier": "gold"])
            #expect(updated["external_id"] == "mine")
            #expect(updated["modified_at"]?.stringValue == Timestamp.format(server.clock.now))
            let fetched = try await server.request(.get, "/v1/customers/\(customer.id)", token: org.token)
            #expect(fetched.json == updated.json)

            // Fields left out are unchanged; a null name clears it.
            let cleared = try await server.request(.patch, "/v1/customers/\(customer.id)", token: org.token,
                                                   json: ["name": nil])
            #expect(cleared["name"] == .null)
            #expect(cleared["email"] == "after@example.com")
            #expect(cleared["metadata"] == ["tier": "gold"])

            let emailTaken = try await server.request(.patch, "/v1/customers/\(customer.id)", token: org.token,
                                                      json: ["email": "TAKEN@example.com"])
            #expect(emailTaken.status == .unprocessableContent)
            #expect(issueLocations(emailTaken) == [["body", "email"]])

            let externalChange = try await server.request(.patch, "/v1/customers/\(customer.id)", token: org.token,
                                                          json: ["external_id": "other"])
            #expect(externalChange.status == .unprocessableContent)
            #expect(issueLocations(externalChange) == [["body", "external_id"]])

            // The owner's own email, in another case, is not a conflict with itself.
            let sameEmail = try await server.request(.patch, "/v1/customers/\(customer.id)", token: org.token,
                                                     json: ["email": "AFTER@example.com"])
            #expect(sameEmail.status == .ok)

            let unknown = try await server.request(.patch, "/v1/customers/\(UUID().wire)", token: org.token,
                                                   json: ["name": "x"])
            #expect(unknown.status == .notFound)
        }
    }

    @Test(arguments: Backend.all)
    func deleteRevokesTheCustomersActiveSeats(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 3)
            let holder = try await server.makeCustomer(org, email: "holder@example.com")
            let kept = try await server.makeCustomer(org, email: "kept@example.com")

            let held = try await server.assign(org, pool, ["email": "Holder@Example.com"])
            #expect(held.status == .ok)
            #expect(held["customer_id"] == .string(holder.id))
            let claimed = try await server.assign(org, pool, ["customer_id": .string(kept.id), "immediate_claim": true])
            #expect(claimed.status == .ok)
            #expect(try await server.list(org, pool)["available_seats"] == 1)

            let deleted = try await server.request(.delete, "/v1/customers/\(holder.id)", token: org.token)
            #expect(deleted.status == .noContent)

            let list = try await server.list(org, pool)
            #expect(list["available_seats"] == 2)
            #expect(list["total_seats"] == 3)
            guard case .array(let seats)? = list["seats"] else { Issue.record("no seats"); return }
            let revoked = seats.first { $0["id"]?.stringValue == held.id }
            #expect(revoked?["status"] == "revoked")
            #expect(revoked?["revoked_at"]?.isNull == false)
            #expect(revoked?["customer_id"] == .null)
            let other = seats.first { $0["id"]?.stringValue == claimed.id }
            #expect(other?["status"] == "claimed")
            let counts = try await server.activeSeatCounts(pool, organizationId: org.id)
            #expect(counts.kept == 1)
            #expect(counts.kept == counts.rows)

            #expect(try await server.request(.get, "/v1/customers/\(holder.id)", token: org.token).status == .notFound)
            #expect(try await server.request(.delete, "/v1/customers/\(holder.id)", token: org.token).status == .notFound)
            let remaining = try await server.request(.get, "/v1/customers/?email=holder@example.com", token: org.token)
            #expect(remaining["items"] == [])

            // The freed seat can be given again, reusing the revoked row.
            let again = try await server.assign(org, pool, ["email": "next@example.com"])
            #expect(again.status == .ok)
            #expect(again.id == held.id)
            let after = try await server.activeSeatCounts(pool, organizationId: org.id)
            #expect(after.kept == 2)
            #expect(after.kept == after.rows)
        }
    }

    @Test(arguments: Backend.all)
    func deletedCustomersEmailCanBeUsedAgain(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let customer = try await server.makeCustomer(org, email: "reuse@example.com", externalId: "reuse-ext")
            #expect(try await server.request(.delete, "/v1/customers/\(customer.id)", token: org.token).status == .noContent)
            let again = try await server.request(.post, "/v1/customers/", token: org.token,
                                                 json: ["email": "reuse@example.com", "external_id": "reuse-ext"])
            #expect(again.status == .created, "\(again.json)")
            #expect(again.id != customer.id)
            let byExternal = try await server.request(.get, "/v1/customers/external/reuse-ext", token: org.token)
            #expect(byExternal.id == again.id)
        }
    }
}

/// The ids of a list response's items, in order.
private func ids(of response: TestResponse) -> [String] {
    guard case .array(let items)? = response["items"] else { return [] }
    return items.compactMap { $0["id"]?.stringValue }
}
