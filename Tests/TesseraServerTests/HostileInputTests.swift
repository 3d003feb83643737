import Foundation
import Testing
import TesseraCore
import TesseraStore

/// Input an attacker would send: deep nesting, oversized bodies, NUL characters, text that is
/// short on screen but long in storage, look-alike email addresses and numbers that overflow.
@Suite struct HostileInputTests {
    private static func nested(_ depth: Int) -> String {
        String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
    }

    @Test(arguments: Backend.all)
    func deeplyNestedBodiesAreRefusedAtTheDepthLimit(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            // Unauthenticated: the claim route takes no token.
            let deep = try await server.request(.post, "/v1/customer-seats/claim",
                                                rawBody: #"{"invitation_token": "# + Self.nested(500) + "}")
            #expect(deep.status == .unprocessableContent)
            let issue = deep.json["detail"]?[0]
            #expect(issue?["type"] == "json_invalid")
            #expect(issue?["loc"] == ["body"])

            let many = "{" + (0..<20).map { #""k\#($0)": "# + Self.nested(500) }.joined(separator: ", ") + "}"
            let manyResponse = try await server.request(.post, "/v1/customer-seats/claim", rawBody: many)
            #expect(manyResponse.status == .unprocessableContent)
            #expect(manyResponse.json["detail"]?[0]?["type"] == "json_invalid")

            // At the limit the body parses; the answer is about the field, not the JSON.
            let atLimit = try await server.request(
                .post, "/v1/customer-seats/claim",
                rawBody: #"{"invitation_token": "# + Self.nested(JSONValue.maximumDepth - 1) + "}")
            #expect(atLimit.status.code < 500)
            #expect(atLimit.json["detail"]?[0]?["type"] != "json_invalid", "\(atLimit.json)")
        }
    }

    @Test(arguments: Backend.all)
    func bodiesOfTensOfThousandsOfArraysOrKeysAreRefused(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let arrays = #"{"invitation_token": ["# + Array(repeating: "[[]]", count: 6_000).joined(separator: ",") + "]}"
            let manyArrays = try await server.request(.post, "/v1/customer-seats/claim", rawBody: arrays)
            #expect(manyArrays.status == .unprocessableContent)
            #expect(manyArrays.json["detail"]?[0]?["type"] == "json_invalid")
            #expect(manyArrays.json["detail"]?[0]?["loc"] == ["body"])
            let keys = "{" + (0..<12_000).map { #""k\#($0)": 1"# }.joined(separator: ",") + "}"
            let manyKeys = try await server.request(.post, "/v1/customer-seats/claim", rawBody: keys)
            #expect(manyKeys.json["detail"]?[0]?["type"] == "json_invalid")
        }
    }

    @Test(arguments: Backend.all)
    func bodiesOverOneMebibyteGet413(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let padding = String(repeating: "x", count: BodyLimit.bytes)
            let response = try await server.request(.post, "/v1/customers/", token: org.token,
                                                    rawBody: #"{"email": "a@example.com", "name": ""# + padding + #""}"#)
            #expect(response.status == .contentTooLarge)
            #expect(response.errorName == "RequestTooLarge")
            // Just under the limit is read (and refused for its length, not its size).
            let under = String(repeating: "x", count: BodyLimit.bytes - 100)
            let fits = try await server.request(.post, "/v1/customers/", token: org.token,
                                                rawBody: #"{"email": "a@example.com", "name": ""# + under + #""}"#)
            #expect(fits.status == .unprocessableContent)
        }
    }

    @Test(arguments: Backend.all)
    func nulCharactersAreRefusedInBodiesAndQueriesAndNeverStored(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let body = try await server.request(.post, "/v1/customers/", token: org.token,
                                                json: ["email": "nul@example.com", "name": "a\u{0}b"])
            #expect(body.status == .unprocessableContent)
            #expect(body.json["detail"]?[0]?["loc"] == ["body", "name"])
            #expect(body.json["detail"]?[0]?["msg"] == "Value error, This value contains invalid characters")

            let nested = try await server.request(.post, "/v1/customers/", token: org.token,
                                                  json: ["email": "nul@example.com", "metadata": ["k": "a\u{0}"]])
            #expect(nested.status == .unprocessableContent)
            #expect(nested.json["detail"]?[0]?["loc"] == ["body", "metadata"])

            let query = try await server.request(.get, "/v1/customers/?email=a%00b%40example.com", token: org.token)
            #expect(query.status == .unprocessableContent)
            #expect(query.json["detail"]?[0]?["loc"] == ["query", "email"])

            let list = try await server.request(.get, "/v1/customers/", token: org.token)
            #expect(list.json["items"]?.arrayCount == 0)
        }
    }

    @Test(arguments: Backend.all)
    func textLimitsCountScalarsNotDisplayedCharacters(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let stacked = "a" + String(repeating: "\u{0301}", count: 2_000)
            let name = try await server.request(.post, "/v1/customers/", token: org.token,
                                                json: ["email": "stack@example.com", "name": .string(stacked)])
            #expect(name.status == .unprocessableContent)
            #expect(name.json["detail"]?[0]?["type"] == "string_too_long")
            let email = try await server.request(.post, "/v1/customers/", token: org.token,
                                                 json: ["email": .string("a" + String(repeating: "\u{0301}", count: 400) + "@example.com")])
            #expect(email.status == .unprocessableContent)
        }
    }

    @Test(arguments: Backend.all)
    func aLookAlikeEmailCannotSquatTheRealAddress(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let kelvin = try await server.makeCustomer(org, email: "\u{212A}im@acme.example")
            let kim = try await server.request(.post, "/v1/customers/", token: org.token, json: ["email": "kim@acme.example"])
            #expect(kim.status == .created, "\(kim.json)")
            #expect(kim.id != kelvin.id)
            // ASCII case still folds: the same address in capitals is the same customer.
            let capitals = try await server.request(.post, "/v1/customers/", token: org.token, json: ["email": "KIM@acme.example"])
            #expect(capitals.status == .unprocessableContent)
        }
    }

    @Test(arguments: Backend.all)
    func hugeTokenLifetimesAreRefusedAndTheServerLives(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            for value: JSONValue in [.int(10_000_000_000_000), .double(1e13), .int(Int64.max), .double(1e300)] {
                let response = try await server.request(.post, "/v1/organization-access-tokens/", token: TestServer.adminToken, json: [
                    "organization_id": .string(org.id), "comment": "x", "scopes": [], "expires_in": value,
                ])
                #expect(response.status == .unprocessableContent, "\(value.serialized()): \(response.json)")
                #expect(response.json["detail"]?[0]?["loc"] == ["body", "expires_in"])
            }
            let longest = try await server.request(.post, "/v1/organization-access-tokens/", token: TestServer.adminToken, json: [
                "organization_id": .string(org.id), "comment": "x", "scopes": [],
                "expires_in": JSONValue(SecretLifetime.maximumAccessTokenSeconds),
            ])
            #expect(longest.status == .created)
            #expect(try await server.request(.get, "/healthz").status == .ok)
        }
    }
}

/// The documented request body limit, read from the server's reader.
enum BodyLimit {
    static let bytes = 1 << 20
}

extension JSONValue {
    var arrayCount: Int? {
        if case .array(let items) = self { return items.count }
        return nil
    }

    subscript(index: Int) -> JSONValue? {
        if case .array(let items) = self, items.indices.contains(index) { return items[index] }
        return nil
    }
}
