import Foundation
import Testing
import TesseraClient

/// How models meet the wire: key names, omitted nil fields, dates, and enums with values the
/// SDK does not know.
@Suite struct ModelCodingTests {
    static func seatJSON(status: String = "pending", createdAt: String = "2026-04-01T12:00:00Z") -> String {
        #"""
        {"id": "7d7e3c57-4a51-4a5b-9f40-6f7f4f0a0b11", "created_at": "\#(createdAt)", "modified_at": null,
         "subscription_id": null, "order_id": "2f0c6f2e-6a43-4a52-8f1f-3d2b1c0a9e88", "status": "\#(status)",
         "customer_id": null, "member_id": "5b1f2a4e-0c55-4b8e-9a8f-1e2d3c4b5a69",
         "member": {"id": "5b1f2a4e-0c55-4b8e-9a8f-1e2d3c4b5a69", "created_at": "2026-04-01T12:00:00Z",
                    "modified_at": null, "customer_id": "c1", "email": "ada@example.com", "name": null,
                    "external_id": null, "role": "seat_admin"},
         "email": "ada@example.com", "customer_email": null, "invitation_token_expires_at": null,
         "claimed_at": null, "revoked_at": null, "seat_metadata": {"n": 1, "ok": true, "x": 1.5, "s": "t"},
         "some_field_from_the_future": [1, 2]}
        """#
    }

    static func decode<T: Decodable>(_ type: T.Type, _ json: String) throws -> T {
        try JSONDecoder().decode(JSONValue.self, from: Data(json.utf8)).decode(as: T.self)
    }

    @Test func unknownEnumValuesAreKeptNotRefused() throws {
        let seat = try Self.decode(CustomerSeat.self, Self.seatJSON(status: "frozen"))
        #expect(seat.status == .unknown("frozen"))
        #expect(seat.status.rawValue == "frozen")
        #expect(!seat.status.isKnown)
        #expect(seat.member?.role == .unknown("seat_admin"))
        #expect(SeatStatus(rawValue: "claimed") == .claimed)
        #expect(SubscriptionStatus(rawValue: "past_due") == .pastDue)
        #expect(WebhookEventType(rawValue: "customer_seat.revoked") == .customerSeatRevoked)

        #expect(try Self.encode(seat.status) == #""frozen""#, "the unknown value round-trips")
        #expect(try Self.encode([MemberRole.billingManager]) == #"["billing_manager"]"#)
    }

    @Test func metadataKeepsIntegersNumbersAndBooleansApart() throws {
        let seat = try Self.decode(CustomerSeat.self, Self.seatJSON())
        #expect(seat.seatMetadata == ["n": .int(1), "ok": .bool(true), "x": .double(1.5), "s": .string("t")])
    }

    @Test(arguments: [
        ("2026-04-01T12:00:00Z", 1_775_044_800.0),
        ("2026-04-01T12:00:00.5Z", 1_775_044_800.5),
        ("2026-04-01T12:00:00.123456Z", 1_775_044_800.123456),
        ("2026-04-01T14:00:00+02:00", 1_775_044_800.0),
        ("2026-04-01T12:00:00.250+00:00", 1_775_044_800.25),
        ("2026-04-01T12:00:00", 1_775_044_800.0),
    ])
    func datesWithOrWithoutFractionalSeconds(text: String, expected: Double) throws {
        let seat = try Self.decode(CustomerSeat.self, Self.seatJSON(createdAt: text))
        #expect(abs(seat.createdAt.timeIntervalSince1970 - expected) < 0.000_001)
    }

    @Test func anInvalidDateIsADecodingError() {
        #expect(throws: DecodingError.self) {
            try Self.decode(CustomerSeat.self, Self.seatJSON(createdAt: "April 1st"))
        }
    }

    @Test func requestBodiesUseWireNamesAndLeaveOutNilFields() throws {
        let assign = SeatAssign(subscriptionId: "s1", externalMemberId: "m-1", metadata: ["k": "v"], immediateClaim: true)
        #expect(try Self.encode(assign)
            == #"{"external_member_id":"m-1","immediate_claim":true,"metadata":{"k":"v"},"subscription_id":"s1"}"#)
        #expect(try Self.encode(CustomerUpdate(name: "Ada")) == #"{"name":"Ada"}"#)
        // A recipient is an assignment's fields without the pool; an assignment's sit flat beside the pool.
        let recipient = SeatRecipient(email: "ada@x.example", externalMemberId: "m-1", sendInvitation: false)
        #expect(try Self.encode(recipient) == #"{"email":"ada@x.example","external_member_id":"m-1","send_invitation":false}"#)
        #expect(try Self.encode(SeatAssign(orderId: "o1", recipient: recipient))
            == #"{"email":"ada@x.example","external_member_id":"m-1","order_id":"o1","send_invitation":false}"#)
        #expect(try Self.decode(SeatAssign.self, try Self.encode(assign)) == assign)
        #expect(try Self.encode(SeatClaim(invitationToken: "tok")) == #"{"invitation_token":"tok"}"#)
        #expect(try Self.encode(ProductPriceCreate.seatBased(SeatTiers(tiers: [SeatTier(minSeats: 1, pricePerSeat: 900)])))
            == #"{"amount_type":"seat_based","price_currency":"usd","seat_tiers":{"seat_tier_type":"volume","#
            + #""tiers":[{"min_seats":1,"price_per_seat":900}]}}"#)
    }

    /// The customer a member joins is the request's path (`/v1/customers/{id}/members`), which
    /// is where Tessera and Polar read it: the body leaves it out.
    @Test func aNewMembersBodyLeavesTheCustomerToThePath() throws {
        #expect(try Self.encode(MemberCreate(customerId: "c1", email: "ada@example.com", role: .billingManager))
            == #"{"email":"ada@example.com","role":"billing_manager"}"#)
    }

    @Test func bulkAndTransferRequestsOnTheWire() async throws {
        let bulk = #"{"already_assigned": 0, "assigned": 1, "failed": 0, "results": [{"index": 0, "status": "assigned", "seat": \#(Self.seatJSON())}]}"#
        try await ScriptedServer.run([.json(200, bulk), .json(200, Self.seatJSON())]) { server, url in
            let client = TesseraClient(accessToken: "tok", server: .url(url), retryConfig: .none)
            let expiresAt = Date(timeIntervalSince1970: 1_798_761_600.25)
            let result = try await client.customerSeats.assignMany(
                orderId: "o1", recipients: [SeatRecipient(email: "ada@x.example", expiresAt: expiresAt)], atomic: true)
            #expect(result.results.map(\.status) == [.assigned])
            _ = try await client.customerSeats.transfer(seatId: "s/1", to: SeatRecipient(customerId: "c1"))
            let received = server.received
            #expect(received.map(\.uri) == ["/v1/customer-seats/bulk", "/v1/customer-seats/s%2F1/transfer"])
            #expect(received.map(\.method) == ["POST", "POST"])
            #expect(received[0].body == #"{"atomic":true,"order_id":"o1","#
                + #""recipients":[{"email":"ada@x.example","expires_at":"2027-01-01T00:00:00.250000Z"}]}"#)
            #expect(received[1].body == #"{"customer_id":"c1"}"#)
        }
    }

    @Test func bulkResultsKeepEachRowsOutcomeAndError() throws {
        let json = #"""
        {"already_assigned": 0, "assigned": 1, "failed": 2, "results": [
          {"index": 0, "status": "assigned", "seat": \#(Self.seatJSON())},
          {"index": 1, "status": "failed", "error": {"status": 404, "error": "CustomerNotFound", "detail": "Customer not found"}},
          {"index": 2, "status": "failed", "error": {"status": 422, "error": "RequestValidationError",
            "detail": [{"type": "value_error", "loc": ["body", "email"], "msg": "not an email", "input": "x"}]}},
          {"index": 3, "status": "deferred"}]}
        """#
        let result = try Self.decode(BulkSeatAssignment.self, json)
        #expect(result.assigned == 1 && result.alreadyAssigned == 0 && result.failed == 2)
        #expect(result.results.map(\.status) == [.assigned, .failed, .failed, .unknown("deferred")])
        #expect(result.results[0].seat?.orderId == "2f0c6f2e-6a43-4a52-8f1f-3d2b1c0a9e88")
        #expect(result.results[1].seat == nil)
        #expect(result.results[1].error == BulkSeatError(statusCode: 404, error: "CustomerNotFound", detail: "Customer not found"))
        #expect(result.results[1].error?.message == "Customer not found")
        #expect(result.results[1].error?.validationProblems == nil)
        let problems = try #require(result.results[2].error?.validationProblems)
        #expect(problems.map(\.path) == [["body", "email"]])
        #expect(result.results[2].error?.message == nil)
    }

    @Test func aSeatsExpiryIsReadWhenPresentAndNilWhenAbsent() throws {
        #expect(try Self.decode(CustomerSeat.self, Self.seatJSON()).expiresAt == nil)
        let withExpiry = Self.seatJSON().replacingOccurrences(
            of: #""revoked_at": null"#, with: #""revoked_at": null, "expires_at": "2027-01-01T00:00:00Z""#)
        #expect(try Self.decode(CustomerSeat.self, withExpiry).expiresAt == Date(timeIntervalSince1970: 1_798_761_600))
    }

    @Test func validationDetailsMixKeysAndIndexes() throws {
        let detail = try Self.decode(HTTPValidationError.Detail.self,
                                     #"{"loc": ["body", "prices", 0], "msg": "bad", "type": "value_error", "input": {"a": null}}"#)
        #expect(detail.loc == [.key("body"), .key("prices"), .index(0)])
        #expect(detail.path == ["body", "prices", "0"])
        #expect(detail.input == ["a": nil])
    }

    @Test func serverPresets() {
        #expect(TesseraClient.Server.localTessera.baseURL == "http://127.0.0.1:8000")
        #expect(TesseraClient.Server.polarProduction.baseURL == "https://api.polar.sh")
        #expect(TesseraClient.Server.polarSandbox.baseURL == "https://sandbox-api.polar.sh")
        #expect(TesseraClient.Server.url("https://seats.example.com/").baseURL == "https://seats.example.com")
    }

    @Test func pathSegmentsAndQueryValuesArePercentEncoded() async throws {
        try await ScriptedServer.run([.json(200, #"{"seats": [], "available_seats": 0, "total_seats": 0}"#)]) {
            server, url in
            let client = TesseraClient(accessToken: "tok", server: .url(url + "/"), retryConfig: .none)
            _ = try? await client.customers.getExternal(externalId: "a/b c?d")
            _ = try await client.customerSeats.listSeats(subscriptionId: "x&y=z")
            _ = try? await client.customerSeats.getClaimInfo(invitationToken: "t/../u")
            let received = server.received
            #expect(received.map(\.uri) == [
                "/v1/customers/external/a%2Fb%20c%3Fd",
                "/v1/customer-seats?subscription_id=x%26y%3Dz",
                "/v1/customer-seats/claim/t%2F..%2Fu",
            ])
            #expect(received[0].headers["authorization"] == "Bearer tok")
            #expect(received[0].headers["accept"] == "application/json")
            #expect(received[2].headers["authorization"] == nil, "claim info is sent without the token")
        }
    }

    static func encode<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    @Test func aBrandingChangeSendsValuesNullsOrNothing() throws {
        let update = OrganizationUpdate(branding: OrganizationBrandingChange(
            displayName: .set("Acme Cloud"), logoURL: .remove))
        #expect(try Self.encode(update) == #"{"branding":{"display_name":"Acme Cloud","logo_url":null}}"#)
        let organization = try Self.decode(Organization.self, """
            {"id": "o1", "created_at": "2026-04-01T12:00:00Z", "modified_at": null, "name": "Acme", "slug": "acme",
             "branding": {"display_name": "Acme Cloud", "logo_url": null, "accent_color": "#ffd400"}}
            """)
        #expect(organization.branding == OrganizationBranding(displayName: "Acme Cloud", accentColor: "#ffd400"))
    }
}
