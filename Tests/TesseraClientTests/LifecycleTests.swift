import AsyncHTTPClient
import Foundation
import Testing
import TesseraClient

/// Where a client's HTTPClient comes from, shutting it down, and timeouts.
@Suite struct LifecycleTests {
    static let seatsList = #"{"seats": [], "available_seats": 1, "total_seats": 1}"#

    @Test func aDedicatedClientIsShutDownByShutdown() async throws {
        try await ScriptedServer.run([.json(200, Self.seatsList)]) { _, url in
            let client = TesseraClient(accessToken: "t", server: .url(url),
                                       httpClient: .dedicated(TesseraClient.defaultHTTPConfiguration),
                                       retryConfig: .none)
            #expect(try await client.customerSeats.listSeats(subscriptionId: "s").totalSeats == 1)
            try await client.shutdown()
            try await client.shutdown()
            let error = await #expect(throws: TransportError.self) {
                try await client.customerSeats.listSeats(subscriptionId: "s")
            }
            #expect(error?.kind == .shutDown)
        }
    }

    @Test func sharedAndProvidedClientsAreLeftRunning() async throws {
        try await ScriptedServer.run([.json(200, Self.seatsList)]) { server, url in
            let shared = TesseraClient(accessToken: "t", server: .url(url), retryConfig: .none)
            try await shared.shutdown()
            #expect(try await shared.customerSeats.listSeats(subscriptionId: "s").totalSeats == 1)

            let http = HTTPClient(eventLoopGroupProvider: .singleton)
            let provided = TesseraClient(accessToken: "t", server: .url(url), httpClient: .provided(http),
                                         retryConfig: .none)
            try await provided.shutdown()
            #expect(try await provided.customerSeats.listSeats(subscriptionId: "s").totalSeats == 1)
            try await http.shutdown()
            #expect(server.attempts == 2)
        }
    }

    @Test func anAnswerSlowerThanTheTimeoutIsATransportTimeout() async throws {
        var slow = ScriptedServer.Answer.json(200, Self.seatsList)
        slow.delay = .seconds(1)
        try await ScriptedServer.run([slow]) { _, url in
            let client = TesseraClient(accessToken: "t", server: .url(url), retryConfig: .none,
                                       timeout: .milliseconds(100))
            let error = await #expect(throws: TransportError.self) {
                try await client.customerSeats.listSeats(subscriptionId: "s")
            }
            #expect(error?.kind == .timeout)
            #expect(error?.isConnectionError == true)
        }
    }
}
