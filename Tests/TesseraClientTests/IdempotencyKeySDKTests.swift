import Foundation
import Testing
import TesseraClient

/// The SDK's `Idempotency-Key`: which calls send one, that every attempt of a call sends the
/// same one, and that a repeat with the key gets the server's first answer back.
@Suite struct IdempotencyKeySDKTests {
    static let keyHeader = "idempotency-key"

    /// 1 s, doubling, capped at 10 s, for up to an hour, without jitter.
    static let doubling = RetryTests.doubling

    static func client(_ url: String, _ config: RetryConfig = doubling, clock: RecordingClock = RecordingClock(),
                       timeout: Duration = .seconds(60)) -> TesseraClient {
        TesseraClient(accessToken: "t", server: .url(url), retryConfig: config, timeout: timeout, retryClock: clock)
    }

    static func keys(_ server: ScriptedServer) -> [String?] {
        server.received.map { $0.headers[keyHeader] }
    }

    static let assign = SeatAssign(subscriptionId: "s", email: "ada@example.com")

    // MARK: The wire

    @Test func anAssignRetriedAfterAServerErrorSendsOneKeyOnEveryAttempt() async throws {
        try await ScriptedServer.run([.status(503), .status(502), .json(200, RetryTests.seat)]) { server, url in
            let clock = RecordingClock()
            _ = try await Self.client(url, clock: clock).customerSeats.assignSeat(Self.assign)
            #expect(server.attempts == 3)
            #expect(clock.delaySeconds == [1, 2])
            let keys = Self.keys(server)
            let key = try #require(keys.first ?? nil)
            #expect(UUID(uuidString: key) != nil, "a random UUID: \(key)")
            #expect(keys == [key, key, key])
            #expect(Set(server.received.map(\.body)).count == 1, "the same body on every attempt")
        }
    }

    /// The first attempt runs on the server but its answer never arrives (the client gives up
    /// waiting): the retry carries the same key, so the server can answer it with the first answer.
    @Test func anAssignRetriedAfterALostAnswerSendsTheSameKey() async throws {
        var slow = ScriptedServer.Answer.json(200, RetryTests.seat)
        slow.delay = .seconds(3)
        try await ScriptedServer.run([slow, .json(200, RetryTests.seat)]) { server, url in
            let clock = RecordingClock()
            let seat = try await Self.client(url, clock: clock, timeout: .milliseconds(500)).customerSeats
                .assignSeat(Self.assign)
            #expect(seat.status == .revoked)
            // Two attempts, or more when a loaded machine makes a retry time out too: all with one key.
            #expect(server.attempts >= 2)
            #expect(!clock.delays.isEmpty)
            let keys = Self.keys(server)
            #expect(keys[0] != nil && Set(keys).count == 1)
        }
    }

    @Test func eachCallMakesItsOwnKeyAndACallersKeyIsSentAsGiven() async throws {
        try await ScriptedServer.run([.json(200, RetryTests.seat)]) { server, url in
            let seats = Self.client(url).customerSeats
            _ = try await seats.assignSeat(Self.assign)
            _ = try await seats.assignSeat(Self.assign)
            let keys = Self.keys(server).compactMap { $0 }
            #expect(keys.count == 2 && keys[0] != keys[1])
        }
        try await ScriptedServer.run([.status(503), .json(200, RetryTests.seat)]) { server, url in
            _ = try await Self.client(url).customerSeats.assignSeat(Self.assign, idempotencyKey: "order-42/ada")
            #expect(Self.keys(server) == ["order-42/ada", "order-42/ada"])
        }
    }

    /// Every write a repeat could make act twice sends a key, is retried by the client's
    /// configuration, and keeps its key across attempts.
    @Test(arguments: KeyedCall.allCases)
    func aWriteThatCouldActTwiceIsRetriedWithOneKey(call: KeyedCall) async throws {
        try await ScriptedServer.run([.status(503), .status(400)]) { server, url in
            let clock = RecordingClock()
            let error = await #expect(throws: APIError.self) {
                try await call.run(on: Self.client(url, clock: clock), key: nil)
            }
            #expect(error?.statusCode == 400, "the answer after the retry")
            #expect(server.attempts == 2)
            #expect(server.received.allSatisfy { $0.method == call.method })
            let keys = Self.keys(server)
            #expect(keys[0] != nil && keys[0] == keys[1])
        }
        try await ScriptedServer.run([.status(400)]) { server, url in
            _ = try? await call.run(on: Self.client(url), key: "mine-\(call)")
            #expect(Self.keys(server) == ["mine-\(call)"])
        }
    }

    @Test func readsAndWritesIdempotentByContractSendNoKey() async throws {
        try await ScriptedServer.run([.json(200, "{}")]) { server, url in
            let client = Self.client(url, .none)
            // Answers are not what the models expect: only the requests matter here.
            _ = try? await client.customerSeats.listSeats(subscriptionId: "s")
            _ = try? await client.customerSeats.getClaimInfo(invitationToken: "token")
            _ = try? await client.customerSeats.history(seatId: "seat")
            _ = try? await client.customers.get(id: "c")
            _ = try? await client.customers.list()
            _ = try? await client.subscriptions.get(id: "sub")
            _ = try? await client.licenseKeys.get(id: "key")
            _ = try? await client.access.check(.product(id: "p"), for: .email("ada@example.com"))
            _ = try? await client.licenseKeys.validate(LicenseKeyValidate(key: "K", organizationId: "o"))
            _ = try? await client.customerSeats.revokeSeat(seatId: "seat")
            _ = try? await client.customers.update(id: "c", CustomerUpdate(name: "Ada"))
            _ = try? await client.customers.delete(id: "c")
            _ = try? await client.products.setBenefits(productId: "p", benefitIds: [])
            #expect(server.attempts == 13)
            #expect(server.received.filter { $0.method == "GET" }.count == 8)
            for request in server.received {
                #expect(request.headers[Self.keyHeader] == nil, "\(request.method) \(request.uri)")
            }
        }
    }

    @Test func aValidationThatCountsNoUsageSendsOnlyTheCallersKey() async throws {
        try await ScriptedServer.run([.status(503), .status(400)]) { server, url in
            let validate = LicenseKeyValidate(key: "K", organizationId: "o")
            _ = try? await Self.client(url).licenseKeys.validate(validate, idempotencyKey: "check-1")
            #expect(Self.keys(server) == ["check-1", "check-1"], "retried as a read, with the key given")
        }
    }

    // MARK: 409 IdempotencyKeyInUse

    static let keyInUse = ScriptedServer.Answer.json(409, #"""
        {"error": "IdempotencyKeyInUse",
         "detail": "A request with this Idempotency-Key is still running; retry it once that one has finished."}
        """#)

    @Test func aKeyStillInUseIsWaitedOutAndRetriedWithTheSameKey() async throws {
        try await ScriptedServer.run([Self.keyInUse, Self.keyInUse, .json(200, RetryTests.seat)]) { server, url in
            let clock = RecordingClock()
            let seat = try await Self.client(url, clock: clock).customerSeats.assignSeat(Self.assign)
            #expect(seat.status == .revoked)
            #expect(server.attempts == 3)
            #expect(clock.delaySeconds == [1, 2])
            #expect(Set(Self.keys(server)).count == 1)
        }
        // Without retries the 409 is the call's error.
        try await ScriptedServer.run([Self.keyInUse, .json(200, RetryTests.seat)]) { server, url in
            let error = await #expect(throws: APIError.self) {
                try await Self.client(url, .none).customerSeats.assignSeat(Self.assign)
            }
            #expect(error?.statusCode == 409 && error?.error == "IdempotencyKeyInUse")
            #expect(server.attempts == 1)
        }
    }

    @Test func anyOther409IsNotRetried() async throws {
        let taken = ScriptedServer.Answer.json(409, #"{"error": "Conflict", "detail": "slug taken"}"#)
        try await ScriptedServer.run([taken, .json(200, "{}")]) { server, url in
            let error = await #expect(throws: APIError.self) {
                try await Self.client(url).organizations.create(OrganizationCreate(name: "Acme", slug: "acme"))
            }
            #expect(error?.error == "Conflict")
            #expect(server.attempts == 1)
        }
    }

    @Test func onlyTesseraServersHonourKeys() {
        #expect(TesseraClient.Server.localTessera.honoursIdempotencyKeys)
        #expect(TesseraClient.Server.url("https://seats.example.com").honoursIdempotencyKeys)
        #expect(!TesseraClient.Server.polarProduction.honoursIdempotencyKeys)
        #expect(!TesseraClient.Server.polarSandbox.honoursIdempotencyKeys)
    }

    // MARK: A live server

    @Test func anAssignSentTwiceWithOneKeyMakesOneSeatAndTheSameAnswer() async throws {
        try await LiveTessera.run { server in
            let (_, client) = try await server.makeOrganization()
            let subscription = try await makeTeamPlan(client, seats: 3)
            let request = SeatAssign(subscriptionId: subscription.id, email: "ada@bigco.example", metadata: ["team": "red"])

            let first = try await client.withRawResponse {
                try await $0.customerSeats.assignSeat(request, idempotencyKey: "assign-ada-1")
            }
            let second = try await client.withRawResponse {
                try await $0.customerSeats.assignSeat(request, idempotencyKey: "assign-ada-1")
            }
            #expect(!first.isReplayed)
            #expect(second.isReplayed)
            #expect(second.statusCode == first.statusCode)
            #expect(second.body == first.body)
            #expect(second.value == first.value)

            let list = try await client.customerSeats.listSeats(subscriptionId: subscription.id)
            #expect(list.seats.map(\.id) == [first.value.id])
            #expect(try await server.deliverInvitations(to: "ada@bigco.example").count == 1, "one invitation")

            // Without the key the same request runs again, and is refused.
            let again = await #expect(throws: APIError.self) { try await client.customerSeats.assignSeat(request) }
            #expect(again?.error == "SeatAlreadyAssigned")
            // The key with another request is refused, and assigns nothing.
            let reused = await #expect(throws: APIError.self) {
                try await client.customerSeats.assignSeat(
                    SeatAssign(subscriptionId: subscription.id, email: "bo@bigco.example"), idempotencyKey: "assign-ada-1")
            }
            #expect(reused?.statusCode == 422 && reused?.error == "IdempotencyKeyReused")
            // A key that is not 1 to 255 visible ASCII characters is refused as input.
            let invalid = await #expect(throws: HTTPValidationError.self) {
                try await client.customerSeats.assignSeat(
                    SeatAssign(subscriptionId: subscription.id, email: "cy@bigco.example"), idempotencyKey: "two words")
            }
            #expect(invalid?.detail.map(\.path) == [["header", "idempotency-key"]])
            #expect(try await client.customerSeats.listSeats(subscriptionId: subscription.id).seats.count == 1)
        }
    }

    /// A create repeated with its key (as a retry after a lost answer sends it) creates once.
    @Test func aCreateRepeatedWithItsKeyCreatesOnce() async throws {
        try await LiveTessera.run { server in
            let (_, client) = try await server.makeOrganization()
            let customerRequest = CustomerCreate(email: "billing@bigco.example", metadata: ["plan": "team", "seats": 5])
            let customer = try await client.customers.create(customerRequest, idempotencyKey: "customer-1")
            let repeated = try await client.withRawResponse {
                try await $0.customers.create(customerRequest, idempotencyKey: "customer-1")
            }
            #expect(repeated.isReplayed && repeated.statusCode == 201)
            #expect(repeated.value == customer)
            #expect(try await client.customers.list(email: "billing@bigco.example").items.map(\.id) == [customer.id])

            let product = try await client.products.create(seatProduct())
            let subscriptionRequest = SubscriptionCreate(productId: product.id, customerId: customer.id, seats: 3)
            let subscription = try await client.subscriptions.create(subscriptionRequest, idempotencyKey: "sub-1")
            #expect(try await client.subscriptions.create(subscriptionRequest, idempotencyKey: "sub-1").id
                == subscription.id)
            #expect(try await client.subscriptions.list(customerId: customer.id).items.count == 1)

            // Products have no unique field: two calls without a key of yours are two products,
            // two with one key are one.
            _ = try await client.products.create(seatProduct(), idempotencyKey: "product-2")
            _ = try await client.products.create(seatProduct(), idempotencyKey: "product-2")
            #expect(try await client.products.list().items.count == 2)
        }
    }

    @Test func aClaimRepeatedWithItsKeyGetsTheSameSession() async throws {
        try await LiveTessera.run { server in
            let (_, client) = try await server.makeOrganization()
            let subscription = try await makeTeamPlan(client, seats: 2)
            _ = try await client.customerSeats.assignSeat(
                SeatAssign(subscriptionId: subscription.id, email: "ada@bigco.example"))
            let token = try #require(try await server.deliverInvitations(to: "ada@bigco.example").first)
            let anonymous = server.client()
            let claim = SeatClaim(invitationToken: token)
            let claimed = try await anonymous.customerSeats.claimSeat(claim, idempotencyKey: "claim-ada")
            let repeated = try await anonymous.customerSeats.claimSeat(claim, idempotencyKey: "claim-ada")
            #expect(repeated == claimed)
            #expect(claimed.seat.status == .claimed)
            // Without the key the spent token is refused.
            await #expect(throws: APIError.self) { try await anonymous.customerSeats.claimSeat(claim) }
        }
    }
}

/// Every call that sends an `Idempotency-Key` of its own accord, run against a scripted server.
enum KeyedCall: String, CaseIterable, Sendable, CustomStringConvertible {
    case assignSeat, assignMany, transfer, resendInvitation, claimSeat
    case createOrganization, createToken, createCustomer, createMember, createProduct, createBenefit
    case createSubscription, createOrder, createWebhookEndpoint, rotateSecret, createCustomerSession
    case activateLicenseKey, activateInPortal, validateCountingUsage, validateCountingUsageInPortal

    var description: String { rawValue }

    var method: String { self == .rotateSecret ? "PATCH" : "POST" }

    func run(on client: TesseraClient, key: String?) async throws {
        let recipient = SeatRecipient(email: "ada@example.com")
        let activate = LicenseKeyActivate(key: "K", organizationId: "o", label: "laptop")
        let validate = LicenseKeyValidate(key: "K", organizationId: "o", incrementUsage: 1)
        switch self {
        case .assignSeat:
            _ = try await client.customerSeats.assignSeat(SeatAssign(subscriptionId: "s", recipient: recipient),
                                                          idempotencyKey: key)
        case .assignMany:
            _ = try await client.customerSeats.assignMany(subscriptionId: "s", recipients: [recipient], idempotencyKey: key)
        case .transfer: _ = try await client.customerSeats.transfer(seatId: "seat", to: recipient, idempotencyKey: key)
        case .resendInvitation: _ = try await client.customerSeats.resendInvitation(seatId: "seat", idempotencyKey: key)
        case .claimSeat:
            _ = try await client.customerSeats.claimSeat(SeatClaim(invitationToken: "token"), idempotencyKey: key)
        case .createOrganization:
            _ = try await client.organizations.create(OrganizationCreate(name: "Acme", slug: "acme"), idempotencyKey: key)
        case .createToken:
            _ = try await client.organizationAccessTokens.create(
                OrganizationAccessTokenCreate(organizationId: "o", comment: "ci", scopes: []), idempotencyKey: key)
        case .createCustomer:
            _ = try await client.customers.create(CustomerCreate(email: "a@example.com"), idempotencyKey: key)
        case .createMember:
            _ = try await client.members.create(MemberCreate(customerId: "c", email: "a@example.com"), idempotencyKey: key)
        case .createProduct: _ = try await client.products.create(seatProduct(), idempotencyKey: key)
        case .createBenefit:
            _ = try await client.benefits.create(BenefitCreate(type: .custom, description: "Support"), idempotencyKey: key)
        case .createSubscription:
            _ = try await client.subscriptions.create(SubscriptionCreate(productId: "p", customerId: "c", seats: 2),
                                                      idempotencyKey: key)
        case .createOrder:
            _ = try await client.orders.create(OrderCreate(productId: "p", customerId: "c", seats: 2), idempotencyKey: key)
        case .createWebhookEndpoint:
            _ = try await client.webhookEndpoints.create(
                WebhookEndpointCreate(url: "https://hooks.example.com", events: [.customerSeatAssigned]),
                idempotencyKey: key)
        case .rotateSecret: _ = try await client.webhookEndpoints.rotateSecret(id: "endpoint", idempotencyKey: key)
        case .createCustomerSession:
            _ = try await client.customerSessions.create(CustomerSessionCreate(customerId: "c"), idempotencyKey: key)
        case .activateLicenseKey: _ = try await client.licenseKeys.activate(activate, idempotencyKey: key)
        case .activateInPortal: _ = try await client.customerPortal.licenseKeys.activate(activate, idempotencyKey: key)
        case .validateCountingUsage: _ = try await client.licenseKeys.validate(validate, idempotencyKey: key)
        case .validateCountingUsageInPortal:
            _ = try await client.customerPortal.licenseKeys.validate(validate, idempotencyKey: key)
        }
    }
}
