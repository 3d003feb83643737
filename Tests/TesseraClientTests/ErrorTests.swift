import Foundation
import NIOHTTP1
import Testing
import TesseraClient

/// Each kind of error the SDK throws, from a live Tessera server or from no server at all.
@Suite struct ErrorTests {
    @Test func invalidInputIsAnHTTPValidationErrorWithItsDetails() async throws {
        try await LiveTessera.run { server in
            let (_, client) = try await server.makeOrganization()
            let error = await #expect(throws: HTTPValidationError.self) {
                try await client.customers.create(CustomerCreate(email: "not-an-email"))
            }
            let failure = try #require(error)
            #expect(failure.statusCode == 422)
            #expect(failure.error == "RequestValidationError")
            let detail = try #require(failure.detail.first)
            #expect(detail.loc == [.key("body"), .key("email")])
            #expect(detail.path == ["body", "email"])
            #expect(detail.input == "not-an-email")
            #expect(!detail.msg.isEmpty)
            #expect(!detail.type.isEmpty)
            #expect(failure.body.contains("RequestValidationError"))
            #expect(failure.request.method == "POST")
            #expect(failure.request.url.hasSuffix("/v1/customers/"))

            // Several problems, one of them inside an array.
            let product = await #expect(throws: HTTPValidationError.self) {
                try await client.products.create(ProductCreate(
                    name: "Team", recurringInterval: .month,
                    prices: [ProductPriceCreate(amountType: .unknown("bartered"))]))
            }
            #expect(product?.detail.first?.loc == [.key("body"), .key("prices"), .index(0)])
        }
    }

    @Test func domainErrorsAreAPIErrorsWithNameAndDetail() async throws {
        try await LiveTessera.run { server in
            let (_, client) = try await server.makeOrganization()

            let notFound = await #expect(throws: APIError.self) {
                try await client.customerSeats.revokeSeat(seatId: UUID().uuidString.lowercased())
            }
            #expect(notFound?.statusCode == 404)
            #expect(notFound?.error == "ResourceNotFound")
            #expect(notFound?.detail == "Seat not found")
            #expect(notFound?.message == "Seat not found")
            #expect(notFound?.request.method == "DELETE")

            let noPool = await #expect(throws: APIError.self) { try await client.customerSeats.listSeats() }
            #expect(noPool?.statusCode == 400)
            #expect(noPool?.error == "BadRequest")
            #expect(noPool?.message == "Either subscription_id or order_id must be provided")

            let customer = try await client.customers.create(CustomerCreate(email: "billing@bigco.example"))
            let product = try await client.products.create(seatProduct())
            let subscription = try await client.subscriptions.create(
                SubscriptionCreate(productId: product.id, customerId: customer.id, seats: 1))
            _ = try await client.customerSeats.assignSeat(SeatAssign(subscriptionId: subscription.id, email: "a@x.example"))
            let full = await #expect(throws: APIError.self) {
                try await client.customerSeats.assignSeat(SeatAssign(subscriptionId: subscription.id, email: "b@x.example"))
            }
            #expect(full?.statusCode == 400)
            #expect(full?.error == "SeatNotAvailable")

            let badToken = await #expect(throws: APIError.self) {
                try await server.client().customerSeats.claimSeat(SeatClaim(invitationToken: "nope"))
            }
            #expect(badToken?.statusCode == 400)
            #expect(badToken?.error == "InvalidInvitationToken")

            let taken = await #expect(throws: APIError.self) {
                _ = try await server.operatorClient.organizations.create(OrganizationCreate(name: "A", slug: "dup-slug"))
                _ = try await server.operatorClient.organizations.create(OrganizationCreate(name: "B", slug: "dup-slug"))
            }
            #expect(taken?.statusCode == 409)
            #expect(taken?.error == "Conflict")
        }
    }

    @Test func authenticationErrorsAreAPIErrorsWithTheirHeaders() async throws {
        try await LiveTessera.run { server in
            let (_, readOnly) = try await server.makeOrganization(scopes: [.customersRead])
            let forbidden = await #expect(throws: APIError.self) {
                try await readOnly.customerSeats.assignSeat(SeatAssign(subscriptionId: UUID().uuidString, email: "a@x.example"))
            }
            #expect(forbidden?.statusCode == 403)
            #expect(forbidden?.error == "insufficient_scope")
            #expect(forbidden?.message?.contains("customer_seats:write") == true)
            #expect(forbidden?.headers.first(name: "www-authenticate")?.contains("insufficient_scope") == true)

            let unknown = await #expect(throws: APIError.self) {
                try await server.client(token: "tsr_oat_unknown").customers.list()
            }
            #expect(unknown?.statusCode == 401)
            #expect(unknown?.error == "invalid_token")
            #expect(unknown?.headers.first(name: "WWW-Authenticate")?.hasPrefix("Bearer") == true)

            let missing = await #expect(throws: APIError.self) { try await server.client().customers.list() }
            #expect(missing?.statusCode == 401)
            #expect(missing?.error == "Unauthorized")
        }
    }

    @Test func anUnreachableServerIsATransportError() async throws {
        let client = TesseraClient(accessToken: "t", server: .url("http://127.0.0.1:1"), retryConfig: .none)
        let error = await #expect(throws: TransportError.self) {
            try await client.customerSeats.listSeats(subscriptionId: "x")
        }
        #expect(error?.kind == .connectionFailed)
        #expect(error?.isConnectionError == true)
        #expect(error?.request.url == "http://127.0.0.1:1/v1/customer-seats?subscription_id=x")
    }

    @Test func aSuccessThatDoesNotMatchTheModelIsADecodingError() async throws {
        try await ScriptedServer.run([.json(200, #"{"seats": "many"}"#)]) { _, url in
            let client = TesseraClient(accessToken: "t", server: .url(url), retryConfig: .none)
            let error = await #expect(throws: ResponseDecodingError.self) {
                try await client.customerSeats.listSeats(subscriptionId: "x")
            }
            #expect(error?.statusCode == 200)
            #expect(error?.expectedType == "SeatsList")
            #expect(error?.body == #"{"seats": "many"}"#)
            #expect(error?.underlying is DecodingError)
        }
    }

    @Test func aPolarStyleErrorWithoutANameKeepsItsStructuredDetail() async throws {
        let body = #"{"detail": [{"loc": ["query", "limit"], "msg": "too big", "type": "less_than_equal"}]}"#
        try await ScriptedServer.run([.json(422, body), .json(500, #"{"detail": {"code": 7}}"#), .json(502, "<html>")]) {
            _, url in
            let client = TesseraClient(accessToken: "t", server: .url(url), retryConfig: .none)
            let validation = await #expect(throws: HTTPValidationError.self) { try await client.products.list(limit: 500) }
            #expect(validation?.error == nil)
            #expect(validation?.detail == [HTTPValidationError.Detail(
                loc: [.key("query"), .key("limit")], msg: "too big", type: "less_than_equal")])

            let structured = await #expect(throws: APIError.self) { try await client.products.list() }
            #expect(structured?.statusCode == 500)
            #expect(structured?.error == nil)
            #expect(structured?.detail == ["code": 7])
            #expect(structured?.message == nil)
            #expect(structured?.description == #"HTTP 500: {"code":7} (GET \#(url)/v1/products/)"#)

            let notJSON = await #expect(throws: APIError.self) { try await client.products.list() }
            #expect(notJSON?.statusCode == 502)
            #expect(notJSON?.detail == nil)
            #expect(notJSON?.body == "<html>")
        }
    }

    @Test func everyErrorIsATesseraSDKError() async throws {
        let client = TesseraClient(accessToken: nil, server: .url("http://127.0.0.1:1"), retryConfig: .none)
        do {
            _ = try await client.products.list()
            Issue.record("expected an error")
        } catch let error as any TesseraSDKError {
            #expect(error.request.method == "GET")
            #expect(error.description.contains("127.0.0.1:1"))
        }
    }
}
