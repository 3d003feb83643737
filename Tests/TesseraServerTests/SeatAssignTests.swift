import Foundation
import Hummingbird
import Testing
import TesseraCore
import TesseraStore

/// `POST /v1/customer-seats`: request validation, the ordered checks, recipient resolution in
/// legacy mode, reuse of revoked rows, immediate claims and the invitation email.
@Suite struct SeatAssignTests {
    // MARK: Response shape

    /// The answer is built from what assign wrote, not read back: it must equal the stored seat
    /// as the list shows it, in both modes, for new and existing people, invitations and
    /// immediate claims, and for a revoked row reused.
    @Test(arguments: Backend.all)
    func assignAnswersExactlyWhatItStored(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            for memberModel in [false, true] {
                let org = try await server.makeOrganization(memberModel: memberModel)
                let pool = try await server.makeSubscription(org, seats: 5)
                let existing = try await server.makeCustomer(org, email: "known-\(memberModel)@example.com")
                let metadata: JSONValue = ["team": "core", "level": 3.5, "tags": ["a"]]
                var answers = [
                    try await server.assign(org, pool, ["email": .string("new-\(memberModel)@example.com"), "metadata": metadata]),
                    try await server.assign(org, pool, ["customer_id": .string(existing.id), "immediate_claim": true]),
                ]
                let revoked = try await server.assign(org, pool, ["email": .string("gone-\(memberModel)@example.com")])
                #expect(try await server.request(.delete, "/v1/customer-seats/\(revoked.id)", token: org.token).status == .ok)
                answers.append(try await server.assign(org, pool, ["email": .string("reuse-\(memberModel)@example.com")]))
                #expect(answers.last?.id == revoked.id, "the revoked row is reused")
                let listed = SeatSupport.array(try await server.list(org, pool)["seats"])
                for answer in answers {
                    #expect(answer.status == .ok, "\(answer.json)")
                    #expect(listed.first { $0["id"] == .string(answer.id) } == answer.json, "member model: \(memberModel)")
                }
            }
        }
    }

    @Test(arguments: Backend.all)
    func assignAnswersWithTheWholeCustomerSeat(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 3)
            let metadata: JSONValue = ["team": "core", "level": 3, "tags": ["a", "b"], "lead": true]
            let assignedAt = server.clock.now

            let seat = try await server.assign(org, pool, ["email": "alice@example.com", "metadata": metadata])

            #expect(seat.status == .ok)
            #expect(Set(seat.json.objectValue?.keys.map { $0 } ?? []) == SeatSupport.seatKeys)
            #expect(UUID(uuidString: seat.id) != nil && seat.id == seat.id.lowercased())
            #expect(seat["status"] == "pending")
            #expect(seat["subscription_id"] == .string(pool.id))
            #expect(seat["order_id"] == .null)
            #expect(seat["customer_id"]?.stringValue.flatMap(UUID.init(uuidString:)) != nil)
            #expect(seat["customer_id"] != .string(pool.customerId), "legacy: the holder's own customer")
            #expect(seat["member_id"]?.stringValue.flatMap(UUID.init(uuidString:)) != nil)
            #expect(seat["member"]?["id"] == seat["member_id"])
            #expect(seat["member"]?["email"] == "alice@example.com")
            #expect(seat["member"]?["customer_id"] == .string(pool.customerId), "member kept under the billing customer")
            #expect(seat["email"] == .null, "legacy seats carry no email of their own")
            #expect(seat["customer_email"] == "alice@example.com")
            SeatSupport.expectTime(seat["created_at"], assignedAt)
            #expect(seat["modified_at"] == .null)
            SeatSupport.expectTime(seat["invitation_token_expires_at"], assignedAt.addingTimeInterval(24 * 3600))
            #expect(seat["claimed_at"] == .null)
            #expect(seat["revoked_at"] == .null)
            #expect(seat["seat_metadata"] == metadata)

            let token = try #require(try await server.deliverInvitations(to: "alice@example.com").last)
            #expect(token.count >= 43, "256 bits, URL-safe")
            #expect(!seat.json.serialized().contains(token), "the response never carries the invitation token")
            #expect(seat.json.objectValue?.keys.filter { $0.contains("token") } == ["invitation_token_expires_at"])

            let list = try await server.list(org, pool)
            #expect(SeatSupport.array(list["seats"]).first?["seat_metadata"] == metadata)
            #expect(!list.json.serialized().contains(token))
            #expect(list["available_seats"] == 2)
            try await SeatSupport.expectCountsInStep(server, pool, org, active: 1)
        }
    }

    @Test(arguments: Backend.all)
    func metadataDefaultsToAnEmptyObject(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 1)
            let seat = try await server.assign(org, pool, ["email": "nometa@example.com"])
            #expect(seat.status == .ok)
            #expect(seat["seat_metadata"] == .object([:]))
        }
    }

    // MARK: Request validation (422)

    @Test(arguments: Backend.all)
    func malformedAssignmentsAreRefusedWithValidationDetails(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 5)
            let order = try await server.makeOrder(org, seats: 5)
            let sub = JSONValue.string(pool.id)
            let someId = JSONValue.string(UUID().wire)
            let customer = JSONValue.string(pool.customerId)
            let elevenKeys = JSONValue.object(Dictionary(uniqueKeysWithValues: (1...11).map { ("k\($0)", JSONValue(1)) }))
            let oversized: JSONValue = ["blob": .string(String(repeating: "x", count: 1100))]
            // Python's json.dumps writes "é" as \u00e9: 200 of them are 1,200 characters, not 400 bytes.
            let oversizedEscaped: JSONValue = ["blob": .string(String(repeating: "é", count: 200))]

            struct Case {
                var name: String
                var body: JSONValue
                var type = "value_error"
                var loc: JSONValue = ["body"]
                var msg: String
                var wholeBodyIsInput = true
            }
            let exactlyOnePool = "Value error, Exactly one of subscription_id or order_id must be provided"
            let mixed = "Value error, Cannot combine external_customer_id/customer_id with external_member_id/member_id"
            let oneCustomerIdentifier = "Value error, Exactly one of email, external_customer_id, or customer_id must be provided"
            let cases: [Case] = [
                Case(name: "both pools", body: ["subscription_id": sub, "order_id": .string(order.id), "email": "a@example.com"],
                     msg: exactlyOnePool),
                Case(name: "no pool", body: ["email": "a@example.com"], msg: exactlyOnePool),
                Case(name: "no recipient", body: ["subscription_id": sub],
                     msg: "Value error, At least one of email, external_customer_id, customer_id, external_member_id, or member_id must be provided"),
                Case(name: "customer_id with member_id", body: ["subscription_id": sub, "customer_id": customer, "member_id": someId],
                     msg: mixed),
                Case(name: "external_customer_id with external_member_id",
                     body: ["subscription_id": sub, "external_customer_id": "c1", "external_member_id": "m1"], msg: mixed),
                Case(name: "both member identifiers", body: ["subscription_id": sub, "member_id": someId, "external_member_id": "m1"],
                     msg: "Value error, Cannot provide both external_member_id and member_id"),
                Case(name: "email with customer_id", body: ["subscription_id": sub, "email": "a@example.com", "customer_id": customer],
                     msg: oneCustomerIdentifier),
                Case(name: "email with external_customer_id",
                     body: ["subscription_id": sub, "email": "a@example.com", "external_customer_id": "c1"], msg: oneCustomerIdentifier),
                Case(name: "customer_id with external_customer_id",
                     body: ["subscription_id": sub, "customer_id": customer, "external_customer_id": "c1"], msg: oneCustomerIdentifier),
                Case(name: "member_id with email", body: ["subscription_id": sub, "member_id": someId, "email": "a@example.com"],
                     msg: "Value error, Cannot combine member_id with email"),
                Case(name: "eleven metadata keys", body: ["subscription_id": sub, "email": "a@example.com", "metadata": elevenKeys],
                     loc: ["body", "metadata"], msg: "Value error, Metadata cannot have more than 10 keys", wholeBodyIsInput: false),
                Case(name: "metadata over 1 KB", body: ["subscription_id": sub, "email": "a@example.com", "metadata": oversized],
                     loc: ["body", "metadata"], msg: "Value error, Metadata size cannot exceed 1KB", wholeBodyIsInput: false),
                Case(name: "metadata over 1 KB as json.dumps writes it",
                     body: ["subscription_id": sub, "email": "a@example.com", "metadata": oversizedEscaped],
                     loc: ["body", "metadata"], msg: "Value error, Metadata size cannot exceed 1KB", wholeBodyIsInput: false),
                Case(name: "email without @", body: ["subscription_id": sub, "email": "not-an-email"],
                     loc: ["body", "email"], msg: "value is not a valid email address: An email address must have an @-sign.",
                     wholeBodyIsInput: false),
                Case(name: "email without a dot in the domain", body: ["subscription_id": sub, "email": "someone@localhost"],
                     loc: ["body", "email"],
                     msg: "value is not a valid email address: The part after the @-sign is not valid. It should have a period.",
                     wholeBodyIsInput: false),
                Case(name: "email with a space", body: ["subscription_id": sub, "email": "some one@example.com"],
                     loc: ["body", "email"],
                     msg: "value is not a valid email address: The email address contains invalid characters before the @-sign.",
                     wholeBodyIsInput: false),
                Case(name: "subscription_id not a UUID", body: ["subscription_id": "sub_123", "email": "a@example.com"],
                     type: "uuid_parsing", loc: ["body", "subscription_id"], msg: "Input should be a valid UUID",
                     wholeBodyIsInput: false),
                Case(name: "order_id not a UUID", body: ["order_id": 42, "email": "a@example.com"],
                     type: "uuid_parsing", loc: ["body", "order_id"], msg: "Input should be a valid UUID",
                     wholeBodyIsInput: false),
                Case(name: "validation comes before the pool lookup",
                     body: ["subscription_id": someId, "email": "bad-address"], loc: ["body", "email"],
                     msg: "value is not a valid email address: An email address must have an @-sign.", wholeBodyIsInput: false),
            ]
            for test in cases {
                let response = try await server.request(.post, "/v1/customer-seats", token: org.token, json: test.body)
                let issue = SeatSupport.expectValidation(response, type: test.type, loc: test.loc, msg: test.msg, test.name)
                if test.wholeBodyIsInput {
                    #expect(issue?["input"] == test.body, "\(test.name): input is the whole body")
                } else if let field = test.loc.arrayLast?.stringValue {
                    #expect(issue?["input"] == test.body[field], "\(test.name): input is the field")
                }
            }

            // Nothing was written by any of them.
            #expect(SeatSupport.array(try await server.list(org, pool)["seats"]).isEmpty)
            #expect(SeatSupport.array(try await server.list(org, order)["seats"]).isEmpty)
            let created = try await server.request(.get, "/v1/customers/?email=a@example.com", token: org.token)
            #expect(created["pagination"]?["total_count"] == 0)
            #expect(try await SeatSupport.outbox(server).isEmpty)
            try await SeatSupport.expectCountsInStep(server, pool, org, active: 0)
        }
    }

    @Test(arguments: Backend.all)
    func metadataAtTheLimitsIsAccepted(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 2)
            let tenKeys = JSONValue.object(Dictionary(uniqueKeysWithValues: (1...10).map { ("k\($0)", JSONValue(1)) }))
            let first = try await server.assign(org, pool, ["email": "ten@example.com", "metadata": tenKeys])
            #expect(first.status == .ok, "\(first.json)")
            #expect(first["seat_metadata"] == tenKeys)

            // {"blob": "x…x"} is 12 characters plus the value: exactly 1,024 in all.
            let full: JSONValue = ["blob": .string(String(repeating: "x", count: 1024 - 12))]
            let second = try await server.assign(org, pool, ["email": "full@example.com", "metadata": full])
            #expect(second.status == .ok, "\(second.json)")
            #expect(second["seat_metadata"] == full)
            try await SeatSupport.expectCountsInStep(server, pool, org, active: 2)
        }
    }

    // MARK: The ordered checks

    @Test(arguments: Backend.all)
    func poolsOutsideTheCallersOrganizationAreNotFound(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let other = try await server.makeOrganization()
            let theirs = try await server.makeSubscription(other, seats: 3)
            let theirOrder = try await server.makeOrder(other, seats: 3)

            let unknownSubscription = try await server.request(.post, "/v1/customer-seats", token: org.token, json: [
                "subscription_id": .string(UUID().wire), "email": "a@example.com",
            ])
            SeatSupport.expectError(unknownSubscription, .notFound, "ResourceNotFound", "Subscription not found")
            let unknownOrder = try await server.request(.post, "/v1/customer-seats", token: org.token, json: [
                "order_id": .string(UUID().wire), "email": "a@example.com",
            ])
            SeatSupport.expectError(unknownOrder, .notFound, "ResourceNotFound", "Order not found")

            let otherSubscription = try await server.assign(org, theirs, ["email": "a@example.com"])
            SeatSupport.expectError(otherSubscription, .notFound, "ResourceNotFound", "Subscription not found")
            let otherOrder = try await server.assign(org, theirOrder, ["email": "a@example.com"])
            SeatSupport.expectError(otherOrder, .notFound, "ResourceNotFound", "Order not found")

            #expect(SeatSupport.array(try await server.list(other, theirs)["seats"]).isEmpty)
            #expect(SeatSupport.array(try await server.list(other, theirOrder)["seats"]).isEmpty)
            let customers = try await server.request(.get, "/v1/customers/?email=a@example.com", token: other.token)
            #expect(customers["pagination"]?["total_count"] == 0)
            try await SeatSupport.expectCountsInStep(server, theirs, other, active: 0)
        }
    }

    @Test(arguments: Backend.all)
    func assignIsForbiddenWhenTheFeatureIsOff(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 1)
            let pending = try await server.makeOrder(org, seats: 1, status: "pending")
            try await SeatSupport.setSeatFeature(server, org, enabled: false)

            let refused = try await server.assign(org, pool, ["email": "a@example.com"])
            SeatSupport.expectError(refused, .forbidden, "FeatureNotEnabled",
                                    "Seat-based pricing is not enabled for this organization")
            // The feature comes before the order's payment…
            let pendingOrder = try await server.assign(org, pending, ["email": "a@example.com"])
            SeatSupport.expectError(pendingOrder, .forbidden, "FeatureNotEnabled",
                                    "Seat-based pricing is not enabled for this organization")
            // …and after the pool lookup.
            let unknown = try await server.request(.post, "/v1/customer-seats", token: org.token, json: [
                "subscription_id": .string(UUID().wire), "email": "a@example.com",
            ])
            SeatSupport.expectError(unknown, .notFound, "ResourceNotFound", "Subscription not found")
            try await SeatSupport.expectCountsInStep(server, pool, org, active: 0)

            try await SeatSupport.setSeatFeature(server, org, enabled: true)
            #expect(try await server.assign(org, pool, ["email": "a@example.com"]).status == .ok)
            try await SeatSupport.expectCountsInStep(server, pool, org, active: 1)
        }
    }

    @Test(arguments: Backend.all)
    func pendingOrdersTakeNoSeatsUntilPaid(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let order = try await server.makeOrder(org, seats: 2, status: "pending")

            let refused = try await server.assign(org, order, ["email": "a@example.com"])
            SeatSupport.expectError(refused, .badRequest, "SeatNotAvailable", "Order must be paid before assigning seats")
            // Before the recipient is looked at.
            let unknownCustomer = try await server.assign(org, order, ["customer_id": .string(UUID().wire)])
            SeatSupport.expectError(unknownCustomer, .badRequest, "SeatNotAvailable", "Order must be paid before assigning seats")
            let customers = try await server.request(.get, "/v1/customers/?email=a@example.com", token: org.token)
            #expect(customers["pagination"]?["total_count"] == 0, "a refused assign creates no customer")
            try await SeatSupport.expectCountsInStep(server, order, org, active: 0)

            let paid = try await server.request(.patch, "/v1/orders/\(order.id)", token: org.token, json: ["status": "paid"])
            #expect(paid.status == .ok, "\(paid.json)")
            let seat = try await server.assign(org, order, ["email": "a@example.com"])
            #expect(seat.status == .ok, "\(seat.json)")
            #expect(seat["order_id"] == .string(order.id))
            try await SeatSupport.expectCountsInStep(server, order, org, active: 1)
        }
    }

    @Test(arguments: Backend.all)
    func aFullPoolRefusesBeforeLookingAtTheRecipient(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 1)
            #expect(try await server.assign(org, pool, ["email": "first@example.com"]).status == .ok)
            try await SeatSupport.expectCountsInStep(server, pool, org, active: 1)

            let full = "No available seats for \(pool.id)"
            SeatSupport.expectError(try await server.assign(org, pool, ["email": "second@example.com"]),
                                    .badRequest, "SeatNotAvailable", full)
            SeatSupport.expectError(try await server.assign(org, pool, ["customer_id": .string(UUID().wire)]),
                                    .badRequest, "SeatNotAvailable", full)
            SeatSupport.expectError(try await server.assign(org, pool, ["email": "first@example.com"]),
                                    .badRequest, "SeatNotAvailable", full)
            SeatSupport.expectError(try await server.assign(org, pool, ["email": "third@example.com", "immediate_claim": true]),
                                    .badRequest, "SeatNotAvailable", full)

            let second = try await server.request(.get, "/v1/customers/?email=second@example.com", token: org.token)
            #expect(second["pagination"]?["total_count"] == 0, "a refused assign creates no customer")
            let list = try await server.list(org, pool)
            #expect(SeatSupport.array(list["seats"]).count == 1)
            #expect(list["available_seats"] == 0)
            #expect(list["total_seats"] == 1)
            #expect(try await SeatSupport.outbox(server).count == 1, "only the first assign enqueued an email")
            try await SeatSupport.expectCountsInStep(server, pool, org, active: 1)
        }
    }

    // MARK: Recipients (legacy mode)

    @Test(arguments: Backend.all)
    func unknownCustomersAreNotFound(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let other = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 3)
            let stranger = try await server.makeCustomer(other, email: "stranger@example.com", externalId: "ext-stranger")

            let missingId = UUID().wire
            SeatSupport.expectError(try await server.assign(org, pool, ["customer_id": .string(missingId)]),
                                    .notFound, "CustomerNotFound", "Customer not found: \(missingId)")
            SeatSupport.expectError(try await server.assign(org, pool, ["external_customer_id": "nobody"]),
                                    .notFound, "CustomerNotFound", "Customer not found: nobody")
            SeatSupport.expectError(try await server.assign(org, pool, ["customer_id": .string(stranger.id)]),
                                    .notFound, "CustomerNotFound", "Customer not found: \(stranger.id)")
            SeatSupport.expectError(try await server.assign(org, pool, ["external_customer_id": "ext-stranger"]),
                                    .notFound, "CustomerNotFound", "Customer not found: ext-stranger")

            #expect(SeatSupport.array(try await server.list(org, pool)["seats"]).isEmpty)
            #expect(try await SeatSupport.outbox(server).isEmpty)
            try await SeatSupport.expectCountsInStep(server, pool, org, active: 0)
        }
    }

    @Test(arguments: Backend.all)
    func knownCustomersAreAssignedByIdOrExternalId(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 3)
            let carol = try await server.makeCustomer(org, email: "carol@example.com")
            let dave = try await server.makeCustomer(org, email: "dave@example.com", externalId: "ext-dave")

            let byId = try await server.assign(org, pool, ["customer_id": .string(carol.id)])
            #expect(byId.status == .ok, "\(byId.json)")
            #expect(byId["customer_id"] == .string(carol.id))
            #expect(byId["customer_email"] == "carol@example.com")
            #expect(byId["member"]?["email"] == "carol@example.com")
            try await SeatSupport.expectCountsInStep(server, pool, org, active: 1)

            let byExternalId = try await server.assign(org, pool, ["external_customer_id": "ext-dave"])
            #expect(byExternalId.status == .ok, "\(byExternalId.json)")
            #expect(byExternalId["customer_id"] == .string(dave.id))
            #expect(byExternalId["customer_email"] == "dave@example.com")
            try await SeatSupport.expectCountsInStep(server, pool, org, active: 2)

            #expect(try await server.deliverInvitations(to: "carol@example.com").count == 1)
            #expect(try await server.deliverInvitations(to: "dave@example.com").count == 1)
        }
    }

    @Test(arguments: Backend.all)
    func anUnknownEmailCreatesTheCustomerAndAMemberUnderTheBillingCustomer(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 2)

            let seat = try await server.assign(org, pool, ["email": "bob@example.com"])
            #expect(seat.status == .ok, "\(seat.json)")

            let customers = try await server.request(.get, "/v1/customers/?email=bob@example.com", token: org.token)
            #expect(customers.status == .ok)
            #expect(customers["pagination"]?["total_count"] == 1)
            let customer = try #require(SeatSupport.array(customers["items"]).first)
            #expect(customer["id"] == seat["customer_id"])
            #expect(customer["email"] == "bob@example.com")

            let members = try await server.request(.get, "/v1/members/?customer_id=\(pool.customerId)", token: org.token)
            #expect(members.status == .ok)
            let member = try #require(SeatSupport.array(members["items"]).first { $0["email"] == "bob@example.com" })
            #expect(member["id"] == seat["member_id"])
            #expect(member["customer_id"] == .string(pool.customerId))

            // Another pool in the organization finds the same customer instead of making a second one.
            let otherPool = try await server.makeSubscription(org, seats: 1)
            let again = try await server.assign(org, otherPool, ["email": "Bob@Example.com"])
            #expect(again.status == .ok, "\(again.json)")
            #expect(again["customer_id"] == seat["customer_id"])
            #expect(again["customer_email"] == "bob@example.com")
            let stillOne = try await server.request(.get, "/v1/customers/?email=bob@example.com", token: org.token)
            #expect(stillOne["pagination"]?["total_count"] == 1)
            try await SeatSupport.expectCountsInStep(server, pool, org, active: 1)
            try await SeatSupport.expectCountsInStep(server, otherPool, org, active: 1)
        }
    }

    @Test(arguments: Backend.all)
    func emailsCompareCaseInsensitively(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 2)
            let carol = try await server.makeCustomer(org, email: "Carol@Example.com")

            let seat = try await server.assign(org, pool, ["email": "carol@EXAMPLE.COM"])
            #expect(seat.status == .ok, "\(seat.json)")
            #expect(seat["customer_id"] == .string(carol.id))
            #expect(seat["customer_email"] == "Carol@Example.com", "the stored address is kept as written")
            let customers = try await server.request(.get, "/v1/customers/?email=carol@example.com", token: org.token)
            #expect(customers["pagination"]?["total_count"] == 1)
            #expect(try await server.deliverInvitations(to: "Carol@Example.com").count == 1)
            try await SeatSupport.expectCountsInStep(server, pool, org, active: 1)
        }
    }

    @Test(arguments: Backend.all)
    func onePersonHoldsOneActiveSeatPerPool(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 5)
            let first = try await server.assign(org, pool, ["email": "alice@example.com"])
            #expect(first.status == .ok)
            let customerId = try #require(first["customer_id"])
            #expect(try await SeatSupport.outbox(server).count == 1)

            for body: [String: JSONValue] in [
                ["email": "alice@example.com"],
                ["email": "ALICE@example.COM"],
                ["customer_id": customerId],
                ["email": "alice@example.com", "immediate_claim": true],
            ] {
                let again = try await server.assign(org, pool, body)
                #expect(again.status == .badRequest, "\(body)")
                #expect(again.errorName == "SeatAlreadyAssigned", "\(body)")
                #expect(again.detail?.hasPrefix("Seat already assigned to customer ") == true, "\(again.json)")
            }

            // The refused assigns rolled back: no second seat, no email enqueued or delivered.
            #expect(SeatSupport.array(try await server.list(org, pool)["seats"]).count == 1)
            #expect(try await SeatSupport.outbox(server).count == 1)
            try await server.worker.deliverDue()
            #expect(server.mail.messages.count == 1)
            try await SeatSupport.expectCountsInStep(server, pool, org, active: 1)

            // Also once the seat is claimed.
            let token = try #require(try await server.deliverInvitations(to: "alice@example.com").last)
            #expect(try await SeatSupport.claim(server, token).status == .ok)
            let afterClaim = try await server.assign(org, pool, ["email": "alice@example.com"])
            #expect(afterClaim.errorName == "SeatAlreadyAssigned")
            try await SeatSupport.expectCountsInStep(server, pool, org, active: 1)

            // The same person may hold a seat in another pool.
            let otherPool = try await server.makeSubscription(org, seats: 1)
            #expect(try await server.assign(org, otherPool, ["email": "alice@example.com"]).status == .ok)
        }
    }

    @Test(arguments: Backend.all)
    func internationalAddressesAreAcceptedAndRoundTripExactly(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 2)
            let address = "jöhn.ünïcode@example.com"

            let seat = try await server.assign(org, pool, ["email": .string(address)])
            #expect(seat.status == .ok, "\(seat.json)")
            #expect(seat["customer_email"] == .string(address))
            #expect(seat["member"]?["email"] == .string(address))

            let listed = SeatSupport.array(try await server.list(org, pool)["seats"])
            #expect(listed.first?["customer_email"] == .string(address))
            let customers = try await server.request(
                .get, "/v1/customers/?email=\(SeatSupport.queryEncoded(address))", token: org.token)
            #expect(customers["pagination"]?["total_count"] == 1)
            #expect(SeatSupport.array(customers["items"]).first?["email"] == .string(address))

            let token = try #require(try await server.deliverInvitations(to: address).last)
            let info = try await server.request(.get, "/v1/customer-seats/claim/\(token)")
            #expect(info["customer_email"] == .string(address))
            try await SeatSupport.expectCountsInStep(server, pool, org, active: 1)
        }
    }

    // MARK: Reuse and immediate claims

    @Test(arguments: Backend.all)
    func aRevokedSeatIsReusedBeforeANewRowIsMade(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 3)
            let (first, firstToken) = try await SeatSupport.invite(server, org, pool, email: "a@example.com")
            #expect(try await SeatSupport.revoke(server, org, first.id).status == .ok)
            try await SeatSupport.expectCountsInStep(server, pool, org, active: 0)

            server.clock.advance(by: 60)
            let reusedAt = server.clock.now
            let (reused, reusedToken) = try await SeatSupport.invite(server, org, pool, email: "b@example.com")
            #expect(reused.id == first.id, "the revoked row is reused although free seats remain")
            #expect(reused["status"] == "pending")
            #expect(reused["customer_email"] == "b@example.com")
            #expect(reused["member"]?["email"] == "b@example.com")
            #expect(reused["revoked_at"] == .null)
            #expect(reused["claimed_at"] == .null)
            #expect(reused["created_at"] == first["created_at"])
            SeatSupport.expectTime(reused["modified_at"], reusedAt)
            SeatSupport.expectTime(reused["invitation_token_expires_at"], reusedAt.addingTimeInterval(24 * 3600))
            #expect(reused["seat_metadata"] == .object([:]))
            #expect(SeatSupport.array(try await server.list(org, pool)["seats"]).count == 1)
            try await SeatSupport.expectCountsInStep(server, pool, org, active: 1)

            // The first holder's invitation does not come back with the row.
            #expect(try await server.request(.get, "/v1/customer-seats/claim/\(firstToken)").status == .notFound)
            #expect(try await server.request(.get, "/v1/customer-seats/claim/\(reusedToken)").status == .ok)

            // With no revoked row left, a new one is made.
            let fresh = try await server.assign(org, pool, ["email": "c@example.com"])
            #expect(fresh.status == .ok)
            #expect(fresh.id != first.id)
            #expect(SeatSupport.array(try await server.list(org, pool)["seats"]).count == 2)
            try await SeatSupport.expectCountsInStep(server, pool, org, active: 2)

            // An immediate claim reuses a revoked row too, with no invitation left on it.
            #expect(try await SeatSupport.revoke(server, org, fresh.id).status == .ok)
            try await SeatSupport.expectCountsInStep(server, pool, org, active: 1)
            let claimed = try await server.assign(org, pool, ["email": "d@example.com", "immediate_claim": true])
            #expect(claimed.id == fresh.id)
            #expect(claimed["status"] == "claimed")
            #expect(claimed["invitation_token_expires_at"] == .null)
            #expect(claimed["revoked_at"] == .null)
            #expect(SeatSupport.array(try await server.list(org, pool)["seats"]).count == 2)
            try await SeatSupport.expectCountsInStep(server, pool, org, active: 2)
        }
    }

    @Test(arguments: Backend.all)
    func immediateClaimClaimsAtOnceWithNoInvitation(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 2)
            let claimedAt = server.clock.now

            let seat = try await server.assign(org, pool, ["email": "erin@example.com", "immediate_claim": true])
            #expect(seat.status == .ok, "\(seat.json)")
            #expect(seat["status"] == "claimed")
            SeatSupport.expectTime(seat["claimed_at"], claimedAt)
            #expect(seat["invitation_token_expires_at"] == .null)
            #expect(seat["customer_email"] == "erin@example.com")

            #expect(try await SeatSupport.outbox(server).isEmpty, "no email is enqueued")
            try await server.worker.deliverDue()
            #expect(server.mail.messages.isEmpty, "no email is sent")
            #expect(try await server.request(.post, "/v1/customer-seats/\(seat.id)/resend", token: org.token).errorName
                == "SeatNotPending")

            let list = try await server.list(org, pool)
            #expect(SeatSupport.array(list["seats"]).first?["status"] == "claimed")
            #expect(list["available_seats"] == 1)
            try await SeatSupport.expectCountsInStep(server, pool, org, active: 1)
        }
    }

    @Test(arguments: Backend.all)
    func immediateClaimFalseSendsAnInvitation(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 1)
            let seat = try await server.assign(org, pool, ["email": "fred@example.com", "immediate_claim": false])
            #expect(seat["status"] == "pending")
            #expect(try await server.deliverInvitations(to: "fred@example.com").count == 1)
        }
    }

    // MARK: Order pools

    @Test(arguments: Backend.all)
    func orderPoolsWorkLikeSubscriptionPools(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let order = try await server.makeOrder(org, seats: 2)

            let (first, token) = try await SeatSupport.invite(server, org, order, email: "o1@example.com")
            #expect(first["order_id"] == .string(order.id))
            #expect(first["subscription_id"] == .null)
            try await SeatSupport.expectCountsInStep(server, order, org, active: 1)
            server.clock.advance(by: 1)
            let second = try await server.assign(org, order, ["email": "o2@example.com", "immediate_claim": true])
            #expect(second["status"] == "claimed")
            try await SeatSupport.expectCountsInStep(server, order, org, active: 2)

            SeatSupport.expectError(try await server.assign(org, order, ["email": "o3@example.com"]),
                                    .badRequest, "SeatNotAvailable", "No available seats for \(order.id)")

            let list = try await server.list(org, order)
            #expect(list.status == .ok)
            #expect(SeatSupport.array(list["seats"]).map { $0["id"] } == [.string(first.id), .string(second.id)])
            #expect(list["available_seats"] == 0)
            #expect(list["total_seats"] == 2)

            let claim = try await SeatSupport.claim(server, token)
            #expect(claim.status == .ok, "\(claim.json)")
            #expect(claim["seat"]?["order_id"] == .string(order.id))
            try await SeatSupport.expectCountsInStep(server, order, org, active: 2)

            #expect(try await SeatSupport.revoke(server, org, second.id).status == .ok)
            #expect(try await server.list(org, order)["available_seats"] == 1)
            try await SeatSupport.expectCountsInStep(server, order, org, active: 1)
            let reused = try await server.assign(org, order, ["email": "o3@example.com"])
            #expect(reused.id == second.id)
            try await SeatSupport.expectCountsInStep(server, order, org, active: 2)
        }
    }

    // MARK: The invitation email

    @Test(arguments: Backend.all)
    func theInvitationEmailNamesEverythingAndTheOutboxForgetsTheLink(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 2)
            #expect(try await server.assign(org, pool, ["email": "invitee@example.com"]).status == .ok)

            let queued = try await SeatSupport.outbox(server)
            #expect(queued.count == 1)
            #expect(queued.first?.status == .pending)
            #expect(server.mail.messages.isEmpty, "nothing is sent before the worker runs")

            let token = try #require(try await server.deliverInvitations(to: "invitee@example.com").last)
            let message = try #require(server.mail.messages.first)
            #expect(server.mail.messages.count == 1)
            #expect(message.to == "invitee@example.com")
            #expect(message.subject == "You've been invited to access Team plan")
            let link = "\(TestServer.publicURL)/\(org.slug)/portal/claim?token=\(token)"
            for (part, body) in [("text", message.text), ("html", message.html)] {
                #expect(body.contains(org.name), "\(part) names the organization")
                #expect(body.contains("Team plan"), "\(part) names the product")
                #expect(body.contains(pool.customerEmail), "\(part) names the billing customer")
                #expect(body.contains(link), "\(part) has the claim link")
                #expect(body.contains("24 hours"), "\(part) says when it expires")
            }
            #expect(message.html.contains("href=\"\(link)\""))

            // The stored copy held the link until delivery; afterwards it does not.
            #expect(queued.first?.payload.serialized().contains(token) == true)
            let delivered = try await SeatSupport.outbox(server)
            #expect(delivered.count == 1)
            #expect(delivered.first?.status == .delivered)
            for row in delivered {
                #expect(!row.payload.serialized().contains(token))
                #expect(!row.payload.serialized().contains("portal/claim"))
            }

            // Delivering again sends nothing twice.
            try await server.worker.deliverDue()
            #expect(server.mail.messages.count == 1)
        }
    }
}

/// Helpers shared by the seat-operation suites (`Seat*Tests`, `MemberModelTests`).
enum SeatSupport {
    /// Every key of Polar's `CustomerSeat`.
    static let seatKeys: Set<String> = [
        "id", "created_at", "modified_at", "subscription_id", "order_id", "status", "customer_id", "member_id",
        "member", "email", "customer_email", "invitation_token_expires_at", "claimed_at", "revoked_at", "seat_metadata",
    ]

    static func array(_ value: JSONValue?) -> [JSONValue] {
        if case .array(let items) = value { return items }
        return []
    }

    /// Parses a wire timestamp (`2026-01-02T03:04:05.123456Z`).
    static func date(_ value: JSONValue?) -> Date? {
        guard let text = value?.stringValue, text.count == 27, text.hasSuffix("Z") else { return nil }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ss"
        guard let seconds = formatter.date(from: String(text.prefix(19))),
              let micros = Int(text.dropFirst(20).prefix(6)) else { return nil }
        return seconds.addingTimeInterval(Double(micros) / 1_000_000)
    }

    /// The timestamp names `expected` (to the millisecond: storage keeps microseconds).
    static func expectTime(_ value: JSONValue?, _ expected: Date, sourceLocation: SourceLocation = #_sourceLocation) {
        guard let date = date(value) else {
            Issue.record("not a timestamp: \(String(describing: value))", sourceLocation: sourceLocation)
            return
        }
        #expect(abs(date.timeIntervalSince(expected)) < 0.001, "\(date) is not \(expected)",
                sourceLocation: sourceLocation)
    }

    static func expectError(_ response: TestResponse, _ status: HTTPResponse.Status, _ name: String, _ detail: String,
                            sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(response.status == status, "\(response.json)", sourceLocation: sourceLocation)
        #expect(response.errorName == name, "\(response.json)", sourceLocation: sourceLocation)
        #expect(response.detail == detail, sourceLocation: sourceLocation)
    }

    /// Checks a 422 whose first detail item has the given type, loc and msg; returns that item.
    @discardableResult
    static func expectValidation(_ response: TestResponse, type: String, loc: JSONValue, msg: String, _ label: String = "",
                                 sourceLocation: SourceLocation = #_sourceLocation) -> JSONValue? {
        #expect(response.status == .unprocessableContent, "\(label): \(response.json)", sourceLocation: sourceLocation)
        #expect(response.errorName == "RequestValidationError", "\(label)", sourceLocation: sourceLocation)
        let issues = array(response["detail"])
        #expect(issues.count == 1, "\(label): \(response.json)", sourceLocation: sourceLocation)
        guard let issue = issues.first else { return nil }
        #expect(Set(issue.objectValue?.keys.map { $0 } ?? []) == ["type", "loc", "msg", "input"], "\(label)",
                sourceLocation: sourceLocation)
        #expect(issue["type"] == .string(type), "\(label): \(issue)", sourceLocation: sourceLocation)
        #expect(issue["loc"] == loc, "\(label): \(issue)", sourceLocation: sourceLocation)
        #expect(issue["msg"] == .string(msg), "\(label): \(issue)", sourceLocation: sourceLocation)
        return issue
    }

    /// The pool's kept count of active seats equals its real rows, and both are `active`.
    static func expectCountsInStep(_ server: TestServer, _ pool: TestPool, _ org: TestOrganization, active: Int,
                                   sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let counts = try await server.activeSeatCounts(pool, organizationId: org.id)
        #expect(counts.kept == counts.rows, "kept \(counts.kept), rows \(counts.rows)", sourceLocation: sourceLocation)
        #expect(counts.rows == active, "rows \(counts.rows), expected \(active)", sourceLocation: sourceLocation)
    }

    /// Assigns a seat by email (plus `fields`), delivers the invitation and returns the seat
    /// with its claim token. `mailedTo` is where the email goes when it differs from `email`.
    static func invite(_ server: TestServer, _ org: TestOrganization, _ pool: TestPool, email: String,
                       mailedTo: String? = nil, _ fields: [String: JSONValue] = [:],
                       sourceLocation: SourceLocation = #_sourceLocation) async throws -> (seat: TestResponse, token: String) {
        var body = fields
        body["email"] = .string(email)
        let seat = try await server.assign(org, pool, body)
        try #require(seat.status == .ok, "assign: \(seat.json)", sourceLocation: sourceLocation)
        let token = try #require(try await server.deliverInvitations(to: mailedTo ?? email).last,
                                 "no invitation to \(mailedTo ?? email)", sourceLocation: sourceLocation)
        return (seat, token)
    }

    static func claim(_ server: TestServer, _ token: String) async throws -> TestResponse {
        try await server.request(.post, "/v1/customer-seats/claim", json: ["invitation_token": .string(token)])
    }

    static func claimInfo(_ server: TestServer, _ token: String) async throws -> TestResponse {
        try await server.request(.get, "/v1/customer-seats/claim/\(token)")
    }

    static func revoke(_ server: TestServer, _ org: TestOrganization, _ seatId: String) async throws -> TestResponse {
        try await server.request(.delete, "/v1/customer-seats/\(seatId)", token: org.token)
    }

    static func resend(_ server: TestServer, _ org: TestOrganization, _ seatId: String) async throws -> TestResponse {
        try await server.request(.post, "/v1/customer-seats/\(seatId)/resend", token: org.token)
    }

    /// Turns seat-based pricing on or off for the organization (operator token).
    static func setSeatFeature(_ server: TestServer, _ org: TestOrganization, enabled: Bool,
                               sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let response = try await server.request(.patch, "/v1/organizations/\(org.id)", token: TestServer.adminToken, json: [
            "feature_settings": ["seat_based_pricing_enabled": .bool(enabled)],
        ])
        try #require(response.status == .ok, "organization: \(response.json)", sourceLocation: sourceLocation)
    }

    /// The outbox's emails (other kinds of side effects are not these suites' business).
    static func outbox(_ server: TestServer) async throws -> [OutboxMessage] {
        try await server.database.withConnection { try await $0.outbox.all() }.filter { $0.kind == .email }
    }

    static func queryEncoded(_ text: String) -> String {
        let unreserved = CharacterSet(
            charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~@")
        return text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }
}

extension JSONValue {
    fileprivate var arrayLast: JSONValue? { SeatSupport.array(self).last }
}
