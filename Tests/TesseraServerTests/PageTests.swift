import Foundation
import Hummingbird
import Testing
import TesseraCore
@testable import TesseraServer

/// A browser for page tests: keeps the cookies the server sets (by name; a cookie set with
/// `Max-Age=0` is dropped) and sends them back, and remembers the last form token it was shown.
struct TestBrowser {
    let server: TestServer
    var cookies: [String: String] = [:]
    /// The `csrf` field of the last page that had one.
    var csrf: String?

    init(_ server: TestServer) { self.server = server }

    @discardableResult
    mutating func get(_ path: String) async throws -> TestPage {
        try await send(.get, path, form: nil)
    }

    @discardableResult
    mutating func post(_ path: String, _ form: [(String, String)]) async throws -> TestPage {
        try await send(.post, path, form: form)
    }

    private mutating func send(_ method: HTTPRequest.Method, _ path: String, form: [(String, String)]?) async throws
        -> TestPage
    {
        let page = try await server.page(method, path, form: form, cookies: cookies)
        for line in page.setCookies {
            let pair = line.prefix { $0 != ";" }
            guard let equals = pair.firstIndex(of: "=") else { continue }
            let name = String(pair[..<equals])
            if line.contains("Max-Age=0") { cookies[name] = nil } else { cookies[name] = String(pair[pair.index(after: equals)...]) }
        }
        if let field = page.field("csrf") { csrf = field }
        return page
    }
}

/// The claim page and the customer portal: server-rendered HTML over the seat use cases.
@Suite struct PageTests {
    static let csp = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

    /// A pool with one invitation to `email`, and its claim token.
    static func invitation(_ server: TestServer, _ org: TestOrganization, email: String = "ada@example.com",
                           seats: Int = 3) async throws -> (TestPool, seatId: String, token: String) {
        let pool = try await server.makeSubscription(org, seats: seats)
        let seat = try await server.assign(org, pool, ["email": .string(email)])
        try #require(seat.status == .ok, "assign: \(seat.json)")
        let token = try #require(try await server.deliverInvitations(to: email).last)
        return (pool, seat.id, token)
    }

    /// A portal session token for the pool's billing customer (or one of its members).
    static func sessionToken(_ server: TestServer, _ org: TestOrganization, customerId: String, memberId: String? = nil)
        async throws -> String
    {
        try #require(try await PortalAPITests.session(server, org, customerId: customerId, memberId: memberId)["token"]?.stringValue)
    }

    /// A browser signed into the portal with `token`, having loaded the portal once (so it holds the CSRF cookie).
    static func signedInBrowser(_ server: TestServer, _ org: TestOrganization, token: String) async throws -> TestBrowser {
        var browser = TestBrowser(server)
        let redirect = try await browser.get("/\(org.slug)/portal?customer_session_token=\(token)")
        try #require(redirect.status == .seeOther, "sign-in: \(redirect.status) \(redirect.html)")
        let portal = try await browser.get("/\(org.slug)/portal")
        try #require(portal.status == .ok, "portal: \(portal.html)")
        return browser
    }

    static func seatStatus(_ server: TestServer, _ org: TestOrganization, _ pool: TestPool, seatId: String) async throws
        -> String?
    {
        let list = try await server.list(org, pool)
        guard case .array(let items) = list["seats"] else { return nil }
        return items.first { $0["id"]?.stringValue == seatId }?["status"]?.stringValue
    }

    static func expectPageHeaders(_ page: TestPage, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(page.headers[.contentSecurityPolicy] == csp, sourceLocation: sourceLocation)
        #expect(page.headers[.xContentTypeOptions] == "nosniff", sourceLocation: sourceLocation)
        #expect(page.headers[.init("Referrer-Policy")!] == "no-referrer", sourceLocation: sourceLocation)
        if page.status != .seeOther {
            #expect(page.headers[.contentType] == "text/html; charset=utf-8", sourceLocation: sourceLocation)
            #expect(page.html.contains("<html lang=\"en\">"), sourceLocation: sourceLocation)
            #expect(!page.html.hasPrefix("{"), "a JSON body, not a page", sourceLocation: sourceLocation)
        }
    }

    /// The pages' times are cut from the ISO text; they say what a UTC calendar says.
    @Test func pageTimesAreWhatAUTCCalendarSays() {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm 'UTC'"
        // A leap day, the last minute of a year, the epoch, and a time with seconds and fractions.
        for seconds in [1_709_164_800.0, 1_767_225_599.0, 0, 1_780_000_123.456] {
            let date = Date(timeIntervalSince1970: seconds)
            #expect(PageRenderer.time(date)["text"] as? String == formatter.string(from: date))
            #expect(PageRenderer.date(day: Int(seconds / 86_400)) == String(formatter.string(from: date).prefix(10)))
            let hour = Int(seconds / 3_600)
            #expect(PageRenderer.hour(hour) == formatter.string(from: Date(timeIntervalSince1970: Double(hour) * 3_600)))
        }
    }

    // MARK: Claim page

    @Test(arguments: Backend.all)
    func theClaimPageShowsTheInvitationAndChangesNothing(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let (pool, seatId, token) = try await Self.invitation(server, org)
            var browser = TestBrowser(server)
            let page = try await browser.get("/\(org.slug)/portal/claim?token=\(token)")
            #expect(page.status == .ok)
            Self.expectPageHeaders(page)
            #expect(page.html.contains(org.name))
            #expect(page.html.contains("Team plan"))
            #expect(page.html.contains("ada@example.com"))
            #expect(page.html.contains("Claim seat"))
            #expect(page.html.contains("<form method=\"post\" action=\"/\(org.slug)/portal/claim\">"))
            #expect(page.field("token") == token)
            // The visit's nonce cookie: random, HttpOnly, SameSite=Strict, Path=/, Secure (the public URL is https).
            let cookie = try #require(page.setCookie("tessera_csrf"))
            for attribute in ["HttpOnly", "SameSite=Strict", "Path=/", "Secure"] {
                #expect(cookie.contains(attribute), "\(cookie)")
            }
            let nonce = try #require(page.cookieValue("tessera_csrf"))
            let field = try #require(page.field("csrf"))
            #expect(nonce.count == 43 && field.count == 43)
            // The field is the nonce's signed token, not the nonce itself.
            #expect(field != nonce)
            // Every visit gets a new nonce, even when the browser sends its old one back: the
            // server never signs a value the browser chose.
            let again = try await browser.get("/\(org.slug)/portal/claim?token=\(token)")
            #expect(again.cookieValue("tessera_csrf") != nonce)
            #expect(again.field("csrf") != field)
            // Viewing changed nothing: the seat is pending and the link still claims.
            #expect(try await Self.seatStatus(server, org, pool, seatId: seatId) == "pending")
            let info = try await server.request(.get, "/v1/customer-seats/claim/\(token)")
            #expect(info.status == .ok)
            let claimed = try await server.request(.post, "/v1/customer-seats/claim", json: ["invitation_token": .string(token)])
            #expect(claimed.status == .ok)
        }
    }

    @Test(arguments: Backend.all)
    func everyUnusableLinkShowsTheSame404Page(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let otherOrg = try await server.makeOrganization()
            var links: [(String, String)] = []
            links.append(("unknown", "/\(org.slug)/portal/claim?token=not-a-real-token"))
            links.append(("missing", "/\(org.slug)/portal/claim"))
            links.append(("empty", "/\(org.slug)/portal/claim?token="))
            // Claimed.
            let (_, _, claimedToken) = try await Self.invitation(server, org, email: "claimed@example.com")
            _ = try await server.request(.post, "/v1/customer-seats/claim", json: ["invitation_token": .string(claimedToken)])
            links.append(("claimed", "/\(org.slug)/portal/claim?token=\(claimedToken)"))
            // Revoked.
            let (_, revokedSeat, revokedToken) = try await Self.invitation(server, org, email: "revoked@example.com")
            #expect(try await server.request(.delete, "/v1/customer-seats/\(revokedSeat)", token: org.token).status == .ok)
            links.append(("revoked", "/\(org.slug)/portal/claim?token=\(revokedToken)"))
            // Replaced by a resent invitation.
            let (_, resentSeat, replacedToken) = try await Self.invitation(server, org, email: "resent@example.com")
            _ = try await server.request(.post, "/v1/customer-seats/\(resentSeat)/resend", token: org.token)
            links.append(("replaced", "/\(org.slug)/portal/claim?token=\(replacedToken)"))
            // A valid link under another organization's slug.
            let (_, _, validToken) = try await Self.invitation(server, org, email: "valid@example.com")
            links.append(("other slug", "/\(otherOrg.slug)/portal/claim?token=\(validToken)"))
            links.append(("unknown slug", "/no-such-org/portal/claim?token=\(validToken)"))
            for (kind, link) in links {
                let page = try await server.page(.get, link)
                #expect(page.status == .notFound, "\(kind)")
                #expect(page.html.contains("This invitation link is no longer valid"), "\(kind)")
                #expect(page.html.contains("Ask the person who invited you for a new invitation"), "\(kind)")
                #expect(!page.html.contains("Claim seat"), "\(kind)")
                Self.expectPageHeaders(page)
            }
            // The wrong slug changed nothing: the link still works under its own.
            #expect(try await server.page(.get, "/\(org.slug)/portal/claim?token=\(validToken)").status == .ok)
            // Expired: a day and a second later.
            let (_, _, expiring) = try await Self.invitation(server, org, email: "late@example.com")
            server.clock.advance(by: 24 * 3600 + 1)
            let expired = try await server.page(.get, "/\(org.slug)/portal/claim?token=\(expiring)")
            #expect(expired.status == .notFound)
            #expect(expired.html.contains("no longer valid"))
        }
    }

    @Test(arguments: Backend.all)
    func aClaimFormWithoutTheMatchingCookieIsRefused(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let (pool, seatId, token) = try await Self.invitation(server, org)
            var browser = TestBrowser(server)
            let page = try await browser.get("/\(org.slug)/portal/claim?token=\(token)")
            let csrf = try #require(page.field("csrf"))
            let path = "/\(org.slug)/portal/claim"
            // No cookie at all (a cross-site post), a wrong cookie, a missing field, a wrong field.
            let attempts: [(String, [String: String], [(String, String)])] = [
                ("no cookie", [:], [("token", token), ("csrf", csrf)]),
                ("wrong cookie", ["tessera_csrf": String(repeating: "A", count: 43)], [("token", token), ("csrf", csrf)]),
                ("no field", ["tessera_csrf": csrf], [("token", token)]),
                ("wrong field", ["tessera_csrf": csrf], [("token", token), ("csrf", String(repeating: "B", count: 43))]),
                ("empty both", ["tessera_csrf": ""], [("token", token), ("csrf", "")]),
            ]
            for (kind, cookies, form) in attempts {
                let refused = try await server.page(.post, path, form: form, cookies: cookies)
                #expect(refused.status == .forbidden, "\(kind)")
                #expect(refused.html.contains("This form could not be accepted"), "\(kind)")
                #expect(refused.html.contains("Nothing was changed"), "\(kind)")
                Self.expectPageHeaders(refused)
            }
            #expect(try await Self.seatStatus(server, org, pool, seatId: seatId) == "pending")
        }
    }

    @Test(arguments: Backend.all)
    func claimingThroughTheFormConfirmsAndLinksIntoThePortal(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let (pool, seatId, token) = try await Self.invitation(server, org)
            var browser = TestBrowser(server)
            let page = try await browser.get("/\(org.slug)/portal/claim?token=\(token)")
            let claimed = try await browser.post("/\(org.slug)/portal/claim",
                                                 [("token", token), ("csrf", try #require(page.field("csrf")))])
            #expect(claimed.status == .ok)
            Self.expectPageHeaders(claimed)
            #expect(claimed.html.contains("Seat claimed"))
            #expect(claimed.html.contains("You now have a seat for <strong>Team plan</strong> from <strong>\(org.name)</strong>"))
            #expect(try await Self.seatStatus(server, org, pool, seatId: seatId) == "claimed")
            // The link into the portal carries the new session.
            let prefix = "href=\"/\(org.slug)/portal?customer_session_token="
            let start = try #require(claimed.html.range(of: prefix))
            let session = String(claimed.html[start.upperBound...].prefix { $0 != "\"" })
            // A member session, as on Polar: the claimer is signed in as themselves, a member of the
            // billing customer, not as the billing customer.
            #expect(session.hasPrefix("tsr_mst_"))
            let redirect = try await browser.get("/\(org.slug)/portal?customer_session_token=\(session)")
            #expect(redirect.status == .seeOther)
            // The claimer sees the team's seats, their own among them, and may not change them.
            let portal = try await browser.get("/\(org.slug)/portal")
            #expect(portal.status == .ok)
            #expect(portal.html.contains("Signed in as <strong>ada@example.com</strong> (Member)"))
            #expect(try #require(Self.row(portal.html, seatId: seatId)).contains("status-claimed"))
            #expect(!portal.html.contains("Assign seat"))
            // Claiming again with the same link (the same visit's form) is the invalid-link page.
            let reused = try await browser.post("/\(org.slug)/portal/claim",
                                                [("token", token), ("csrf", try #require(page.field("csrf")))])
            #expect(reused.status == .notFound)
            #expect(reused.html.contains("This invitation link is no longer valid"))
            let reopened = try await browser.get("/\(org.slug)/portal/claim?token=\(token)")
            #expect(reopened.status == .notFound)
        }
    }

    @Test(arguments: Backend.all)
    func aClaimFormUnderAnotherSlugClaimsNothing(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let other = try await server.makeOrganization()
            let (pool, seatId, token) = try await Self.invitation(server, org)
            var browser = TestBrowser(server)
            let page = try await browser.get("/\(org.slug)/portal/claim?token=\(token)")
            let wrong = try await browser.post("/\(other.slug)/portal/claim",
                                               [("token", token), ("csrf", try #require(page.field("csrf")))])
            #expect(wrong.status == .notFound)
            #expect(try await Self.seatStatus(server, org, pool, seatId: seatId) == "pending")
        }
    }

    // MARK: Portal sign-in

    @Test(arguments: Backend.all)
    func signingInSetsTheCookieAndDropsTheTokenFromTheURL(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 2)
            let token = try await Self.sessionToken(server, org, customerId: pool.customerId)
            let redirect = try await server.page(.get, "/\(org.slug)/portal?customer_session_token=\(token)")
            #expect(redirect.status == .seeOther)
            #expect(redirect.location == "/\(org.slug)/portal")
            Self.expectPageHeaders(redirect)
            let cookie = try #require(redirect.setCookie("tessera_session"))
            #expect(redirect.cookieValue("tessera_session") == token)
            for attribute in ["HttpOnly", "SameSite=Lax", "Path=/\(org.slug)/portal", "Secure", "Max-Age=3600"] {
                #expect(cookie.contains(attribute), "\(cookie)")
            }
            // Unknown, merchant, other-organization and expired tokens sign nobody in.
            let otherOrg = try await server.makeOrganization()
            let otherPool = try await server.makeSubscription(otherOrg, seats: 1)
            let otherToken = try await Self.sessionToken(server, otherOrg, customerId: otherPool.customerId)
            for (kind, bad) in [("unknown", "tsr_cst_nope"), ("merchant", org.token), ("other org", otherToken),
                                ("operator", TestServer.adminToken)] {
                let refused = try await server.page(.get, "/\(org.slug)/portal?customer_session_token=\(bad)")
                #expect(refused.status == .unauthorized, "\(kind)")
                #expect(refused.setCookie("tessera_session")?.contains("Max-Age=0") ?? true, "\(kind)")
                #expect(refused.html.contains("Please sign in again"), "\(kind)")
            }
            server.clock.advance(by: 3601)
            let expired = try await server.page(.get, "/\(org.slug)/portal?customer_session_token=\(token)")
            #expect(expired.status == .unauthorized)
            // An unknown organization has no portal.
            let nowhere = try await server.page(.get, "/no-such-org/portal?customer_session_token=\(token)")
            #expect(nowhere.status == .notFound)
        }
    }

    @Test(arguments: Backend.all)
    func withoutASessionThePortalAsksToSignInAndShowsNothing(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 2)
            _ = try await server.assign(org, pool, ["email": "secret-person@example.com"])
            let nobody = try await server.page(.get, "/\(org.slug)/portal")
            #expect(nobody.status == .unauthorized)
            Self.expectPageHeaders(nobody)
            #expect(nobody.html.contains("Please sign in again"))
            #expect(!nobody.html.contains("secret-person"))
            #expect(!nobody.html.contains("Team plan"))
            let junk = try await server.page(.get, "/\(org.slug)/portal", cookies: ["tessera_session": "junk"])
            #expect(junk.status == .unauthorized)
            #expect(junk.setCookie("tessera_session")?.contains("Max-Age=0") == true)
            // Form posts without a session are refused the same way and change nothing.
            let post = try await server.page(.post, "/\(org.slug)/portal/seats",
                                             form: [("subscription_id", pool.id), ("email", "x@example.com")])
            #expect(post.status == .unauthorized)
            // A session that ends while the browser holds it.
            let token = try await Self.sessionToken(server, org, customerId: pool.customerId)
            var browser = try await Self.signedInBrowser(server, org, token: token)
            server.clock.advance(by: 3601)
            let ended = try await browser.get("/\(org.slug)/portal")
            #expect(ended.status == .unauthorized)
            #expect(!ended.html.contains("secret-person"))
            #expect(browser.cookies["tessera_session"] == nil)
            #expect(try await server.list(org, pool)["available_seats"] == 1)
        }
    }

    // MARK: Portal page

    @Test(arguments: Backend.all)
    func thePortalShowsTheCustomersPoolsAndSeats(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let subscription = try await server.makeSubscription(org, seats: 3)
            // An order for the same customer.
            let oneTime = try await server.makeSeatProduct(org, oneTime: true)
            let order = try await server.request(.post, "/v1/orders/", token: org.token, json: [
                "product_id": .string(oneTime.id), "customer_id": .string(subscription.customerId), "seats": 2,
                "status": "paid",
            ])
            try #require(order.status == .created)
            let orderPool = TestPool(kind: "order_id", id: order.id, customerId: subscription.customerId,
                                     customerEmail: subscription.customerEmail, productId: oneTime.id)
            let pending = try await server.assign(org, subscription, ["email": "pending@example.com"])
            let claimed = try await server.assign(org, subscription, ["email": "claimed@example.com", "immediate_claim": true])
            let revoked = try await server.assign(org, orderPool, ["email": "gone@example.com"])
            _ = try await server.request(.delete, "/v1/customer-seats/\(revoked.id)", token: org.token)
            // Another customer's pool stays out of sight.
            let theirs = try await server.makeSubscription(org, seats: 5)
            _ = try await server.assign(org, theirs, ["email": "someone-else@example.com"])

            let token = try await Self.sessionToken(server, org, customerId: subscription.customerId)
            var browser = try await Self.signedInBrowser(server, org, token: token)
            let portal = try await browser.get("/\(org.slug)/portal")
            #expect(portal.status == .ok)
            Self.expectPageHeaders(portal)
            let html = portal.html
            #expect(html.contains("Seats at \(org.name)"))
            #expect(html.contains("Signed in as <strong>\(subscription.customerEmail)</strong>"))
            #expect(html.contains("id=\"pool-\(subscription.id)\""))
            #expect(html.contains("id=\"pool-\(order.id)\""))
            #expect(!html.contains(theirs.id))
            #expect(!html.contains("someone-else@example.com"))
            #expect(html.contains("2 of 3 seats used</span>, <span class=\"free\">1 free"))
            #expect(html.contains("0 of 2 seats used</span>, <span class=\"free\">2 free"))
            #expect(html.contains("Subscription · Active"))
            #expect(html.contains("One-time order · Paid"))
            for (seat, email, status) in [(pending, "pending@example.com", "pending"), (claimed, "claimed@example.com", "claimed")] {
                let row = try #require(Self.row(html, seatId: seat.id))
                #expect(row.contains(email))
                #expect(row.contains("status-\(status)"))
                #expect(row.contains("<time datetime="))
                #expect(row.contains("/portal/seats/\(seat.id)/revoke"))
            }
            #expect(try #require(Self.row(html, seatId: pending.id)).contains("/portal/seats/\(pending.id)/resend"))
            #expect(!(try #require(Self.row(html, seatId: claimed.id)).contains("/resend")))
            let revokedRow = try #require(Self.row(html, seatId: revoked.id))
            #expect(revokedRow.contains("status-revoked"))
            #expect(!revokedRow.contains("/revoke"))
            // Each pool has its assign form, labelled, with the CSRF field.
            #expect(html.contains("<label for=\"email-\(subscription.id)\">"))
            #expect(html.contains("id=\"email-\(subscription.id)\""))
            #expect(html.contains("name=\"subscription_id\" value=\"\(subscription.id)\""))
            #expect(html.contains("name=\"order_id\" value=\"\(order.id)\""))
            // The forms' token is bound to the session: no separate cookie is set for it.
            #expect(portal.field("csrf")?.count == 43)
            #expect(portal.setCookie("tessera_csrf") == nil)
            // Screen readers: captions, column headers, a viewport for phones; nothing from other hosts.
            #expect(html.contains("<caption>"))
            #expect(html.contains("<th scope=\"col\">Person</th>"))
            #expect(html.contains("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"))
            #expect(html.contains("<link rel=\"stylesheet\" href=\"/_static/tessera.css\">"))
            #expect(!html.contains("src=\"http"))
            #expect(!html.contains("href=\"http"))
            #expect(!html.contains("<script"))
            #expect(!html.contains("style=\""))
        }
    }

    /// The table row of a seat.
    static func row(_ html: String, seatId: String) -> String? {
        guard let start = html.range(of: "<tr id=\"seat-\(seatId)\"") else { return nil }
        guard let end = html[start.upperBound...].range(of: "</tr>") else { return nil }
        return String(html[start.lowerBound..<end.upperBound])
    }

    @Test(arguments: Backend.all)
    func assignResendAndRevokeThroughForms(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 2)
            let token = try await Self.sessionToken(server, org, customerId: pool.customerId)
            var browser = try await Self.signedInBrowser(server, org, token: token)
            let csrf = try #require(browser.csrf)
            let portalPath = "/\(org.slug)/portal"

            let assigned = try await browser.post("\(portalPath)/seats",
                                                  [("csrf", csrf), ("subscription_id", pool.id), ("email", "new.person@example.com")])
            #expect(assigned.status == .seeOther)
            #expect(assigned.location == "\(portalPath)?notice=assigned")
            Self.expectPageHeaders(assigned)
            let list = try await server.list(org, pool)
            guard case .array(let items) = list["seats"] else { Issue.record("no items"); return }
            let seatId = try #require(items.first { $0["customer_email"]?.stringValue == "new.person@example.com" }?["id"]?.stringValue)
            #expect(try await Self.seatStatus(server, org, pool, seatId: seatId) == "pending")
            let first = try await server.deliverInvitations(to: "new.person@example.com")
            #expect(first.count == 1)
            let notice = try await browser.get("\(portalPath)?notice=assigned")
            #expect(notice.html.contains("Seat assigned. An invitation email is on its way."))
            #expect(try #require(Self.row(notice.html, seatId: seatId)).contains("new.person@example.com"))

            let resent = try await browser.post("\(portalPath)/seats/\(seatId)/resend", [("csrf", csrf)])
            #expect(resent.status == .seeOther)
            #expect(resent.location == "\(portalPath)?notice=resent")
            let both = try await server.deliverInvitations(to: "new.person@example.com")
            #expect(both.count == 2)
            #expect(try await server.page(.get, "/\(org.slug)/portal/claim?token=\(first[0])").status == .notFound)
            #expect(try await server.page(.get, "/\(org.slug)/portal/claim?token=\(both[1])").status == .ok)

            let revoked = try await browser.post("\(portalPath)/seats/\(seatId)/revoke", [("csrf", csrf)])
            #expect(revoked.status == .seeOther)
            #expect(revoked.location == "\(portalPath)?notice=revoked")
            #expect(try await Self.seatStatus(server, org, pool, seatId: seatId) == "revoked")
            let after = try await browser.get("\(portalPath)?notice=revoked")
            #expect(after.html.contains("Seat revoked."))
            #expect(try #require(Self.row(after.html, seatId: seatId)).contains("status-revoked"))
            // Unknown notices show nothing.
            let odd = try await browser.get("\(portalPath)?notice=%3Cb%3Ehi")
            #expect(odd.status == .ok)
            #expect(!odd.html.contains("hi</b>") && !odd.html.contains("&lt;b&gt;hi"))

            // Forms without the CSRF field, or with another session's, are refused and change nothing.
            let forged = try await browser.post("\(portalPath)/seats", [("subscription_id", pool.id), ("email", "forged@example.com")])
            #expect(forged.status == .forbidden)
            let otherToken = try await Self.sessionToken(server, org, customerId: pool.customerId)
            let otherCSRF = try #require(try await Self.signedInBrowser(server, org, token: otherToken).csrf)
            #expect(otherCSRF != csrf)
            let forgedRevoke = try await server.page(.post, "\(portalPath)/seats/\(seatId)/revoke", form: [("csrf", otherCSRF)],
                                                     cookies: ["tessera_session": token])
            #expect(forgedRevoke.status == .forbidden)
            #expect(try await server.list(org, pool)["available_seats"] == 2)
        }
    }

    @Test(arguments: Backend.all)
    func useCaseErrorsAreReadablePages(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 1)
            let token = try await Self.sessionToken(server, org, customerId: pool.customerId)
            var browser = try await Self.signedInBrowser(server, org, token: token)
            let csrf = try #require(browser.csrf)
            let portalPath = "/\(org.slug)/portal"
            let cases: [(String, [(String, String)], HTTPResponse.Status, String)] = [
                ("no email", [("subscription_id", pool.id), ("email", "  ")], .unprocessableContent,
                 "Enter the email address of the person to invite."),
                ("bad email", [("subscription_id", pool.id), ("email", "not-an-email")], .unprocessableContent,
                 "That email address is not valid: An email address must have an @-sign."),
                ("unknown pool", [("subscription_id", UUID().wire), ("email", "a@example.com")], .notFound,
                 "Subscription not found"),
            ]
            for (kind, form, status, text) in cases {
                let page = try await browser.post("\(portalPath)/seats", [("csrf", csrf)] + form)
                #expect(page.status == status, "\(kind)")
                #expect(page.html.contains(text), "\(kind): \(page.html)")
                #expect(page.html.contains("role=\"alert\""), "\(kind)")
                #expect(page.html.contains("id=\"pool-\(pool.id)\""), "\(kind): the portal is shown around the message")
                Self.expectPageHeaders(page)
            }
            // The typed email stays in the form after an error.
            let kept = try await browser.post("\(portalPath)/seats", [("csrf", csrf), ("subscription_id", pool.id), ("email", "not-an-email")])
            #expect(kept.html.contains("value=\"not-an-email\""))
            // Full pool, then the same person twice, then resending a claimed seat.
            #expect(try await browser.post("\(portalPath)/seats", [("csrf", csrf), ("subscription_id", pool.id),
                                                                   ("email", "one@example.com")]).status == .seeOther)
            let full = try await browser.post("\(portalPath)/seats", [("csrf", csrf), ("subscription_id", pool.id), ("email", "two@example.com")])
            #expect(full.status == .badRequest)
            #expect(full.html.contains("No free seats"))
            _ = try await server.request(.patch, "/v1/subscriptions/\(pool.id)", token: org.token, json: ["seats": 3])
            let twice = try await browser.post("\(portalPath)/seats", [("csrf", csrf), ("subscription_id", pool.id), ("email", "ONE@example.com")])
            #expect(twice.status == .badRequest)
            #expect(twice.html.contains("This person already has a seat in this plan."))
            let claimed = try await server.assign(org, pool, ["email": "held@example.com", "immediate_claim": true])
            let resend = try await browser.post("\(portalPath)/seats/\(claimed.id)/resend", [("csrf", csrf)])
            #expect(resend.status == .badRequest)
            #expect(resend.html.contains("Only a pending invitation can be re-sent"))
            // A seat id that is not a UUID.
            let junk = try await browser.post("\(portalPath)/seats/not-a-uuid/revoke", [("csrf", csrf)])
            #expect(junk.status == .notFound)
            #expect(junk.html.contains("Seat not found"))
        }
    }

    /// A seat's history page: every change in words, "You" for the signed-in customer, linked
    /// from the seat's row; another customer's seat is the 404 page.
    @Test(arguments: Backend.all)
    func aSeatsHistoryIsShownInTheCustomersWords(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let (pool, seatId, token) = try await Self.invitation(server, org, email: "ada@example.com")
            server.clock.advance(by: 60)
            #expect(try await SeatSupport.claim(server, token).status == .ok)
            let session = try await Self.sessionToken(server, org, customerId: pool.customerId)
            var browser = try await Self.signedInBrowser(server, org, token: session)
            let portal = try await browser.get("/\(org.slug)/portal")
            let path = "/\(org.slug)/portal/seats/\(seatId)/history"
            #expect(try #require(Self.row(portal.html, seatId: seatId)).contains("href=\"\(path)\""))
            server.clock.advance(by: 60)
            let csrf = try #require(browser.csrf)
            _ = try await browser.post("/\(org.slug)/portal/seats/\(seatId)/revoke", [("csrf", csrf)])

            let page = try await browser.get(path)
            #expect(page.status == .ok)
            Self.expectPageHeaders(page)
            let rows = page.html.components(separatedBy: "<tr class=\"event ").dropFirst().map { $0.prefix { $0 != "\"" } }
            #expect(rows == ["revoked", "claimed", "invitation_sent", "assigned"])
            #expect(page.html.contains("<td data-label=\"By\">You</td>"))
            #expect(page.html.contains("<td data-label=\"By\">\(org.name)</td>"))
            #expect(page.html.contains("<td data-label=\"By\">ada@example.com</td>"))

            let theirs = try await server.makeSubscription(org, seats: 1)
            let theirSeat = try await server.assign(org, theirs, ["email": "theirs@example.com"])
            let refused = try await browser.get("/\(org.slug)/portal/seats/\(theirSeat.id)/history")
            #expect(refused.status == .notFound)
            #expect(!refused.html.contains("theirs@example.com"))
            var stranger = TestBrowser(server)
            #expect(try await stranger.get(path).status == .unauthorized)
        }
    }

    @Test(arguments: Backend.all)
    func anotherCustomersSeatIsAReadable404(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let mine = try await server.makeSubscription(org, seats: 2)
            let theirs = try await server.makeSubscription(org, seats: 2)
            let theirSeat = try await server.assign(org, theirs, ["email": "theirs@example.com"])
            let token = try await Self.sessionToken(server, org, customerId: mine.customerId)
            var browser = try await Self.signedInBrowser(server, org, token: token)
            let csrf = try #require(browser.csrf)
            for action in ["revoke", "resend"] {
                let page = try await browser.post("/\(org.slug)/portal/seats/\(theirSeat.id)/\(action)", [("csrf", csrf)])
                #expect(page.status == .notFound, "\(action)")
                #expect(page.html.contains("Seat not found"), "\(action)")
                #expect(!page.html.contains("theirs@example.com"), "\(action)")
                Self.expectPageHeaders(page)
            }
            let assign = try await browser.post("/\(org.slug)/portal/seats",
                                                [("csrf", csrf), ("subscription_id", theirs.id), ("email", "intruder@example.com")])
            #expect(assign.status == .notFound)
            #expect(try await Self.seatStatus(server, org, theirs, seatId: theirSeat.id) == "pending")
            #expect(try await server.list(org, theirs)["available_seats"] == 1)
        }
    }

    @Test(arguments: Backend.all)
    func aPlainMemberMayLookButIsNotPermittedToChange(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization(memberModel: true)
            let pool = try await server.makeSubscription(org, seats: 3)
            let seat = try await server.assign(org, pool, ["email": "held@example.com"])
            let plain = try await server.request(.post, "/v1/customers/\(pool.customerId)/members", token: org.token,
                                                 json: ["email": "plain@example.com", "role": "member"])
            let manager = try await server.request(.post, "/v1/customers/\(pool.customerId)/members", token: org.token,
                                                   json: ["email": "boss@example.com", "role": "billing_manager"])
            let plainToken = try await Self.sessionToken(server, org, customerId: pool.customerId, memberId: plain.id)
            var browser = try await Self.signedInBrowser(server, org, token: plainToken)
            let csrf = try #require(browser.csrf)
            let look = try await browser.get("/\(org.slug)/portal")
            #expect(look.status == .ok)
            #expect(look.html.contains("Signed in as <strong>plain@example.com</strong> (Member)"))
            #expect(look.html.contains("held@example.com"))
            #expect(look.html.contains("Only an owner or billing manager of your team can assign"))
            #expect(!look.html.contains("/portal/seats/\(seat.id)/revoke"))
            #expect(!look.html.contains("Assign seat"))
            for (path, form) in [
                ("/\(org.slug)/portal/seats", [("csrf", csrf), ("subscription_id", pool.id), ("email", "n@example.com")]),
                ("/\(org.slug)/portal/seats/\(seat.id)/revoke", [("csrf", csrf)]),
                ("/\(org.slug)/portal/seats/\(seat.id)/resend", [("csrf", csrf)]),
            ] {
                let refused = try await browser.post(path, form)
                #expect(refused.status == .forbidden, "\(path)")
                #expect(refused.html.contains("Not permitted"), "\(path)")
                #expect(refused.html.contains("Ask an owner or billing manager of your team."), "\(path)")
                Self.expectPageHeaders(refused)
            }
            #expect(try await Self.seatStatus(server, org, pool, seatId: seat.id) == "pending")
            // A billing manager may.
            let managerToken = try await Self.sessionToken(server, org, customerId: pool.customerId, memberId: manager.id)
            var managerBrowser = try await Self.signedInBrowser(server, org, token: managerToken)
            let assigned = try await managerBrowser.post("/\(org.slug)/portal/seats", [
                ("csrf", try #require(managerBrowser.csrf)), ("subscription_id", pool.id), ("email", "n@example.com"),
            ])
            #expect(assigned.status == .seeOther)
        }
    }

    // MARK: Escaping, headers, assets

    @Test(arguments: Backend.all)
    func namesAndEmailsAreEscaped(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let hostile = "<script>alert(1)</script>"
            let created = try await server.request(.post, "/v1/organizations/", token: TestServer.adminToken, json: [
                "name": .string("Evil \"Corp\" <img src=x onerror=alert(2)>"), "slug": "evil-corp",
                "feature_settings": ["seat_based_pricing_enabled": true, "member_model_enabled": true],
            ])
            try #require(created.status == .created, "\(created.json)")
            let org = TestOrganization(id: created.id, slug: "evil-corp", name: "", token: try await server.makeToken(
                organizationId: created.id, scopes: Scope.allCases))
            let customer = try await server.makeCustomer(org)
            let product = try await server.request(.post, "/v1/products/", token: org.token, json: [
                "name": .string(hostile), "recurring_interval": "month",
                "prices": [["amount_type": "seat_based", "price_currency": "usd",
                            "seat_tiers": ["seat_tier_type": "volume",
                                           "tiers": [["min_seats": 1, "max_seats": nil, "price_per_seat": 1000]]]]],
            ])
            try #require(product.status == .created, "\(product.json)")
            let subscription = try await server.request(.post, "/v1/subscriptions/", token: org.token, json: [
                "product_id": .string(product.id), "customer_id": .string(customer.id), "seats": 3,
            ])
            let pool = TestPool(kind: "subscription_id", id: subscription.id, customerId: customer.id,
                                customerEmail: customer["email"]?.stringValue ?? "", productId: product.id)
            let owner = try await server.request(.post, "/v1/customers/\(customer.id)/members", token: org.token,
                                                 json: ["email": "owner@example.com", "name": .string(hostile), "role": "owner"])
            try #require(owner.status == .created, "\(owner.json)")
            _ = try await server.assign(org, pool, ["member_id": .string(owner.id)])
            let token = try #require(try await server.deliverInvitations(to: "owner@example.com").first)

            let claimPage = try await server.page(.get, "/evil-corp/portal/claim?token=\(token)")
            #expect(claimPage.status == .ok)
            let session = try await Self.sessionToken(server, org, customerId: customer.id, memberId: owner.id)
            var browser = try await Self.signedInBrowser(server, org, token: session)
            let portal = try await browser.get("/evil-corp/portal")
            for page in [claimPage, portal] {
                #expect(!page.html.contains("<script"))
                #expect(!page.html.contains("<img"))
                #expect(page.html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
            }
            #expect(claimPage.html.contains("Evil &quot;Corp&quot; &lt;img src=x onerror=alert(2)&gt;"))
            #expect(portal.html.contains("<span class=\"person-name\">&lt;script&gt;alert(1)&lt;/script&gt;</span>"))
        }
    }

    @Test(arguments: Backend.all)
    func everyPageCarriesTheSecurityHeadersAndTheStylesheetIsServed(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let (_, _, token) = try await Self.invitation(server, org)
            let pages = [
                try await server.page(.get, "/\(org.slug)/portal/claim?token=\(token)"),
                try await server.page(.get, "/\(org.slug)/portal/claim?token=nope"),
                try await server.page(.get, "/\(org.slug)/portal"),
                try await server.page(.post, "/\(org.slug)/portal/claim", form: [("token", token)]),
                try await server.page(.get, "/no-such-org/portal"),
            ]
            for page in pages {
                Self.expectPageHeaders(page)
                #expect(page.headers[.cacheControl] == "no-store")
                #expect(page.html.contains("<meta name=\"viewport\""))
                #expect(page.html.contains("<h1"))
            }
            let css = try await server.page(.get, "/_static/tessera.css")
            #expect(css.status == .ok)
            #expect(css.headers[.contentType] == "text/css; charset=utf-8")
            #expect(css.headers[.xContentTypeOptions] == "nosniff")
            #expect(css.html.contains("@media (max-width: 40rem)"))
            #expect(!css.html.contains("url("))
            #expect(!css.html.contains("@import"))
        }
    }

    @Test(arguments: Backend.all)
    func anOrganizationSlugLikeAnAssetFolderStillHasItsPages(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            for slug in ["static", "assets"] {
                let created = try await server.request(.post, "/v1/organizations/", token: TestServer.adminToken, json: [
                    "name": .string("Org \(slug)"), "slug": .string(slug),
                    "feature_settings": ["seat_based_pricing_enabled": true],
                ])
                try #require(created.status == .created, "\(created.json)")
                let page = try await server.page(.get, "/\(slug)/portal")
                #expect(page.status == .unauthorized, "\(slug): \(page.html)")
                #expect(page.html.contains("Please sign in again"), "\(slug)")
                #expect(try await server.page(.get, "/\(slug)/portal/claim?token=x").status == .notFound, "\(slug)")
            }
        }
    }

    @Test(arguments: Backend.all)
    func oversizedFormsAndSignOut(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 1)
            let token = try await Self.sessionToken(server, org, customerId: pool.customerId)
            var browser = try await Self.signedInBrowser(server, org, token: token)
            let csrf = try #require(browser.csrf)
            let huge = try await server.page(.post, "/\(org.slug)/portal/seats",
                                             cookies: browser.cookies,
                                             rawBody: "csrf=\(csrf)&email=" + String(repeating: "a", count: 70_000))
            #expect(huge.status == .contentTooLarge)
            Self.expectPageHeaders(huge)
            let out = try await browser.post("/\(org.slug)/portal/sign-out", [("csrf", csrf)])
            #expect(out.status == .ok)
            #expect(out.html.contains("You are signed out"))
            #expect(out.setCookie("tessera_session")?.contains("Max-Age=0") == true)
            #expect(try await browser.get("/\(org.slug)/portal").status == .unauthorized)
        }
    }
}
