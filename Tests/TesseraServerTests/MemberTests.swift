import Foundation
import Hummingbird
import Testing
import TesseraCore

/// `/v1/customers/{id}/members` and `/v1/members`: the people of a billing customer.
@Suite struct MemberTests {
    /// Every key of Polar's `Member`.
    static let memberKeys: Set<String> = [
        "id", "created_at", "modified_at", "customer_id", "email", "name", "external_id", "role",
    ]

    @Test(arguments: Backend.all)
    func createReturnsAMemberWithTheDefaultRole(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization(memberModel: true)
            let customer = try await server.makeCustomer(org)
            let response = try await server.request(.post, "/v1/customers/\(customer.id)/members", token: org.token,
                                                    json: ["email": "Ada@Example.com"])
            #expect(response.status == .created)
            #expect(response.json.objectValue.map { Set($0.keys) } == Self.memberKeys)
            #expect(UUID(uuidString: response.id)?.wire == response.id)
            #expect(response["customer_id"] == .string(customer.id))
            #expect(response["email"] == "Ada@Example.com")
            #expect(response["role"] == "member")
            #expect(response["name"] == .null)
            #expect(response["external_id"] == .null)
            #expect(response["modified_at"] == .null)
            #expect(response["created_at"]?.stringValue == Timestamp.format(server.clock.now))

            let full = try await server.request(.post, "/v1/customers/\(customer.id)/members", token: org.token, json: [
                "email": "grace@example.com", "name": "Grace", "external_id": "hr-7", "role": "billing_manager",
            ])
            #expect(full.status == .created)
            #expect(full["name"] == "Grace")
            #expect(full["external_id"] == "hr-7")
            #expect(full["role"] == "billing_manager")
            let owner = try await server.request(.post, "/v1/customers/\(customer.id)/members", token: org.token,
                                                 json: ["email": "owner@example.com", "role": "owner"])
            #expect(owner["role"] == "owner")
        }
    }

    @Test(arguments: Backend.all)
    func roleAndEmailAreValidated(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization(memberModel: true)
            let customer = try await server.makeCustomer(org)
            let path = "/v1/customers/\(customer.id)/members"
            let badRole = try await server.request(.post, path, token: org.token, json: ["email": "a@example.com", "role": "admin"])
            #expect(badRole.status == .unprocessableContent)
            #expect(issueLocations(badRole) == [["body", "role"]])
            #expect(issueTypes(badRole) == ["enum"])

            let badEmail = try await server.request(.post, path, token: org.token, json: ["email": "not an email"])
            #expect(badEmail.status == .unprocessableContent)
            #expect(issueLocations(badEmail) == [["body", "email"]])

            let noEmail = try await server.request(.post, path, token: org.token, json: ["name": "Nobody"])
            #expect(noEmail.status == .unprocessableContent)
            #expect(issueLocations(noEmail) == [["body", "email"]])

            let list = try await server.request(.get, "/v1/members/?customer_id=\(customer.id)", token: org.token)
            #expect(list["pagination"]?["total_count"] == 0)

            let unknownCustomer = try await server.request(.post, "/v1/customers/\(UUID().wire)/members", token: org.token,
                                                           json: ["email": "a@example.com"])
            #expect(unknownCustomer.status == .notFound)
        }
    }

    @Test(arguments: Backend.all)
    func emailAndExternalIdAreUniqueWithinACustomer(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization(memberModel: true)
            let customer = try await server.makeCustomer(org)
            let path = "/v1/customers/\(customer.id)/members"
            let first = try await server.request(.post, path, token: org.token,
                                                 json: ["email": "same@example.com", "external_id": "x-1"])
            #expect(first.status == .created)

            let duplicate = try await server.request(.post, path, token: org.token, json: ["email": "SAME@example.com"])
            #expect(duplicate.status == .unprocessableContent)
            #expect(issueLocations(duplicate) == [["body", "email"]])

            let duplicateExternal = try await server.request(.post, path, token: org.token,
                                                             json: ["email": "other@example.com", "external_id": "x-1"])
            #expect(duplicateExternal.status == .unprocessableContent)
            #expect(issueLocations(duplicateExternal) == [["body", "external_id"]])

            // Another customer of the same organization may have a member with that email.
            let otherCustomer = try await server.makeCustomer(org)
            let elsewhere = try await server.request(.post, "/v1/customers/\(otherCustomer.id)/members", token: org.token,
                                                     json: ["email": "same@example.com", "external_id": "x-1"])
            #expect(elsewhere.status == .created)
        }
    }

    @Test(arguments: Backend.all)
    func listFiltersByCustomer(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization(memberModel: true)
            let alpha = try await server.makeCustomer(org)
            let beta = try await server.makeCustomer(org)
            var alphaIds: Set<String> = []
            for index in 1...3 {
                let member = try await server.request(.post, "/v1/customers/\(alpha.id)/members", token: org.token,
                                                      json: ["email": .string("a\(index)@example.com")])
                alphaIds.insert(member.id)
            }
            let betaMember = try await server.request(.post, "/v1/customers/\(beta.id)/members", token: org.token,
                                                      json: ["email": "b@example.com"])

            let alphaList = try await server.request(.get, "/v1/members/?customer_id=\(alpha.id)", token: org.token)
            #expect(alphaList.status == .ok)
            #expect(alphaList["pagination"] == ["total_count": 3, "max_page": 1])
            #expect(Set(memberIds(alphaList)) == alphaIds)
            guard case .array(let items)? = alphaList["items"] else { Issue.record("no items"); return }
            #expect(items.allSatisfy { $0.objectValue.map { Set($0.keys) } == Self.memberKeys })
            #expect(items.allSatisfy { $0["customer_id"] == .string(alpha.id) })

            let betaList = try await server.request(.get, "/v1/members/?customer_id=\(beta.id)", token: org.token)
            #expect(memberIds(betaList) == [betaMember.id])

            let all = try await server.request(.get, "/v1/members/", token: org.token)
            #expect(Set(memberIds(all)) == alphaIds.union([betaMember.id]))

            let paged = try await server.request(.get, "/v1/members/?customer_id=\(alpha.id)&limit=2&page=2", token: org.token)
            #expect(paged["pagination"] == ["total_count": 3, "max_page": 2])
            #expect(memberIds(paged).count == 1)

            // Another organization sees none of them.
            let other = try await server.makeOrganization(memberModel: true)
            let foreign = try await server.request(.get, "/v1/members/?customer_id=\(alpha.id)", token: other.token)
            #expect(foreign["items"] == [])
            let foreignAll = try await server.request(.get, "/v1/members/", token: other.token)
            #expect(foreignAll["pagination"]?["total_count"] == 0)
        }
    }

    @Test(arguments: Backend.all)
    func deleteRevokesTheMembersActiveSeats(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization(memberModel: true)
            let pool = try await server.makeSubscription(org, seats: 2)
            let path = "/v1/customers/\(pool.customerId)/members"
            let leaving = try await server.request(.post, path, token: org.token, json: ["email": "leaving@example.com"])
            let staying = try await server.request(.post, path, token: org.token, json: ["email": "staying@example.com"])

            let leavingSeat = try await server.assign(org, pool, ["member_id": .string(leaving.id)])
            #expect(leavingSeat.status == .ok)
            #expect(leavingSeat["member_id"] == .string(leaving.id))
            let stayingSeat = try await server.assign(org, pool, ["member_id": .string(staying.id), "immediate_claim": true])
            #expect(stayingSeat.status == .ok)
            #expect(try await server.list(org, pool)["available_seats"] == 0)

            let deleted = try await server.request(.delete, "\(path)/\(leaving.id)", token: org.token)
            #expect(deleted.status == .noContent)

            let list = try await server.list(org, pool)
            #expect(list["available_seats"] == 1)
            guard case .array(let seats)? = list["seats"] else { Issue.record("no seats"); return }
            let revoked = seats.first { $0["id"]?.stringValue == leavingSeat.id }
            #expect(revoked?["status"] == "revoked")
            #expect(revoked?["member_id"] == .null)
            #expect(revoked?["revoked_at"]?.isNull == false)
            #expect(seats.first { $0["id"]?.stringValue == stayingSeat.id }?["status"] == "claimed")
            let counts = try await server.activeSeatCounts(pool, organizationId: org.id)
            #expect(counts.kept == 1)
            #expect(counts.kept == counts.rows)

            let members = try await server.request(.get, "/v1/members/?customer_id=\(pool.customerId)", token: org.token)
            #expect(memberIds(members) == [staying.id])
            #expect(try await server.request(.delete, "\(path)/\(leaving.id)", token: org.token).status == .notFound)

            // A deleted member can no longer be given a seat.
            let gone = try await server.assign(org, pool, ["member_id": .string(leaving.id)])
            #expect(gone.status == .notFound)
            #expect(gone.errorName == "MemberNotFound")
            let after = try await server.activeSeatCounts(pool, organizationId: org.id)
            #expect(after.kept == after.rows)
        }
    }

    @Test(arguments: Backend.all)
    func deleteNeedsTheMembersOwnCustomer(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization(memberModel: true)
            let owner = try await server.makeCustomer(org)
            let stranger = try await server.makeCustomer(org)
            let member = try await server.request(.post, "/v1/customers/\(owner.id)/members", token: org.token,
                                                  json: ["email": "m@example.com"])
            let wrongCustomer = try await server.request(.delete, "/v1/customers/\(stranger.id)/members/\(member.id)",
                                                         token: org.token)
            #expect(wrongCustomer.status == .notFound)

            let other = try await server.makeOrganization(memberModel: true)
            let foreign = try await server.request(.delete, "/v1/customers/\(owner.id)/members/\(member.id)",
                                                   token: other.token)
            #expect(foreign.status == .notFound)

            let unknown = try await server.request(.delete, "/v1/customers/\(owner.id)/members/\(UUID().wire)",
                                                   token: org.token)
            #expect(unknown.status == .notFound)

            let badId = try await server.request(.delete, "/v1/customers/\(owner.id)/members/nope", token: org.token)
            #expect(badId.status == .unprocessableContent)
            #expect(issueLocations(badId) == [["path", "member_id"]])

            let members = try await server.request(.get, "/v1/members/?customer_id=\(owner.id)", token: org.token)
            #expect(memberIds(members) == [member.id])
        }
    }

    @Test(arguments: Backend.all)
    func memberRoutesNeedMemberScopes(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization(memberModel: true)
            let customer = try await server.makeCustomer(org)
            let reader = try await server.makeToken(organizationId: org.id, scopes: [.membersRead, .customersWrite])
            let create = try await server.request(.post, "/v1/customers/\(customer.id)/members", token: reader,
                                                  json: ["email": "m@example.com"])
            #expect(create.status == .forbidden)
            #expect(create["error_description"]?.stringValue?.contains("members:write") == true)
            #expect(try await server.request(.get, "/v1/members/", token: reader).status == .ok)
        }
    }
}

private func memberIds(_ response: TestResponse) -> [String] {
    guard case .array(let items)? = response["items"] else { return [] }
    return items.compactMap { $0["id"]?.stringValue }
}
