import Foundation
import Hummingbird
import Testing
import TesseraCore

/// Bad input always becomes a documented JSON error: 422 validation, 404, 405 — never a 500.
@Suite struct ErrorRenderingTests {
    /// Every issue of a 422 body has exactly the FastAPI keys.
    private static func expectValidationShape(_ response: TestResponse, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(response.status == .unprocessableContent, sourceLocation: sourceLocation)
        #expect(response.errorName == "RequestValidationError", sourceLocation: sourceLocation)
        #expect(response.headers[.contentType] == "application/json", sourceLocation: sourceLocation)
        guard case .array(let issues)? = response["detail"], !issues.isEmpty else {
            Issue.record("no validation details in \(response.json)", sourceLocation: sourceLocation)
            return
        }
        for issue in issues {
            #expect(issue.objectValue.map { Set($0.keys) } == ["type", "loc", "msg", "input"], sourceLocation: sourceLocation)
            #expect(issue["msg"]?.stringValue?.isEmpty == false, sourceLocation: sourceLocation)
        }
    }

    @Test(arguments: Backend.all)
    func malformedJSONIsAValidationError(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            for path in ["/v1/customers/", "/v1/customer-seats", "/v1/products/", "/v1/subscriptions/"] {
                let response = try await server.request(.post, path, token: org.token, rawBody: #"{"email": "a@example.com""#)
                Self.expectValidationShape(response)
                #expect(issueTypes(response) == ["json_invalid"], "\(path)")
                #expect(issueLocations(response).first?.arrayItem(0) == "body", "\(path)")
            }
            let empty = try await server.request(.post, "/v1/customers/", token: org.token, rawBody: "")
            Self.expectValidationShape(empty)
            #expect(issueTypes(empty) == ["json_invalid"])
        }
    }

    @Test(arguments: Backend.all)
    func wrongFieldTypesAreLocatedInTheBody(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let customer = try await server.request(.post, "/v1/customers/", token: org.token, json: ["email": 5])
            Self.expectValidationShape(customer)
            #expect(issueLocations(customer) == [["body", "email"]])
            #expect(issueTypes(customer) == ["string_type"])
            #expect(customer["detail"]?.arrayItem(0)?["input"] == 5)

            let product = try await server.makeSeatProduct(org)
            let buyer = try await server.makeCustomer(org)
            let subscription = try await server.request(.post, "/v1/subscriptions/", token: org.token, json: [
                "product_id": .string(product.id), "customer_id": .string(buyer.id), "seats": "two",
            ])
            Self.expectValidationShape(subscription)
            #expect(issueLocations(subscription) == [["body", "seats"]])
            #expect(issueTypes(subscription) == ["int_type"])

            // Every bad field is reported at once.
            let several = try await server.request(.post, "/v1/customers/", token: org.token, json: [
                "email": "not-an-email", "name": 12, "metadata": "x",
            ])
            Self.expectValidationShape(several)
            #expect(Set(issueLocations(several).map { $0.serialized() })
                    == Set([["body", "email"], ["body", "name"], ["body", "metadata"]].map { ($0 as JSONValue).serialized() }))

            let seats = try await server.request(.post, "/v1/customer-seats", token: org.token, json: [
                "subscription_id": 42, "email": true, "immediate_claim": "yes",
            ])
            Self.expectValidationShape(seats)
            #expect(Set(issueLocations(seats).map { $0.serialized() })
                    == Set([["body", "subscription_id"], ["body", "email"], ["body", "immediate_claim"]]
                        .map { ($0 as JSONValue).serialized() }))

            let huge = try await server.request(.post, "/v1/subscriptions/", token: org.token, json: [
                "product_id": .string(product.id), "customer_id": .string(buyer.id), "seats": .double(1e30),
            ])
            Self.expectValidationShape(huge)
            #expect(issueLocations(huge) == [["body", "seats"]])
        }
    }

    @Test(arguments: Backend.all)
    func missingRequiredFieldIsReported(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let response = try await server.request(.post, "/v1/customers/", token: org.token, json: ["name": "No email"])
            Self.expectValidationShape(response)
            #expect(issueLocations(response) == [["body", "email"]])
            #expect(issueTypes(response) == ["missing"])
        }
    }

    @Test(arguments: Backend.all)
    func nonUUIDPathIdIsAValidationError(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let calls: [(HTTPRequest.Method, String, String)] = [
                (.get, "/v1/customers/not-a-uuid", "id"),
                (.get, "/v1/subscriptions/123", "id"),
                (.get, "/v1/orders/zzz", "id"),
                (.get, "/v1/products/abc", "id"),
                (.delete, "/v1/customer-seats/not-a-uuid", "seat_id"),
                (.post, "/v1/customer-seats/not-a-uuid/resend", "seat_id"),
            ]
            for (method, path, name) in calls {
                let response = try await server.request(method, path, token: org.token)
                Self.expectValidationShape(response)
                #expect(issueLocations(response) == [["path", .string(name)]], "\(method) \(path)")
                #expect(issueTypes(response) == ["uuid_parsing"], "\(method) \(path)")
            }
            let operatorPath = try await server.request(.get, "/v1/organizations/nope", token: TestServer.adminToken)
            Self.expectValidationShape(operatorPath)
            #expect(issueLocations(operatorPath) == [["path", "id"]])
        }
    }

    @Test(arguments: Backend.all)
    func nonUUIDQueryIdIsAValidationError(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let seats = try await server.request(.get, "/v1/customer-seats?subscription_id=not-a-uuid", token: org.token)
            Self.expectValidationShape(seats)
            #expect(issueLocations(seats) == [["query", "subscription_id"]])
            #expect(seats["detail"]?.arrayItem(0)?["input"] == "not-a-uuid")

            let orders = try await server.request(.get, "/v1/customer-seats?order_id=12", token: org.token)
            #expect(issueLocations(orders) == [["query", "order_id"]])

            let members = try await server.request(.get, "/v1/members/?customer_id=x", token: org.token)
            Self.expectValidationShape(members)
            #expect(issueLocations(members) == [["query", "customer_id"]])

            let page = try await server.request(.get, "/v1/customers/?page=abc&limit=1000", token: org.token)
            Self.expectValidationShape(page)
            #expect(issueLocations(page) == [["query", "page"], ["query", "limit"]])
        }
    }

    @Test(arguments: Backend.all)
    func unknownRouteIsJSONNotFound(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            for path in ["/v1/nothing-here", "/", "/v1/customers/\(UUID().wire)/unknown/deeper"] {
                let response = try await server.request(.get, path, token: org.token)
                #expect(response.status == .notFound, "\(path)")
                #expect(response.headers[.contentType] == "application/json", "\(path)")
                #expect(response.errorName == "ResourceNotFound", "\(path)")
                #expect(response.detail?.isEmpty == false, "\(path)")
            }
        }
    }

    @Test(arguments: Backend.all)
    func wrongMethodOnAKnownPathIsMethodNotAllowed(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let response = try await server.request(.put, "/v1/customer-seats", token: org.token, json: [:])
            #expect(response.status == .methodNotAllowed)
            #expect(response.headers[.contentType] == "application/json")
            #expect(response.errorName == "MethodNotAllowed")
            let allow = Set((response.headers[.allow] ?? "").split(separator: ",").map {
                $0.trimmingCharacters(in: .whitespaces)
            })
            #expect(allow == ["GET", "POST"])

            let seat = try await server.request(.patch, "/v1/customer-seats/\(UUID().wire)", token: org.token, json: [:])
            #expect(seat.status == .methodNotAllowed)
            #expect(seat.headers[.allow] == "DELETE")

            let organizations = try await server.request(.delete, "/v1/organizations/\(org.id)", token: TestServer.adminToken)
            #expect(organizations.status == .methodNotAllowed)
            #expect(organizations.headers[.allow] == "GET, PATCH")
        }
    }

    @Test(arguments: Backend.all)
    func nonObjectBodyIsAValidationError(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            for raw in [#"[{"email": "a@example.com"}]"#, "42", #""text""#, "null"] {
                let response = try await server.request(.post, "/v1/customers/", token: org.token, rawBody: raw)
                Self.expectValidationShape(response)
                #expect(issueLocations(response) == [["body"]], "\(raw)")
            }
            let seats = try await server.request(.post, "/v1/customer-seats", token: org.token, rawBody: "[]")
            Self.expectValidationShape(seats)
            let list = try await server.request(.get, "/v1/customers/", token: org.token)
            #expect(list["pagination"]?["total_count"] == 0)
        }
    }
}

extension JSONValue {
    /// The item at `index` of an array value.
    func arrayItem(_ index: Int) -> JSONValue? {
        guard case .array(let items) = self, items.indices.contains(index) else { return nil }
        return items[index]
    }
}
