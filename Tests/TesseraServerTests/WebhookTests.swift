import Foundation
import Testing
import TesseraCore
import TesseraServer
import TesseraStore

/// Webhook endpoints, signed delivery of seat events, retries and disabling.
@Suite struct WebhookTests {
    static func makeEndpoint(_ server: TestServer, _ org: TestOrganization, url: String,
                             events: [WebhookEventType] = WebhookEventType.allCases) async throws -> TestResponse {
        let response = try await server.request(.post, "/v1/webhooks/endpoints", token: org.token, json: [
            "url": .string(url), "format": "raw", "events": .array(events.map { .string($0.rawValue) }),
        ])
        try #require(response.status == .created, "endpoint: \(response.json)")
        return response
    }

    /// Checks a delivery's Standard Webhooks signature with the endpoint's secret.
    static func isSigned(_ delivery: WebhookReceiver.Delivery, secret: String) -> Bool {
        guard let id = delivery.header("webhook-id"), let timestamp = delivery.header("webhook-timestamp").flatMap(Int.init),
              let signature = delivery.header("webhook-signature") else { return false }
        return WebhookSignature.isValid(signatureHeader: signature, id: id, timestamp: timestamp, body: delivery.body,
                                        secret: secret)
    }

    @Test(arguments: Backend.all)
    func endpointLifecycle(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let created = try await Self.makeEndpoint(server, org, url: "https://hooks.example.test/in",
                                                      events: [.customerSeatAssigned])
            let secret = try #require(created["secret"]?.stringValue)
            #expect(secret.hasPrefix("tsr_whs_"))
            #expect(created["enabled"] == true)
            #expect(created["format"] == "raw")
            #expect(created["events"] == ["customer_seat.assigned"])
            let list = try await server.request(.get, "/v1/webhooks/endpoints", token: org.token)
            #expect(list["pagination"]?["total_count"] == 1)
            let patched = try await server.request(.patch, "/v1/webhooks/endpoints/\(created.id)", token: org.token,
                                                   json: ["events": ["customer_seat.revoked"], "name": "crm"])
            #expect(patched["events"] == ["customer_seat.revoked"])
            #expect(patched["name"] == "crm")
            let rotated = try await server.request(.patch, "/v1/webhooks/endpoints/\(created.id)/secret", token: org.token)
            #expect(rotated.status == .ok)
            #expect(rotated["secret"]?.stringValue != secret)
            let deleted = try await server.request(.delete, "/v1/webhooks/endpoints/\(created.id)", token: org.token)
            #expect(deleted.status == .noContent)
            let gone = try await server.request(.get, "/v1/webhooks/endpoints/\(created.id)", token: org.token)
            #expect(gone.status == .notFound)
            // Another organization never sees it.
            let other = try await server.makeOrganization()
            let foreign = try await Self.makeEndpoint(server, other, url: "https://hooks.example.test/other")
            #expect(try await server.request(.get, "/v1/webhooks/endpoints/\(foreign.id)", token: org.token).status == .notFound)
        }
    }

    @Test(arguments: Backend.all)
    func badEndpointsAreRefused(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            for body: JSONValue in [
                ["url": "ftp://example.test", "format": "raw", "events": ["customer_seat.assigned"]],
                ["url": "https://example.test", "format": "raw", "events": ["checkout.created"]],
                ["url": "https://example.test", "format": "slack", "events": []],
                ["url": "https://example.test", "format": "raw"],
            ] {
                let response = try await server.request(.post, "/v1/webhooks/endpoints", token: org.token, json: body)
                #expect(response.status == .unprocessableContent, "\(body.serialized()): \(response.json)")
            }
            let reader = try await server.makeToken(organizationId: org.id, scopes: [.webhooksRead])
            let forbidden = try await server.request(.post, "/v1/webhooks/endpoints", token: reader, json: [
                "url": "https://example.test", "format": "raw", "events": [],
            ])
            #expect(forbidden.status == .forbidden)
            #expect(try await server.request(.get, "/v1/webhooks/endpoints", token: reader).status == .ok)
        }
    }

    @Test(arguments: Backend.all)
    func seatEventsAreSignedAndCarryTheAPIsJSON(backend: Backend) async throws {
        try await WebhookReceiver.run { receiver in
            try await TestServer.run(backend, webhookAllowPrivate: true) { server in
                let org = try await server.makeOrganization()
                let endpoint = try await Self.makeEndpoint(server, org, url: receiver.url)
                let secret = try #require(endpoint["secret"]?.stringValue)
                let pool = try await server.makeSubscription(org, seats: 3)
                let assigned = try await server.assign(org, pool, ["email": "ana@example.com"])
                let immediate = try await server.assign(org, pool, ["email": "ben@example.com", "immediate_claim": true])
                let revoked = try await server.request(.delete, "/v1/customer-seats/\(assigned.id)", token: org.token)
                try await server.webhookWorker.deliverDue()

                let seatEvents = receiver.deliveries.filter { $0.type?.hasPrefix("customer_seat.") == true }
                #expect(seatEvents.map(\.type) == ["customer_seat.assigned", "customer_seat.claimed", "customer_seat.revoked"])
                #expect(seatEvents.allSatisfy { Self.isSigned($0, secret: secret) })
                #expect(!Self.isSigned(seatEvents[0], secret: secret + "x"))
                #expect(seatEvents[0].data == assigned.json)
                #expect(seatEvents[1].data == immediate.json)
                #expect(seatEvents[2].data == revoked.json)
                // The revoked event names the former holder, as the revoking call does.
                #expect(seatEvents[2].data["customer_email"] == "ana@example.com")
                #expect(Set(receiver.deliveries.compactMap { $0.header("webhook-id") }).count == receiver.deliveries.count)
                // Creating the customer and member for a new email sent their events too.
                let types = Set(receiver.deliveries.compactMap(\.type))
                #expect(types.isSuperset(of: ["customer.created", "member.created", "subscription.created"]))
            }
        }
    }

    @Test(arguments: Backend.all)
    func everyChangeSendsItsEvent(backend: Backend) async throws {
        try await WebhookReceiver.run { receiver in
            try await TestServer.run(backend, webhookAllowPrivate: true) { server in
                let org = try await server.makeOrganization()
                _ = try await Self.makeEndpoint(server, org, url: receiver.url)
                let pool = try await server.makeSubscription(org, seats: 4)
                // The pool's product grants a benefit, so the claim below grants it.
                let granted = try await BenefitGrantTests.addBenefit(server, org, to: pool, description: "Seat perks")
                let seat = try await server.assign(org, pool, ["email": "cy@example.com"])
                _ = try await server.assign(org, pool, ["email": "di@example.com"])
                let token = try #require(try await server.deliverInvitations(to: "di@example.com").first)
                let claimed = try await server.request(.post, "/v1/customer-seats/claim", json: ["invitation_token": .string(token)])
                #expect(claimed.status == .ok)
                // Changing the granted benefit updates di's live grant.
                _ = try await server.request(.patch, "/v1/benefits/\(granted)", token: org.token, json: [
                    "type": "custom", "properties": ["note": "new note"],
                ])
                // Linking an external id to a known member updates it.
                _ = try await server.request(.post, "/v1/customers/\(pool.customerId)/members", token: org.token,
                                             json: ["email": "gus@example.com"])
                let linked = try await server.assign(org, pool, ["external_member_id": "ext-gus", "email": "gus@example.com"])
                #expect(linked.status == .ok)
                _ = try await server.request(.patch, "/v1/subscriptions/\(pool.id)", token: org.token, json: ["seats": 5])
                _ = try await server.request(.patch, "/v1/subscriptions/\(pool.id)", token: org.token,
                                             json: ["cancel_at_period_end": true])
                _ = try await server.request(.patch, "/v1/customers/\(pool.customerId)", token: org.token, json: ["name": "Big Co"])
                let order = try await server.makeOrder(org, seats: 2, status: "pending")
                _ = try await server.request(.patch, "/v1/orders/\(order.id)", token: org.token, json: ["status": "paid"])
                let holder = try #require(seat["member_id"]?.stringValue)
                let deletedMember = try await server.request(
                    .delete, "/v1/customers/\(pool.customerId)/members/\(holder)", token: org.token)
                #expect(deletedMember.status == .noContent)
                _ = try await server.request(.delete, "/v1/subscriptions/\(pool.id)", token: org.token)
                let customer = try await server.makeCustomer(org)
                _ = try await server.request(.delete, "/v1/customers/\(customer.id)", token: org.token)
                let benefit = try await server.request(.post, "/v1/benefits/", token: org.token, json: [
                    "type": "custom", "description": "Support", "properties": [:],
                ])
                _ = try await server.request(.patch, "/v1/benefits/\(benefit.id)", token: org.token, json: [
                    "type": "custom", "description": "Priority support",
                ])
                try await server.webhookWorker.deliverDue()

                let types = receiver.deliveries.compactMap(\.type)
                for expected in WebhookEventType.allCases.map(\.rawValue) {
                    #expect(types.contains(expected), "no \(expected) in \(types)")
                }
                // Deleting the member revoked cy's seat; revoking the subscription revoked di's: one event each.
                let revoked = receiver.deliveries.filter { $0.type == "customer_seat.revoked" }
                #expect(revoked.compactMap { $0.data["customer_email"]?.stringValue }.sorted()
                    == ["cy@example.com", "di@example.com", "gus@example.com"])
                #expect(types.filter { $0 == "order.paid" }.count == 1)
                // A subscription embeds its whole product, benefits included, as Polar's does.
                let resized = try #require(receiver.deliveries.first { $0.type == "subscription.updated" })
                #expect(resized.data["product"]?["benefits"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == [granted])
                let benefitEvents = receiver.deliveries.filter { $0.type?.hasPrefix("benefit.") == true }
                #expect(benefitEvents.map { "\($0.type ?? ""): \($0.data["description"]?.stringValue ?? "")" }.sorted()
                    == ["benefit.created: Seat perks", "benefit.created: Support", "benefit.updated: Priority support",
                        "benefit.updated: Seat perks"])
                // di's claim granted the perks; the update changed that grant; revoking the
                // subscription (which revoked di's seat) revoked it.
                let grantEvents = receiver.deliveries.filter { $0.type?.hasPrefix("benefit_grant.") == true }
                #expect(grantEvents.compactMap(\.type).sorted()
                    == ["benefit_grant.created", "benefit_grant.revoked", "benefit_grant.updated"])
                #expect(grantEvents.allSatisfy { $0.data["member"]?["email"] == "di@example.com" })
                #expect(grantEvents.first { $0.type == "benefit_grant.updated" }?.data["benefit"]?["properties"]
                    == ["note": "new note"])
            }
        }
    }

    @Test(arguments: Backend.all)
    func aFailedAttemptIsRetriedWithTheSameIdAndRecorded(backend: Backend) async throws {
        try await WebhookReceiver.run { receiver in
            try await TestServer.run(backend, webhookAllowPrivate: true) { server in
                let org = try await server.makeOrganization()
                let endpoint = try await Self.makeEndpoint(server, org, url: receiver.url, events: [.customerSeatAssigned])
                let pool = try await server.makeSubscription(org, seats: 3)
                receiver.answer([500])
                _ = try await server.assign(org, pool, ["email": "eve@example.com"])
                #expect(try await server.webhookWorker.deliverDue() == 1)
                // Not due again until its backoff has passed.
                #expect(try await server.webhookWorker.deliverDue() == 0)
                server.clock.advance(by: try #require(WebhookRetrySchedule.delay(afterAttempt: 1, jitter: 0.5)) + 1)
                #expect(try await server.webhookWorker.deliverDue() == 1)
                let deliveries = receiver.deliveries
                #expect(deliveries.count == 2)
                #expect(deliveries[0].header("webhook-id") == deliveries[1].header("webhook-id"))
                #expect(deliveries[0].header("webhook-timestamp") != deliveries[1].header("webhook-timestamp"))
                #expect(deliveries[0].body == deliveries[1].body)

                let attempts = try await server.request(.get, "/v1/webhooks/deliveries?endpoint_id=\(endpoint.id)", token: org.token)
                guard case .array(let items) = attempts["items"] else { Issue.record("no items"); return }
                #expect(items.count == 2)
                #expect(Set(items.compactMap { $0["http_code"]?.intValue }) == [500, 200])
                #expect(items.allSatisfy { $0["webhook_event"]?["type"] == "customer_seat.assigned" })

                // Redelivery queues the same event again.
                let eventId = try #require(items.first?["webhook_event"]?["id"]?.stringValue)
                let redelivered = try await server.request(.post, "/v1/webhooks/events/\(eventId)/redeliver", token: org.token)
                #expect(redelivered.status == .accepted)
                try await server.webhookWorker.deliverDue()
                #expect(receiver.deliveries.count == 3)
                #expect(receiver.deliveries.last?.header("webhook-id") == eventId)
                let unknown = try await server.request(.post, "/v1/webhooks/events/\(UUID().wire)/redeliver", token: org.token)
                #expect(unknown.status == .notFound)
            }
        }
    }

    @Test(arguments: Backend.all)
    func anEndpointFailingEveryRetryOfSeveralEventsIsDisabled(backend: Backend) async throws {
        try await WebhookReceiver.run { receiver in
            try await TestServer.run(backend, webhookAllowPrivate: true) { server in
                let org = try await server.makeOrganization()
                let endpoint = try await Self.makeEndpoint(server, org, url: receiver.url, events: [.customerSeatAssigned])
                let pool = try await server.makeSubscription(org, seats: 10)
                receiver.answer(Array(repeating: 503, count: 1000))
                for index in 0..<WebhookEndpoint.failedEventsBeforeDisabling {
                    _ = try await server.assign(org, pool, ["email": .string("f\(index)@example.com")])
                }
                // Walk the clock through the whole retry schedule.
                for _ in 0..<WebhookRetrySchedule.maximumAttempts {
                    try await server.webhookWorker.deliverDue()
                    server.clock.advance(by: 9 * 3600)
                }
                let after = try await server.request(.get, "/v1/webhooks/endpoints/\(endpoint.id)", token: org.token)
                #expect(after["enabled"] == false)
                #expect(after["disabled_reason"]?.stringValue?.contains("503") == true)
                #expect(receiver.deliveries.count == WebhookEndpoint.failedEventsBeforeDisabling * WebhookRetrySchedule.maximumAttempts)
                // A disabled endpoint gets no new events until it is enabled again.
                _ = try await server.assign(org, pool, ["email": "late@example.com"])
                #expect(try await server.webhookWorker.deliverDue() == 0)
                let enabled = try await server.request(.patch, "/v1/webhooks/endpoints/\(endpoint.id)", token: org.token,
                                                       json: ["enabled": true])
                #expect(enabled["enabled"] == true)
                #expect(enabled["disabled_reason"] == .null)
            }
        }
    }

    @Test(arguments: Backend.all)
    func aChangeThatRollsBackSendsNoEvent(backend: Backend) async throws {
        try await WebhookReceiver.run { receiver in
            try await TestServer.run(backend, webhookAllowPrivate: true) { server in
                let org = try await server.makeOrganization()
                _ = try await Self.makeEndpoint(server, org, url: receiver.url, events: [.customerSeatAssigned])
                let pool = try await server.makeSubscription(org, seats: 1)
                _ = try await server.assign(org, pool, ["email": "one@example.com"])
                let full = try await server.assign(org, pool, ["email": "two@example.com"])
                #expect(full.errorName == "SeatNotAvailable")
                try await server.webhookWorker.deliverDue()
                #expect(receiver.deliveries.count == 1)
            }
        }
    }

    @Test func theRetryScheduleSpansAboutADay() {
        let total = WebhookRetrySchedule.delays.reduce(0, +)
        #expect(total > 20 * 3600 && total < 28 * 3600)
        #expect(WebhookRetrySchedule.delay(afterAttempt: 1, jitter: 0) == 8)
        #expect(WebhookRetrySchedule.delay(afterAttempt: 1, jitter: 0.999)?.rounded() == 12)
        #expect(WebhookRetrySchedule.delay(afterAttempt: WebhookRetrySchedule.maximumAttempts, jitter: 0.5) == nil)
    }

    @Test func signaturesFollowStandardWebhooks() {
        // Recomputed independently: HMAC-SHA256 over "id.timestamp.body" keyed with the secret's bytes.
        let signature = WebhookSignature.sign(id: "msg_1", timestamp: 1_700_000_000, body: "{}", secret: "whsec_test")
        #expect(signature.hasPrefix("v1,"))
        #expect(WebhookSignature.isValid(signatureHeader: "v1,bogus " + signature, id: "msg_1", timestamp: 1_700_000_000,
                                         body: "{}", secret: "whsec_test"))
        #expect(!WebhookSignature.isValid(signatureHeader: signature, id: "msg_1", timestamp: 1_700_000_001, body: "{}",
                                          secret: "whsec_test"))
    }
}

/// Several processes on one PostgreSQL share the delivery queues without sending twice.
@Suite struct SharedDeliveryTests {
    @Test func twoWorkersOnOnePostgreSQLSendEachEventAndEmailOnce() async throws {
        guard Backend.all.contains(.postgres) else { return }
        try await Backend.postgres.withFreshDatabase { first, location in
            try await Backend.withDatabase(location) { second in
                try await WebhookReceiver.run { receiver in
                    try await TestServer.run(database: first, backend: .postgres, webhookAllowPrivate: true) { one in
                        try await TestServer.run(database: second, backend: .postgres, webhookAllowPrivate: true) { two in
                            let org = try await one.makeOrganization()
                            _ = try await WebhookTests.makeEndpoint(one, org, url: receiver.url, events: [.customerSeatAssigned])
                            let pool = try await one.makeSubscription(org, seats: 60)
                            for index in 0..<60 {
                                _ = try await one.assign(org, pool, ["email": .string("p\(index)@example.com")])
                            }
                            // Both processes' workers drain the same queues at the same time.
                            try await withThrowingTaskGroup(of: Void.self) { group in
                                for server in [one, two] {
                                    group.addTask {
                                        while try await server.webhookWorker.deliverDue() > 0 {}
                                    }
                                    group.addTask {
                                        while try await server.worker.deliverDue() > 0 {}
                                    }
                                }
                                try await group.waitForAll()
                            }
                            let ids = receiver.deliveries.compactMap { $0.header("webhook-id") }
                            #expect(ids.count == 60)
                            #expect(Set(ids).count == 60)
                            let emails = one.mail.messages.map(\.to) + two.mail.messages.map(\.to)
                            #expect(emails.count == 60)
                            #expect(Set(emails).count == 60)
                        }
                    }
                }
            }
        }
    }
}
