import Foundation
import Testing
import TesseraClient

/// Retries against a server that fails a set number of times. Delays are never waited: the
/// recording clock keeps the ones the retry logic asked for, and they are checked against the
/// configured backoff.
@Suite struct RetryTests {
    static let seatsList = #"{"seats": [], "available_seats": 3, "total_seats": 3}"#
    static let seat = #"""
        {"id": "7d7e3c57-4a51-4a5b-9f40-6f7f4f0a0b11", "created_at": "2026-04-01T12:00:00Z", "modified_at": null,
         "subscription_id": "2f0c6f2e-6a43-4a52-8f1f-3d2b1c0a9e88", "order_id": null, "status": "revoked",
         "customer_id": null, "member_id": null, "member": null, "email": "ada@example.com", "customer_email": null,
         "invitation_token_expires_at": null, "claimed_at": null, "revoked_at": "2026-04-01T12:00:01Z",
         "seat_metadata": {}}
        """#

    /// 1 s, doubling, capped at 10 s, for up to an hour, without jitter.
    static let doubling = RetryConfig.backoff(BackoffStrategy(
        initialInterval: .seconds(1), maxInterval: .seconds(10), exponent: 2, maxElapsedTime: .seconds(3600)))

    static func client(_ url: String, _ config: RetryConfig, clock: RecordingClock) -> TesseraClient {
        TesseraClient(accessToken: "t", server: .url(url), retryConfig: config, retryClock: clock)
    }

    @Test func aReadIsRetriedWithExponentialBackoffUntilItSucceeds() async throws {
        let answers: [ScriptedServer.Answer] = [.status(503), .status(500), .status(502), .status(504),
                                                 .json(200, Self.seatsList)]
        try await ScriptedServer.run(answers) { server, url in
            let clock = RecordingClock()
            let list = try await Self.client(url, Self.doubling, clock: clock).customerSeats.listSeats(subscriptionId: "s")
            #expect(list.availableSeats == 3)
            #expect(server.attempts == 5)
            #expect(clock.delaySeconds == [1, 2, 4, 8])
            #expect(server.received.allSatisfy { $0.uri == "/v1/customer-seats?subscription_id=s" })
        }
    }

    @Test func delaysStopGrowingAtTheMaximumInterval() async throws {
        try await ScriptedServer.run(Array(repeating: .status(503), count: 5) + [.json(200, Self.seatsList)]) {
            server, url in
            let clock = RecordingClock()
            _ = try await Self.client(url, Self.doubling, clock: clock).customerSeats.listSeats(orderId: "o")
            #expect(server.attempts == 6)
            #expect(clock.delaySeconds == [1, 2, 4, 8, 10])
        }
    }

    @Test func retriesEndWhenTheNextDelayWouldPassTheMaximumElapsedTime() async throws {
        let config = RetryConfig.backoff(BackoffStrategy(
            initialInterval: .seconds(1), maxInterval: .seconds(60), exponent: 2, maxElapsedTime: .seconds(10)))
        try await ScriptedServer.run([.status(503)]) { server, url in
            let clock = RecordingClock()
            let error = await #expect(throws: APIError.self) {
                try await Self.client(url, config, clock: clock).customerSeats.listSeats(subscriptionId: "s")
            }
            #expect(error?.statusCode == 503, "the last answer is what the call throws")
            // 1 + 2 + 4 = 7 s elapsed; waiting 8 s more would pass 10 s.
            #expect(clock.delaySeconds == [1, 2, 4])
            #expect(server.attempts == 4)
        }
    }

    @Test func retryAfterInSecondsOrAsAnHTTPDateReplacesTheComputedDelay() async throws {
        let clock = RecordingClock(start: Date(timeIntervalSince1970: 1_800_000_000))
        // 7 s after the first wait the clock reads 1_800_000_007; the date is 30 s after that.
        let date = Self.httpDate(Date(timeIntervalSince1970: 1_800_000_037))
        let answers: [ScriptedServer.Answer] = [
            .status(503, headers: [.retryAfter: "7"]),
            .status(429, headers: [.retryAfter: date]),
            .status(503, headers: [.retryAfter: "soon"]),
            .json(200, Self.seatsList),
        ]
        try await ScriptedServer.run(answers) { server, url in
            _ = try await Self.client(url, Self.doubling, clock: clock).customerSeats.listSeats(subscriptionId: "s")
            #expect(server.attempts == 4)
            // An unreadable Retry-After falls back to the backoff (third retry: 4 s).
            #expect(clock.delaySeconds == [7, 30, 4])
        }
    }

    @Test func jitterShortensEachDelayByUpToItsFraction() async throws {
        let config = RetryConfig.backoff(BackoffStrategy(
            initialInterval: .seconds(2), maxInterval: .seconds(60), exponent: 3, maxElapsedTime: .seconds(600),
            jitter: 0.5))
        try await ScriptedServer.run([.status(503), .status(503), .json(200, Self.seatsList)]) { _, url in
            let clock = RecordingClock(random: 0.5)
            _ = try await Self.client(url, config, clock: clock).customerSeats.listSeats(subscriptionId: "s")
            // Base delays 2 s and 6 s, each shortened by 0.5 × 0.5 = 25 %.
            #expect(clock.delaySeconds == [1.5, 4.5])
        }
    }

    @Test func revokingASeatIsRetriedBecauseItIsIdempotent() async throws {
        try await ScriptedServer.run([.status(502), .json(200, Self.seat)]) { server, url in
            let clock = RecordingClock()
            let seat = try await Self.client(url, Self.doubling, clock: clock).customerSeats
                .revokeSeat(seatId: "7d7e3c57-4a51-4a5b-9f40-6f7f4f0a0b11")
            #expect(seat.status == .revoked)
            #expect(server.attempts == 2)
            #expect(server.received.allSatisfy { $0.method == "DELETE" })
            #expect(clock.delaySeconds == [1])
        }
    }

    /// Retried because each carries an `Idempotency-Key` that the server replays (see
    /// `IdempotencyKeySDKTests` for every such call and its key).
    @Test(arguments: ["assign", "assignMany", "transfer", "resend", "claim", "create"])
    func writesThatCouldActTwiceAreRetriedBecauseTheySendAKey(operation: String) async throws {
        try await ScriptedServer.run([.status(503), .status(400)]) { server, url in
            let clock = RecordingClock()
            let client = Self.client(url, Self.doubling, clock: clock)
            let seats = client.customerSeats
            let error = await #expect(throws: APIError.self) {
                switch operation {
                case "assign": _ = try await seats.assignSeat(SeatAssign(subscriptionId: "s", email: "a@x.example"))
                case "assignMany":
                    _ = try await seats.assignMany(subscriptionId: "s", recipients: [SeatRecipient(email: "a@x.example")])
                case "transfer": _ = try await seats.transfer(seatId: "seat", to: SeatRecipient(email: "a@x.example"))
                case "resend": _ = try await seats.resendInvitation(seatId: "seat")
                case "claim": _ = try await seats.claimSeat(SeatClaim(invitationToken: "token"))
                default: _ = try await client.customers.create(CustomerCreate(email: "a@x.example"))
                }
            }
            #expect(error?.statusCode == 400)
            #expect(server.attempts == 2)
            #expect(clock.delaySeconds == [1])
            #expect(server.received.allSatisfy { $0.headers["idempotency-key"] != nil })
        }
    }

    @Test func aCallsOwnRetriesOverrideTheClients() async throws {
        // The client retries nothing; the call asks for retries.
        try await ScriptedServer.run([.status(503), .status(503), .json(200, Self.seatsList)]) { server, url in
            let clock = RecordingClock()
            let client = Self.client(url, .none, clock: clock)
            _ = try await client.customerSeats.listSeats(subscriptionId: "s", retries: Self.doubling)
            #expect(server.attempts == 3)
            #expect(clock.delaySeconds == [1, 2])
        }
        // The client retries; the call turns retries off.
        try await ScriptedServer.run([.status(503), .json(200, Self.seatsList)]) { server, url in
            let clock = RecordingClock()
            let client = Self.client(url, Self.doubling, clock: clock)
            await #expect(throws: APIError.self) {
                try await client.customerSeats.listSeats(subscriptionId: "s", retries: RetryConfig.none)
            }
            #expect(server.attempts == 1)
            #expect(clock.delays.isEmpty)
        }
        // A call's own configuration applies to an assignment too, under a client that retries nothing.
        try await ScriptedServer.run([.status(503), .json(200, Self.seat)]) { server, url in
            let clock = RecordingClock()
            let custom = RetryConfig.backoff(BackoffStrategy(
                initialInterval: .milliseconds(250), maxInterval: .seconds(1), exponent: 1.5,
                maxElapsedTime: .seconds(5)))
            let client = Self.client(url, .none, clock: clock)
            _ = try await client.customerSeats.assignSeat(SeatAssign(subscriptionId: "s", email: "a@x.example"),
                                                          retries: custom)
            #expect(server.attempts == 2)
            #expect(clock.delaySeconds == [0.25])
            #expect(server.received.allSatisfy { $0.body == #"{"email":"a@x.example","subscription_id":"s"}"# })
        }
        // And a call can turn off the retries its key would allow.
        try await ScriptedServer.run([.status(503), .json(200, Self.seat)]) { server, url in
            let clock = RecordingClock()
            await #expect(throws: APIError.self) {
                try await Self.client(url, Self.doubling, clock: clock).customerSeats
                    .assignSeat(SeatAssign(subscriptionId: "s", email: "a@x.example"), retries: RetryConfig.none)
            }
            #expect(server.attempts == 1)
            #expect(clock.delays.isEmpty)
        }
    }

    @Test func otherStatusesAreNotRetried() async throws {
        for status in [400, 401, 404, 409, 501] {
            try await ScriptedServer.run([.status(status), .json(200, Self.seatsList)]) { server, url in
                let clock = RecordingClock()
                await #expect(throws: APIError.self) {
                    try await Self.client(url, Self.doubling, clock: clock).customerSeats.listSeats(subscriptionId: "s")
                }
                #expect(server.attempts == 1, "HTTP \(status)")
                #expect(clock.delays.isEmpty)
            }
        }
    }

    @Test func connectionErrorsAreRetriedOnlyWhenConfigured() async throws {
        let backoff = BackoffStrategy(initialInterval: .seconds(1), maxInterval: .seconds(10), exponent: 2,
                                      maxElapsedTime: .seconds(10))
        let retrying = RecordingClock()
        let error = await #expect(throws: TransportError.self) {
            try await TesseraClient(accessToken: "t", server: .url("http://127.0.0.1:1"),
                                    retryConfig: .backoff(backoff, retryConnectionErrors: true), retryClock: retrying)
                .customerSeats.listSeats(subscriptionId: "s")
        }
        #expect(error?.kind == .connectionFailed)
        #expect(retrying.delaySeconds == [1, 2, 4])

        let notRetrying = RecordingClock()
        await #expect(throws: TransportError.self) {
            try await TesseraClient(accessToken: "t", server: .url("http://127.0.0.1:1"),
                                    retryConfig: .backoff(backoff, retryConnectionErrors: false), retryClock: notRetrying)
                .customerSeats.listSeats(subscriptionId: "s")
        }
        #expect(notRetrying.delays.isEmpty)
    }

    @Test func theBackoffFormula() {
        let backoff = BackoffStrategy(initialInterval: .milliseconds(500), maxInterval: .seconds(30), exponent: 1.5,
                                      maxElapsedTime: .seconds(120))
        #expect(backoff.baseDelay(forRetry: 0) == .milliseconds(500))
        #expect(backoff.baseDelay(forRetry: 1) == .milliseconds(750))
        #expect(backoff.baseDelay(forRetry: 2) == .milliseconds(1125))
        #expect(backoff.baseDelay(forRetry: 100) == .seconds(30))
    }

    static func httpDate(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.string(from: date)
    }
}
