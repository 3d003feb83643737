import Foundation
import Logging
import Testing
import TesseraClient
import TesseraServer
import enum TesseraCore.WebhookSignature
import struct TesseraCore.WebhookTargetPolicy

/// `Webhooks.verify`: Standard Webhooks signatures, checked and decoded.
@Suite struct WebhookVerificationTests {
    static let secret = "tsr_whs_0123456789abcdefghijklmnop"
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let body = #"""
        {"type": "customer_seat.claimed", "timestamp": "2027-01-15T08:00:00.123456Z", "data": {
         "id": "7d7e3c57-4a51-4a5b-9f40-6f7f4f0a0b11", "created_at": "2027-01-15T07:59:00Z", "modified_at": null,
         "subscription_id": "2f0c6f2e-6a43-4a52-8f1f-3d2b1c0a9e88", "order_id": null, "status": "claimed",
         "customer_id": "5b1f2a4e-0c55-4b8e-9a8f-1e2d3c4b5a69", "member_id": null, "member": null,
         "email": "ada@example.com", "customer_email": "ada@example.com", "invitation_token_expires_at": null,
         "claimed_at": "2027-01-15T08:00:00Z", "revoked_at": null, "seat_metadata": {"team": "eng"}}}
        """#

    /// Headers as Tessera sends them, signed with the server's own signing code.
    static func headers(body: String = body, secret: String = secret, timestamp: Int = 1_800_000_000)
        -> [String: String]
    {
        [
            "webhook-id": "evt_1",
            "webhook-timestamp": String(timestamp),
            "webhook-signature": WebhookSignature.sign(id: "evt_1", timestamp: timestamp, body: body, secret: secret),
        ]
    }

    @Test func aValidSignatureGivesTheTypedEvent() throws {
        let event = try Webhooks.verify(body: Self.body, headers: Self.headers(), secret: Self.secret, now: Self.now)
        #expect(event.id == "evt_1")
        #expect(event.type == .customerSeatClaimed)
        #expect(event.data["email"] == "ada@example.com")
        guard case .customerSeat(let seat) = event.payload else {
            Issue.record("expected a seat, got \(event.payload)")
            return
        }
        #expect(seat.status == .claimed)
        #expect(seat.email == "ada@example.com")
        #expect(seat.seatMetadata == ["team": "eng"])
        #expect(abs(event.timestamp.timeIntervalSince1970 - 1_800_000_000.123456) < 0.000_01)
    }

    @Test func anyOfSeveralSignaturesMayMatchAndHeaderNamesIgnoreCase() throws {
        var headers = Self.headers()
        let valid = try #require(headers["webhook-signature"])
        headers["webhook-signature"] = "v1,AAAA v2,ignored \(valid)"
        let mixedCase = Dictionary(uniqueKeysWithValues: headers.map { ($0.key.uppercased(), $0.value) })
        #expect(try Webhooks.verify(body: Self.body, headers: mixedCase, secret: Self.secret, now: Self.now).type
            == .customerSeatClaimed)
        #expect(Webhooks.sign(body: Data(Self.body.utf8), id: "evt_1", timestamp: 1_800_000_000, secret: Self.secret)
            == valid, "the SDK signs as the server does")
    }

    @Test func aTamperedBodyIsRefused() {
        let tampered = Self.body.replacingOccurrences(of: "ada@example.com", with: "eve@example.com")
        #expect(throws: WebhookVerificationError.self) {
            try Webhooks.verify(body: tampered, headers: Self.headers(), secret: Self.secret, now: Self.now)
        }
        #expect(Self.failure { try Webhooks.verify(body: tampered, headers: Self.headers(), secret: Self.secret, now: Self.now) }
            == "invalidSignature")
    }

    @Test func theWrongSecretIsRefused() {
        #expect(Self.failure {
            try Webhooks.verify(body: Self.body, headers: Self.headers(), secret: "tsr_whs_someone-elses-secret", now: Self.now)
        } == "invalidSignature")
    }

    @Test func aTimestampMoreThanFiveMinutesOffIsRefused() throws {
        for offset in [-301, 301, 86_400] {
            let headers = Self.headers(timestamp: 1_800_000_000 + offset)
            #expect(Self.failure {
                try Webhooks.verify(body: Self.body, headers: headers, secret: Self.secret, now: Self.now)
            } == "timestampOutOfTolerance", "offset \(offset)")
        }
        for offset in [-300, 299] {
            let headers = Self.headers(timestamp: 1_800_000_000 + offset)
            _ = try Webhooks.verify(body: Self.body, headers: headers, secret: Self.secret, now: Self.now)
        }
    }

    @Test func missingOrMalformedHeadersAreRefused() {
        var headers = Self.headers()
        headers["webhook-id"] = nil
        #expect(Self.failure { try Webhooks.verify(body: Self.body, headers: headers, secret: Self.secret, now: Self.now) }
            == "missingHeader")
        headers = Self.headers()
        headers["webhook-timestamp"] = "yesterday"
        #expect(Self.failure { try Webhooks.verify(body: Self.body, headers: headers, secret: Self.secret, now: Self.now) }
            == "invalidTimestamp")
    }

    @Test func otherEventsKeepTheirData() throws {
        let body = #"{"type": "benefit.created", "timestamp": "2027-01-15T08:00:00Z", "data": {"id": "b1"}}"#
        let event = try Webhooks.verify(body: body, headers: Self.headers(body: body), secret: Self.secret, now: Self.now)
        #expect(event.type == .unknown("benefit.created"))
        #expect(event.payload == .other(["id": "b1"]))

        let broken = #"{"type": "customer_seat.claimed", "timestamp": "2027-01-15T08:00:00Z", "data": {"id": 1}}"#
        #expect(Self.failure {
            try Webhooks.verify(body: broken, headers: Self.headers(body: broken), secret: Self.secret, now: Self.now)
        } == "invalidPayload")
    }

    /// A real delivery: Tessera's webhook worker posts a seat event to a local receiver, and the
    /// SDK verifies what arrived with the endpoint's secret.
    @Test func aDeliveryFromTesseraVerifies() async throws {
        try await LiveTessera.run { server in
            try await ScriptedServer.run([.json(200, "{}")]) { receiver, receiverURL in
                let (_, client) = try await server.makeOrganization()
                let endpoint = try await client.webhookEndpoints.create(
                    WebhookEndpointCreate(url: receiverURL + "/hooks", events: [.customerSeatAssigned]))
                let customer = try await client.customers.create(CustomerCreate(email: "billing@bigco.example"))
                let product = try await client.products.create(seatProduct())
                let subscription = try await client.subscriptions.create(
                    SubscriptionCreate(productId: product.id, customerId: customer.id, seats: 2))
                let seat = try await client.customerSeats.assignSeat(
                    SeatAssign(subscriptionId: subscription.id, email: "ada@bigco.example"))

                let worker = WebhookWorker(database: server.database, logger: Logger(label: "tessera-sdk-test"),
                                           targetPolicy: WebhookTargetPolicy(allowsPrivateNetworks: true))
                _ = try await worker.deliverDue()
                let delivery = try #require(receiver.received.first)
                #expect(delivery.method == "POST")
                let event = try Webhooks.verify(body: delivery.body, headers: delivery.headers, secret: endpoint.secret)
                #expect(event.type == .customerSeatAssigned)
                #expect(event.payload == .customerSeat(seat))
            }
        }
    }

    /// The case name of the `WebhookVerificationError` `body` throws, or nil.
    static func failure(_ body: () throws -> Void) -> String? {
        do {
            try body()
            return nil
        } catch let error as WebhookVerificationError {
            return switch error {
            case .missingHeader: "missingHeader"
            case .invalidTimestamp: "invalidTimestamp"
            case .timestampOutOfTolerance: "timestampOutOfTolerance"
            case .invalidSignature: "invalidSignature"
            case .invalidPayload: "invalidPayload"
            }
        } catch {
            return "\(error)"
        }
    }
}
