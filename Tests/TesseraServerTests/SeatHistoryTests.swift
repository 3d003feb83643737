import Foundation
import Hummingbird
import Testing
import TesseraCore

/// Seat history: every change recorded in its transaction, with who made it and the holder
/// before and after; read newest first, per seat and per pool, a page at a time.
@Suite struct SeatHistoryTests {
    static func events(_ server: TestServer, _ token: String, _ path: String) async throws -> [JSONValue] {
        let page = try await server.request(.get, path, token: token)
        #expect(page.status == .ok, "\(page.json)")
        return page["items"]?.arrayValue ?? []
    }

    static func types(_ events: [JSONValue]) -> [String] { events.compactMap { $0["type"]?.stringValue } }

    /// An organization token whose id is known, to check the actor.
    static func tokenWithId(_ server: TestServer, _ org: TestOrganization) async throws -> (token: String, id: String) {
        let made = try await server.request(.post, "/v1/organization-access-tokens/", token: TestServer.adminToken, json: [
            "organization_id": .string(org.id), "comment": "history", "scopes": ["customer_seats:write", "subscriptions:write"],
        ])
        return (try #require(made["token"]?.stringValue),
                try #require(made["organization_access_token"]?["id"]?.stringValue))
    }

    @Test(arguments: Backend.all)
    func aSeatsLifeIsRecordedWithWhoDidEachStep(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 2)
            let (token, tokenId) = try await Self.tokenWithId(server, org)
            let assigned = try await server.request(.post, "/v1/customer-seats", token: token, json: [
                "subscription_id": .string(pool.id), "email": "ann@example.com",
            ])
            let seatId = assigned.id
            server.clock.advance(by: 60)
            _ = try await server.request(.post, "/v1/customer-seats/\(seatId)/resend", token: token)
            server.clock.advance(by: 60)
            let invitation = try #require(try await server.deliverInvitations(to: "ann@example.com").last)
            let claimed = try await SeatSupport.claim(server, invitation)
            #expect(claimed.status == .ok)
            server.clock.advance(by: 60)
            _ = try await server.request(.delete, "/v1/customer-seats/\(seatId)", token: token)

            let events = try await Self.events(server, org.token, "/v1/customer-seats/\(seatId)/events")
            #expect(Self.types(events) == ["revoked", "claimed", "invitation_resent", "invitation_sent", "assigned"])
            let holder: JSONValue = [
                "customer_id": assigned["customer_id"] ?? .null, "member_id": assigned["member_id"] ?? .null,
                "email": "ann@example.com",
            ]
            let byType = Dictionary(events.map { ($0["type"]?.stringValue ?? "", $0) }, uniquingKeysWith: { first, _ in first })
            #expect(byType["assigned"]?["actor"] == ["type": "organization_access_token", "id": .string(tokenId)])
            #expect(byType["assigned"]?["holder_before"] == .null)
            #expect(byType["assigned"]?["holder_after"] == holder)
            #expect(byType["claimed"]?["actor"] == ["type": "claimer", "id": assigned["member_id"] ?? .null])
            #expect(byType["claimed"]?["holder_before"] == holder && byType["claimed"]?["holder_after"] == holder)
            #expect(byType["revoked"]?["holder_before"] == holder)
            #expect(byType["revoked"]?["holder_after"] == .null)
            #expect(byType["revoked"]?["actor"]?["id"] == .string(tokenId))
            #expect(events.allSatisfy { $0["seat_id"] == .string(seatId) && $0["subscription_id"] == .string(pool.id) })
            #expect(events.allSatisfy { $0["order_id"] == .null })
            let times = events.compactMap { $0["created_at"]?.stringValue.flatMap(Timestamp.parse) }
            #expect(times == times.sorted(by: >))

            // A seat's events are the organization's alone.
            let other = try await server.makeOrganization()
            #expect(try await server.request(.get, "/v1/customer-seats/\(seatId)/events", token: other.token).status == .notFound)
            #expect(try await server.request(.get, "/v1/customer-seats/events?subscription_id=\(pool.id)",
                                             token: other.token).status == .notFound)
            let reader = try await server.makeToken(organizationId: org.id, scopes: [.customerSeatsRead])
            #expect(try await server.request(.get, "/v1/customer-seats/\(seatId)/events", token: reader).status == .ok)
            let noScope = try await server.makeToken(organizationId: org.id, scopes: [.customersRead])
            #expect(try await server.request(.get, "/v1/customer-seats/\(seatId)/events", token: noScope).status == .forbidden)
        }
    }

    @Test(arguments: Backend.all)
    func everyPathThatRevokesRecordsItsActor(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization(memberModel: true)
            let pool = try await server.makeSubscription(org, seats: 4)
            let (token, tokenId) = try await Self.tokenWithId(server, org)
            let immediate = try await server.assign(org, pool, ["email": "bo@example.com", "immediate_claim": true])
            #expect(Self.types(try await Self.events(server, org.token, "/v1/customer-seats/\(immediate.id)/events"))
                == ["claimed", "assigned"])

            // The portal: a customer session acts as the customer.
            let session = try await PortalAPITests.session(server, org, customerId: pool.customerId)
            let portalToken = try #require(session["token"]?.stringValue)
            let byPortal = try await server.request(.post, "/v1/customer-portal/seats", token: portalToken, json: [
                "subscription_id": .string(pool.id), "email": "cy@example.com",
            ])
            server.clock.advance(by: 60)
            _ = try await server.request(.delete, "/v1/customer-portal/seats/\(byPortal.id)", token: portalToken)
            let portalEvents = try await Self.events(server, org.token, "/v1/customer-seats/\(byPortal.id)/events")
            #expect(Self.types(portalEvents) == ["revoked", "invitation_sent", "assigned"])
            #expect(portalEvents.allSatisfy { $0["actor"] == ["type": "customer", "id": .string(pool.customerId)] })

            // Revoking the subscription revokes the rest, each recorded with the token that did it.
            server.clock.advance(by: 60)
            _ = try await server.request(.delete, "/v1/subscriptions/\(pool.id)", token: token)
            let last = try await Self.events(server, org.token, "/v1/customer-seats/\(immediate.id)/events")
            #expect(last.first?["type"] == "revoked")
            #expect(last.first?["actor"] == ["type": "organization_access_token", "id": .string(tokenId)])

            // A subscription that ends at its period's end: Tessera itself revokes.
            let ending = try await server.makeSubscription(org, seats: 1)
            let held = try await server.assign(org, ending, ["email": "di@example.com", "immediate_claim": true])
            let canceled = try await server.request(.patch, "/v1/subscriptions/\(ending.id)", token: org.token,
                                                    json: ["cancel_at_period_end": true])
            let periodEnd = try #require(canceled["current_period_end"]?.stringValue.flatMap(Timestamp.parse))
            server.clock.advance(by: periodEnd.timeIntervalSince(server.clock.now) + 1)
            #expect(try await server.subscriptionEndings.endDue() == 1)
            let ended = try await Self.events(server, org.token, "/v1/customer-seats/\(held.id)/events")
            #expect(ended.first?["type"] == "revoked")
            #expect(ended.first?["actor"] == ["type": "system", "id": .null])

            // Deleting a customer revokes the seats they hold, recorded too.
            let gone = try await server.makeSubscription(org, seats: 1)
            let seat = try await server.assign(org, gone, ["email": "ed@example.com"])
            server.clock.advance(by: 60)
            _ = try await server.request(.delete, "/v1/customers/\(gone.customerId)", token: org.token)
            #expect(Self.types(try await Self.events(server, org.token, "/v1/customer-seats/\(seat.id)/events")).first
                == "revoked")
        }
    }

    @Test(arguments: Backend.all)
    func aPoolsHistoryPagesWithACursor(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 3)
            for email in ["a@example.com", "b@example.com", "c@example.com"] {
                _ = try await server.assign(org, pool, ["email": .string(email)])
                server.clock.advance(by: 1)
            }
            // Another pool's seats stay out of this one's history.
            let other = try await server.makeSubscription(org, seats: 1)
            _ = try await server.assign(org, other, ["email": "z@example.com"])

            var seen: [JSONValue] = []
            var cursor: String?
            var pages = 0
            repeat {
                let path = "/v1/customer-seats/events?subscription_id=\(pool.id)&limit=4"
                    + (cursor.map { "&cursor=\($0)" } ?? "")
                let page = try await server.request(.get, path, token: org.token)
                #expect(page.status == .ok)
                seen += page["items"]?.arrayValue ?? []
                cursor = page["next_cursor"]?.stringValue
                pages += 1
            } while cursor != nil && pages < 10
            #expect(pages == 2)
            #expect(seen.count == 6)
            #expect(Set(seen.compactMap { $0["id"]?.stringValue }).count == 6)
            #expect(seen.allSatisfy { $0["subscription_id"] == .string(pool.id) })
            let emails = seen.compactMap { $0["holder_after"]?["email"]?.stringValue }
            #expect(emails == ["c@example.com", "c@example.com", "b@example.com", "b@example.com",
                               "a@example.com", "a@example.com"])

            let bad = try await server.request(.get, "/v1/customer-seats/events?subscription_id=\(pool.id)&cursor=nonsense",
                                               token: org.token)
            #expect(issueLocations(bad) == [["query", "cursor"]])
            let tooMany = try await server.request(.get, "/v1/customer-seats/events?subscription_id=\(pool.id)&limit=101",
                                                   token: org.token)
            #expect(issueLocations(tooMany) == [["query", "limit"]])
            let noPool = try await server.request(.get, "/v1/customer-seats/events", token: org.token)
            // As the seat list answers without a pool.
            #expect(noPool.status == .badRequest)
            #expect(noPool.detail == "Either subscription_id or order_id must be provided")
        }
    }
}
