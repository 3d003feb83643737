import Foundation
import Testing
import TesseraClient

/// `withRawResponse`: the decoded model together with the answer exactly as it arrived.
@Suite struct RawResponseTests {
    @Test func theBodyHoldsFieldsTheModelLacks() async throws {
        try await LiveTessera.run { server in
            let (_, client) = try await server.makeOrganization()
            let customer = try await client.customers.create(CustomerCreate(email: "billing@bigco.example"))
            let product = try await client.products.create(seatProduct())
            let created = try await client.withRawResponse {
                try await $0.subscriptions.create(SubscriptionCreate(productId: product.id, customerId: customer.id,
                                                                     seats: 3))
            }
            #expect(created.statusCode == 201)
            #expect(created.value.seats == 3)
            #expect(created.headers.first(name: "Content-Type")?.hasPrefix("application/json") == true)
            // The SDK's Subscription has no `prices`; the server's JSON does.
            let json = try #require(JSONValue.parse(created.body))
            #expect(json["id"]?.stringValue == created.value.id)
            #expect(json["prices"]?.arrayValue?.isEmpty == false)

            let fetched = try await client.withRawResponse { try await $0.subscriptions.get(id: created.value.id) }
            #expect(fetched.statusCode == 200)
            #expect(JSONValue.parse(fetched.body)?["prices"] == json["prices"])
        }
    }

    @Test func theAnswerIsTheOneDecodedAfterRetries() async throws {
        let list = #"{"seats": [], "available_seats": 2, "total_seats": 2}"#
        try await ScriptedServer.run([.status(503), .json(200, list)]) { scripted, url in
            let client = TesseraClient(accessToken: "t", server: .url(url), retryClock: RecordingClock())
            let answer = try await client.withRawResponse { try await $0.customerSeats.listSeats(subscriptionId: "s") }
            #expect(scripted.attempts == 2)
            #expect(answer.statusCode == 200)
            #expect(answer.value.availableSeats == 2)
            #expect(String(decoding: answer.body, as: UTF8.self) == list)
        }
    }

    @Test func aDeleteHasAnEmptyBodyAndErrorsAreThrownAsUsual() async throws {
        try await ScriptedServer.run([.init(status: 204), .status(404)]) { _, url in
            let client = TesseraClient(accessToken: "t", server: .url(url), retryConfig: .none)
            let deleted = try await client.withRawResponse { try await $0.customers.delete(id: "c") }
            #expect(deleted.statusCode == 204)
            #expect(deleted.body.isEmpty)
            let error = await #expect(throws: APIError.self) {
                try await client.withRawResponse { try await $0.customers.delete(id: "c") }
            }
            #expect(error?.statusCode == 404)
        }
    }
}
