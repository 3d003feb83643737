import Foundation
import Hummingbird
import Testing
import TesseraCore
import TesseraStore

/// Merchant-managed invitations (Tessera's `send_invitation`): no email, and the claim link
/// handed back once in the answer; never readable again, never in an event or a table.
@Suite struct HandedInvitationTests {
    /// How many stored rows of `table` hold `text` anywhere in `column`.
    static func rows(_ server: TestServer, _ table: String, _ column: String, containing text: String) async throws -> Int {
        try await server.database.read { session in
            try await session.first("""
                SELECT COUNT(*) AS n FROM \(unsafeRaw: table) WHERE \(unsafeRaw: column) LIKE \(bind: "%" + text + "%")
                """)?.decode(column: "n", as: Int.self) ?? -1
        }
    }

    /// The token must be nowhere but in the answer: not in the seats (only its hash), the
    /// email outbox or a webhook event.
    static func expectStoredNowhere(_ token: String, _ server: TestServer,
                                    sourceLocation: SourceLocation = #_sourceLocation) async throws {
        for (table, column) in [("seats", "invitation_token_hash"), ("outbox", "payload"), ("webhook_events", "body")] {
            #expect(try await rows(server, table, column, containing: token) == 0, "\(table)", sourceLocation: sourceLocation)
        }
    }

    @Test(arguments: Backend.all)
    func aMerchantTakesTheLinkInsteadOfAnEmail(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 2)
            let assigned = try await server.assign(org, pool, ["email": "ann@example.com", "send_invitation": false])
            #expect(assigned.status == .ok)
            let token = try #require(assigned["invitation_token"]?.stringValue)
            #expect(assigned["invitation_url"]?.stringValue == "\(TestServer.publicURL)/\(org.slug)/portal/claim?token=\(token)")
            #expect(Set(assigned.json.objectValue?.keys.map { $0 } ?? [])
                == SeatSupport.seatKeys.union(["invitation_token", "invitation_url"]))
            #expect(try await server.deliverInvitations(to: "ann@example.com").isEmpty)
            #expect(server.mail.messages.isEmpty)
            try await Self.expectStoredNowhere(token, server)

            // Never readable again.
            let listed = try await server.request(.get, "/v1/customer-seats?subscription_id=\(pool.id)", token: org.token)
            #expect(!listed.json.serialized().contains(token))
            #expect(listed["seats"]?[0]?["invitation_token"] == nil)

            // The link works as an emailed one does.
            #expect(try await SeatSupport.claimInfo(server, token).status == .ok)
            let claimed = try await SeatSupport.claim(server, token)
            #expect(claimed.status == .ok)
            #expect(claimed["seat"]?["status"] == "claimed")
        }
    }

    @Test(arguments: Backend.all)
    func byDefaultTheEmailGoesAndNothingIsHandedBack(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 3)
            let assigned = try await server.assign(org, pool, ["email": "bo@example.com"])
            #expect(Set(assigned.json.objectValue?.keys.map { $0 } ?? []) == SeatSupport.seatKeys)
            #expect(try await server.deliverInvitations(to: "bo@example.com").count == 1)
            let sent = try await server.assign(org, pool, ["email": "cy@example.com", "send_invitation": true])
            #expect(sent["invitation_token"] == nil)
            #expect(try await server.deliverInvitations(to: "cy@example.com").count == 1)
            // An immediate claim has no invitation to hand back.
            let immediate = try await server.assign(org, pool, ["email": "di@example.com", "immediate_claim": true,
                                                                "send_invitation": false])
            #expect(immediate["status"] == "claimed")
            #expect(immediate["invitation_token"] == nil && immediate["invitation_url"] == nil)

            let invalid = try await server.assign(org, pool, ["email": "ed@example.com", "send_invitation": "no"])
            #expect(invalid.status == .unprocessableContent)
            #expect(issueLocations(invalid) == [["body", "send_invitation"]])
        }
    }

    @Test(arguments: Backend.all)
    func theOrganizationSettingMakesHandingBackTheDefault(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let created = try await server.request(.get, "/v1/organizations/\(org.id)", token: TestServer.adminToken)
            #expect(created["feature_settings"]?["seat_invitation_emails_enabled"] == true)
            let off = try await server.request(.patch, "/v1/organizations/\(org.id)", token: TestServer.adminToken,
                                               json: ["feature_settings": ["seat_invitation_emails_enabled": false]])
            #expect(off["feature_settings"]?["seat_invitation_emails_enabled"] == false)
            #expect(off["feature_settings"]?["seat_based_pricing_enabled"] == true)
            let bad = try await server.request(.patch, "/v1/organizations/\(org.id)", token: TestServer.adminToken,
                                               json: ["feature_settings": ["seat_invitation_emails_enabled": "off"]])
            #expect(issueLocations(bad) == [["body", "feature_settings", "seat_invitation_emails_enabled"]])

            let pool = try await server.makeSubscription(org, seats: 3)
            let handed = try await server.assign(org, pool, ["email": "fay@example.com"])
            #expect(handed["invitation_token"]?.stringValue != nil)
            #expect(try await server.deliverInvitations(to: "fay@example.com").isEmpty)
            // Asked for, the email goes after all.
            let emailed = try await server.assign(org, pool, ["email": "gil@example.com", "send_invitation": true])
            #expect(emailed["invitation_token"] == nil)
            #expect(try await server.deliverInvitations(to: "gil@example.com").count == 1)

            // The portal always emails: its caller is the customer, who cannot be handed a link.
            let session = try await PortalAPITests.session(server, org, customerId: pool.customerId)
            let portalToken = try #require(session["token"]?.stringValue)
            let byPortal = try await server.request(.post, "/v1/customer-portal/seats", token: portalToken, json: [
                "subscription_id": .string(pool.id), "email": "hal@example.com", "send_invitation": false,
            ])
            #expect(byPortal.status == .ok)
            #expect(byPortal["invitation_token"] == nil)
            #expect(try await server.deliverInvitations(to: "hal@example.com").count == 1)
        }
    }

    @Test(arguments: Backend.all)
    func aResendCanHandBackTheNewLink(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 1)
            let (seat, emailed) = try await SeatSupport.invite(server, org, pool, email: "ivy@example.com")

            let resent = try await server.request(.post, "/v1/customer-seats/\(seat.id)/resend", token: org.token,
                                                  json: ["send_invitation": false])
            #expect(resent.status == .ok)
            let token = try #require(resent["invitation_token"]?.stringValue)
            #expect(token != emailed)
            #expect(resent["invitation_url"]?.stringValue?.hasSuffix("?token=\(token)") == true)
            #expect(try await server.deliverInvitations(to: "ivy@example.com").count == 1, "only the first email")
            try await Self.expectStoredNowhere(token, server)
            #expect(try await SeatSupport.claimInfo(server, emailed).status == .notFound)
            #expect(try await SeatSupport.claimInfo(server, token).status == .ok)

            // Without a body, as Polar's SDKs send it, the email goes as before.
            let again = try await SeatSupport.resend(server, org, seat.id)
            #expect(again.status == .ok)
            #expect(again["invitation_token"] == nil)
            #expect(try await server.deliverInvitations(to: "ivy@example.com").count == 2)
            let invalid = try await server.request(.post, "/v1/customer-seats/\(seat.id)/resend", token: org.token,
                                                   json: ["send_invitation": 1])
            #expect(issueLocations(invalid) == [["body", "send_invitation"]])
        }
    }
}
