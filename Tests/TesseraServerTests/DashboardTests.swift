import Foundation
import Hummingbird
import SQLKit
import Testing
import TesseraCore
@testable import TesseraServer
@testable import TesseraStore

/// The merchant dashboard (issue 15): sign-in with a token exchanged for a session cookie, the
/// overview's figures and charts, customers and pools, the forms that change seats, and what a
/// token's scopes allow.
@Suite struct DashboardTests {
    /// A browser signed into the dashboard with `token`.
    static func signedIn(_ server: TestServer, token: String) async throws -> TestBrowser {
        var browser = TestBrowser(server)
        let form = try await browser.get("/dashboard")
        try #require(form.status == .ok && form.html.contains("Sign in to the dashboard"), "\(form.html)")
        let signedIn = try await browser.post("/dashboard/sign-in", [("csrf", browser.csrf ?? ""), ("token", token)])
        try #require(signedIn.status == .seeOther, "sign-in: \(signedIn.status) \(signedIn.html)")
        try await browser.get("/dashboard")  // the session's own form token
        return browser
    }

    /// A token's id and value, made through the operator API.
    static func token(_ server: TestServer, _ org: TestOrganization, scopes: [Scope], expiresIn: Int? = nil)
        async throws -> (id: String, value: String)
    {
        var body: [String: JSONValue] = [
            "organization_id": .string(org.id), "comment": "dashboard test",
            "scopes": .array(scopes.map { .string($0.rawValue) }),
        ]
        if let expiresIn { body["expires_in"] = JSONValue(expiresIn) }
        let response = try await server.request(.post, "/v1/organization-access-tokens/", token: TestServer.adminToken,
                                                json: .object(body))
        try #require(response.status == .created, "token: \(response.json)")
        return (response["organization_access_token"]?["id"]?.stringValue ?? "", response["token"]?.stringValue ?? "")
    }

    static func path(_ pool: TestPool) -> String {
        pool.kind == "subscription_id" ? "/dashboard/subscriptions/\(pool.id)" : "/dashboard/orders/\(pool.id)"
    }

    // MARK: Sign-in

    @Test(arguments: Backend.all)
    func signingInExchangesTheTokenForASessionCookie(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            var browser = TestBrowser(server)
            let form = try await browser.get("/dashboard")
            PageTests.expectPageHeaders(form)
            #expect(form.html.contains("<form method=\"post\" action=\"/dashboard/sign-in\""))
            let nonceCookie = try #require(form.setCookie("tessera_dashboard_csrf"))
            #expect(nonceCookie.contains("Path=/dashboard") && nonceCookie.contains("HttpOnly"))

            let response = try await browser.post("/dashboard/sign-in", [("csrf", browser.csrf ?? ""), ("token", org.token)])
            #expect(response.status == .seeOther)
            #expect(response.location == "/dashboard")
            let cookie = try #require(response.setCookie("tessera_dashboard"))
            for attribute in ["HttpOnly", "SameSite=Strict", "Path=/dashboard", "Secure", "Max-Age=28800"] {
                #expect(cookie.contains(attribute), "\(cookie)")
            }
            // The session is a token of its own: the organization token is in no header or body.
            let session = try #require(response.cookieValue("tessera_dashboard"))
            #expect(session.hasPrefix("tsr_dst_") && session != org.token)
            #expect(!response.headers.contains { $0.value.contains(org.token) } && !response.html.contains(org.token))

            let overview = try await browser.get("/dashboard")
            #expect(overview.status == .ok)
            #expect(overview.html.contains("<h1 id=\"page-heading\">Overview</h1>"))
            #expect(overview.html.contains(org.name))
            #expect(!overview.html.contains(org.token))
            // The session cookie is no bearer token: the API refuses it.
            let api = try await server.request(.get, "/v1/customers/", token: session)
            #expect(api.status == .unauthorized)
        }
    }

    @Test(arguments: Backend.all)
    func aWrongTokenOrAForgedSignInOpensNoSession(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 2)
            let customerSession = try await PageTests.sessionToken(server, org, customerId: pool.customerId)
            for wrong in ["tsr_oat_nothing", customerSession] {
                var browser = TestBrowser(server)
                try await browser.get("/dashboard")
                let page = try await browser.post("/dashboard/sign-in", [("csrf", browser.csrf ?? ""), ("token", wrong)])
                #expect(page.status == .unauthorized)
                #expect(page.html.contains("That token is not valid"))
                #expect(page.setCookie("tessera_dashboard") == nil)
            }
            // Without the visit's nonce cookie (a form posted from another site): refused.
            var browser = TestBrowser(server)
            try await browser.get("/dashboard")
            let field = browser.csrf ?? ""
            browser.cookies = [:]
            let forged = try await browser.post("/dashboard/sign-in", [("csrf", field), ("token", org.token)])
            #expect(forged.status == .forbidden)
            #expect(forged.setCookie("tessera_dashboard") == nil)
        }
    }

    @Test(arguments: Backend.all)
    func signingOutDeletingTheTokenOrTimeEndsTheSession(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()

            // Signing out: the cookie is cleared, and the old cookie no longer signs in.
            var browser = try await Self.signedIn(server, token: org.token)
            let session = browser.cookies["tessera_dashboard"] ?? ""
            try await browser.get("/dashboard")
            let forged = try await browser.post("/dashboard/sign-out", [("csrf", "not-the-token")])
            #expect(forged.status == .forbidden)
            let out = try await browser.post("/dashboard/sign-out", [("csrf", browser.csrf ?? "")])
            #expect(out.status == .ok)
            #expect(out.setCookie("tessera_dashboard")?.contains("Max-Age=0") == true)
            let replayed = try await server.page(.get, "/dashboard/customers", cookies: ["tessera_dashboard": session])
            #expect(replayed.status == .unauthorized)

            // Deleting the token that opened a session ends it.
            let token = try await Self.token(server, org, scopes: Scope.allCases)
            browser = try await Self.signedIn(server, token: token.value)
            #expect(try await browser.get("/dashboard/customers").status == .ok)
            let deleted = try await server.request(.delete, "/v1/organization-access-tokens/\(token.id)",
                                                   token: TestServer.adminToken)
            #expect(deleted.status == .noContent)
            #expect(try await browser.get("/dashboard/customers").status == .unauthorized)

            // Eight hours at most, and never past the token's own expiry.
            browser = try await Self.signedIn(server, token: org.token)
            server.clock.advance(by: 8 * 60 * 60 - 1)
            #expect(try await browser.get("/dashboard/customers").status == .ok)
            server.clock.advance(by: 2)
            #expect(try await browser.get("/dashboard/customers").status == .unauthorized)
            let shortLived = try await Self.token(server, org, scopes: Scope.allCases, expiresIn: 600)
            browser = try await Self.signedIn(server, token: shortLived.value)
            server.clock.advance(by: 601)
            #expect(try await browser.get("/dashboard/customers").status == .unauthorized)
        }
    }

    @Test(arguments: Backend.all)
    func endedSessionsAreDeletedAndTokensKept(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 2)
            _ = try await PageTests.sessionToken(server, org, customerId: pool.customerId)  // an hour
            _ = try await Self.signedIn(server, token: org.token)  // eight hours
            func rows(_ kinds: [String]) async throws -> Int {
                try await server.database.withConnection { session in
                    try await session.first("""
                        SELECT COUNT(*) AS n FROM access_tokens WHERE kind IN (\(binds: kinds))
                        """)?.decode(column: "n", as: Int.self) ?? -1
                }
            }
            let sessions = ["customer_session", "dashboard_session"]
            #expect(try await rows(sessions) == 2)
            server.clock.advance(by: 2 * 60 * 60)
            try await server.sessionExpiry.deleteNow()
            #expect(try await rows(sessions) == 1)  // the portal session is gone, the dashboard's stays
            server.clock.advance(by: 7 * 60 * 60)
            try await server.sessionExpiry.deleteNow()
            #expect(try await rows(sessions) == 0)
            #expect(try await rows(["organization", "operator"]) >= 1)
            #expect(try await server.request(.get, "/v1/customers/", token: org.token).status == .ok)
        }
    }

    @Test(arguments: Backend.all)
    func theOperatorPicksAnOrganization(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let other = try await server.makeOrganization()
            var browser = try await Self.signedIn(server, token: TestServer.adminToken)
            let picker = try await browser.get("/dashboard")
            #expect(picker.status == .ok)
            #expect(picker.html.contains("Pick an organization"))
            #expect(picker.html.contains(org.slug) && picker.html.contains(other.slug))
            // Pages of an organization need one picked first.
            #expect(try await browser.get("/dashboard/customers").status == .conflict)
            let unknown = try await browser.post("/dashboard/organization", [("csrf", browser.csrf ?? ""), ("slug", "no-such-org")])
            #expect(unknown.status == .unprocessableContent)
            let picked = try await browser.post("/dashboard/organization", [("csrf", browser.csrf ?? ""), ("slug", org.slug)])
            #expect(picked.status == .seeOther)
            let overview = try await browser.get("/dashboard")
            #expect(overview.html.contains("<h1 id=\"page-heading\">Overview</h1>"))
            #expect(overview.html.contains(org.name))
            // An organization token's session cannot switch organizations.
            var merchant = try await Self.signedIn(server, token: org.token)
            try await merchant.get("/dashboard")
            let refused = try await merchant.post("/dashboard/organization", [("csrf", merchant.csrf ?? ""), ("slug", other.slug)])
            #expect(refused.status == .forbidden)
        }
    }

    // MARK: Overview

    @Test(arguments: Backend.all)
    func theOverviewCountsSeatsInvitationsClaimsAndWaitingEmails(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 5)
            _ = try await server.makeOrder(org, seats: 3, status: "pending")  // not paid: no seats bought yet
            for email in ["a@example.com", "b@example.com", "c@example.com"] {
                #expect(try await server.assign(org, pool, ["email": .string(email)]).status == .ok)
            }
            let token = try #require(try await server.deliverInvitations(to: "a@example.com").last)
            #expect(try await SeatSupport.claim(server, token).status == .ok)
            // Another organization's seats count for it alone.
            let stranger = try await server.makeOrganization()
            let theirs = try await server.makeSubscription(stranger, seats: 7)
            _ = try await server.assign(stranger, theirs, ["email": "x@example.com"])

            var browser = try await Self.signedIn(server, token: org.token)
            let page = try await browser.get("/dashboard")
            #expect(page.status == .ok)
            PageTests.expectPageHeaders(page)
            #expect(page.html.contains("<p class=\"figure\">3 <span>of 5 used</span></p>"))
            #expect(page.html.contains("3 of 5 seats used (60%)"))
            #expect(page.html.contains("<rect class=\"bar-fill\" width=\"60\" height=\"8\">"))
            #expect(page.html.contains("Pools with seats (active subscriptions and paid orders): 1."))
            // Two invitations wait, both expiring within the day.
            #expect(page.html.contains("<h2 id=\"invitations-heading\">Invitations pending</h2>\n<p class=\"figure\">2</p>"))
            #expect(page.html.contains("2 of them expire within a day"))
            // One claim today: the total, the chart's words and its table.
            #expect(page.html.contains("<h2 id=\"claims-heading\">Claims, last 30 days</h2>\n<p class=\"figure\">1</p>"))
            #expect(page.html.contains("role=\"img\" aria-labelledby=\"claims-title\""))
            #expect(page.html.contains("1 claim from"))
            // The emails of the stranger's assign and the two unclaimed: delivered just now, so
            // nothing waits; a new assign's email waits until the worker runs.
            #expect(page.html.contains("<dt>Oldest email</dt><dd>none waiting</dd>"))
            _ = try await server.assign(org, pool, ["email": "d@example.com"])
            server.clock.advance(by: 200)
            let later = try await browser.get("/dashboard")
            #expect(later.html.contains("<dt>Oldest email</dt><dd>queued 3 minutes ago</dd>"))
            #expect(later.html.contains("No deliveries"))

            // A day later (and signed in again) the invitations have expired: none expires soon any more.
            server.clock.advance(by: 25 * 60 * 60)
            browser = try await Self.signedIn(server, token: org.token)
            let nextDay = try await browser.get("/dashboard")
            #expect(nextDay.html.contains("0 of them expire within a day; 3 have expired and need re-sending"))
        }
    }

    @Test(arguments: Backend.all)
    func theDeliveryStripShowsEachHoursWebhookResults(backend: Backend) async throws {
        try await WebhookReceiver.run { receiver in
            try await TestServer.run(backend, webhookAllowPrivate: true) { server in
                let org = try await server.makeOrganization()
                let endpoint = try await server.request(.post, "/v1/webhooks/endpoints", token: org.token, json: [
                    "url": .string(receiver.url), "format": "raw", "events": ["customer_seat.assigned"],
                ])
                try #require(endpoint.status == .created, "\(endpoint.json)")
                let pool = try await server.makeSubscription(org, seats: 3)
                _ = try await server.assign(org, pool, ["email": "a@example.com"])
                try await server.webhookWorker.deliverDue()
                var browser = try await Self.signedIn(server, token: org.token)
                let page = try await browser.get("/dashboard")
                #expect(page.html.contains("100% delivered"))
                // The current hour is the strip's last cell.
                #expect(page.html.contains("<rect class=\"cell ok\" x=\"230\""))
                #expect(page.html.contains("1 hours all delivered, 0 with failures, 23 without deliveries"))
            }
        }
    }

    // MARK: The overview's stored figures

    /// A claim event written straight into the history at `date`, on one of `org`'s seats: as
    /// if a seat had been claimed then (the API only claims now).
    static func insertClaim(_ server: TestServer, _ org: TestOrganization, at date: Date) async throws {
        try await server.database.withConnection { session in
            let seat = try #require(try await session.first("""
                SELECT id, subscription_id FROM seats WHERE organization_id = \(bind: org.id) AND subscription_id IS NOT NULL
                """))
            try await session.execute("""
                INSERT INTO seat_events (id, organization_id, seat_id, subscription_id, kind, actor_kind, created_at)
                VALUES (\(bind: UUID().wire), \(bind: org.id), \(bind: try seat.string("id")),
                        \(bind: try seat.string("subscription_id")), 'claimed', 'customer', \(bind: date.micros))
                """)
        }
    }

    /// Stored seat totals only move forward: totals a view counted before a refresh stored newer
    /// ones do not replace them (the view's write comes after its count, so they can cross).
    @Test(arguments: Backend.all)
    func olderSeatTotalsNeverReplaceNewerOnes(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let organizationId = try #require(UUID(wire: org.id))
            let now = server.clock.now
            let newer = DashboardStore.StoredSeatTotals(totals: .init(pools: 2, seats: 20, used: 5),
                                                        computedAt: now, viewedAt: now)
            let older = DashboardStore.StoredSeatTotals(totals: .init(pools: 1, seats: 10, used: 1),
                                                        computedAt: now.addingTimeInterval(-5), viewedAt: now)
            let stored = try await server.database.withConnection { session in
                try await session.dashboard.storeSeatTotals(organizationId: organizationId, newer)
                try await session.dashboard.storeSeatTotals(organizationId: organizationId, older)
                return try await session.dashboard.storedSeatTotals(organizationId: organizationId)
            }
            #expect(stored?.totals == newer.totals)
            let later = DashboardStore.StoredSeatTotals(totals: .init(pools: 3, seats: 30, used: 9),
                                                        computedAt: now.addingTimeInterval(5), viewedAt: now)
            let replaced = try await server.database.withConnection { session in
                try await session.dashboard.storeSeatTotals(organizationId: organizationId, later)
                return try await session.dashboard.storedSeatTotals(organizationId: organizationId)
            }
            #expect(replaced?.totals == later.totals)
        }
    }

    /// Noon (UTC) of a day counted from 1970.
    static func noon(ofDay day: Int) -> Date { Date(timeIntervalSince1970: TimeInterval(day) * 86_400 + 43_200) }

    static func claimsFigure(_ html: String, _ count: Int) -> Bool {
        html.contains("<h2 id=\"claims-heading\">Claims, last 30 days</h2>\n<p class=\"figure\">\(count)</p>")
    }

    static func storedDays(_ server: TestServer, _ org: TestOrganization) async throws -> [Int: Int] {
        let organizationId = try #require(UUID(uuidString: org.id))
        return try await server.database.read { try await $0.dashboard.storedClaimsPerDay(organizationId: organizationId,
                                                                                          days: 0...Int(Int32.max)) }
    }

    @Test(arguments: Backend.all)
    func finalDaysAreReadFromTheirStoredCountsAndTodayLive(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 5)
            #expect(try await server.assign(org, pool, ["email": "a@example.com", "immediate_claim": true]).status == .ok)
            let today = OverviewFigures.day(of: server.clock.now)
            try await Self.insertClaim(server, org, at: Self.noon(ofDay: today - 3))
            try await Self.insertClaim(server, org, at: Self.noon(ofDay: today - 3))
            try await Self.insertClaim(server, org, at: Self.noon(ofDay: today - 40))  // before the window
            // Another organization's claims on the same days count for it alone.
            let stranger = try await server.makeOrganization()
            let theirs = try await server.makeSubscription(stranger, seats: 5)
            _ = try await server.assign(stranger, theirs, ["email": "x@example.com", "immediate_claim": true])
            try await Self.insertClaim(server, stranger, at: Self.noon(ofDay: today - 3))

            var browser = try await Self.signedIn(server, token: org.token)
            #expect(Self.claimsFigure(try await browser.get("/dashboard").html, 3))
            // Every final day of the window is stored, those without claims as 0.
            let lastFinal = OverviewFigures.lastFinalDay(at: server.clock.now)
            let stored = try await Self.storedDays(server, org)
            #expect(stored.keys.sorted() == Array((today - 29)...lastFinal))
            #expect(stored[today - 3] == 2 && stored.values.reduce(0, +) == 2)

            // A claim that appears on a final day afterwards is not seen: the stored count is read.
            try await Self.insertClaim(server, org, at: Self.noon(ofDay: today - 3))
            #expect(Self.claimsFigure(try await browser.get("/dashboard").html, 3))
            // Today's claims are counted live.
            try await Self.insertClaim(server, org, at: server.clock.now)
            #expect(Self.claimsFigure(try await browser.get("/dashboard").html, 4))
            #expect(try await Self.storedDays(server, org) == stored)

            var theirBrowser = try await Self.signedIn(server, token: stranger.token)
            #expect(Self.claimsFigure(try await theirBrowser.get("/dashboard").html, 2))
            #expect(try await Self.storedDays(server, stranger)[today - 3] == 1)
            #expect(try await Self.storedDays(server, org) == stored)
        }
    }

    @Test(arguments: Backend.all)
    func daysThatBecameFinalSinceTheLastViewAreCountedAndStored(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            // A minute past midnight, the hardest time of day for this: yesterday is not final
            // until the margin has passed.
            let sinceMidnight = server.clock.now.timeIntervalSince1970.truncatingRemainder(dividingBy: 86_400)
            server.clock.advance(by: 86_400 - sinceMidnight + 60)
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 5)
            #expect(try await server.assign(org, pool, ["email": "a@example.com", "immediate_claim": true]).status == .ok)
            var browser = try await Self.signedIn(server, token: org.token)
            #expect(Self.claimsFigure(try await browser.get("/dashboard").html, 1))
            let viewedDay = OverviewFigures.day(of: server.clock.now)
            try await Self.insertClaim(server, org, at: server.clock.now)
            #expect(try await Self.storedDays(server, org)[viewedDay] == nil)

            // Two days and the margin on, the day of the first view and the next are final:
            // counted once, stored, then read.
            server.clock.advance(by: 2 * 86_400 + OverviewFigures.finalityMargin)
            browser = try await Self.signedIn(server, token: org.token)
            #expect(Self.claimsFigure(try await browser.get("/dashboard").html, 2))
            let stored = try await Self.storedDays(server, org)
            #expect(stored[viewedDay] == 2 && stored[viewedDay + 1] == 0)
            try await Self.insertClaim(server, org, at: Self.noon(ofDay: viewedDay))
            #expect(Self.claimsFigure(try await browser.get("/dashboard").html, 2))

            // Days that left the window are deleted; the window's own stay.
            try await server.overviewClaimDaysExpiry.deleteNow()
            let today = OverviewFigures.day(of: server.clock.now)
            #expect(try await Self.storedDays(server, org).keys.min() == today - 29)
        }
    }

    @Test(arguments: Backend.all)
    func seatTotalsAreShownAsOfTheirCountAndCountedAgainWhenStale(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 5)
            var browser = try await Self.signedIn(server, token: org.token)
            let first = try await browser.get("/dashboard")
            #expect(first.html.contains("<p class=\"figure\">0 <span>of 5 used</span></p>"))
            let countedAt = PageRenderer.time(server.clock.now)
            #expect(first.html.contains("As of <time datetime=\"\((countedAt["iso"] as? String) ?? "")\">\((countedAt["text"] as? String) ?? "")</time>."))

            // Within two minutes the stored totals are shown, as of when they were counted.
            _ = try await server.assign(org, pool, ["email": "a@example.com"])
            // (A second short of the limit: stored times are whole microseconds, the clock's are not.)
            server.clock.advance(by: OverviewFigures.totalsMaximumAge - 1)
            let stored = try await browser.get("/dashboard")
            #expect(stored.html.contains("<p class=\"figure\">0 <span>of 5 used</span></p>"))
            #expect(stored.html.contains("datetime=\"\((countedAt["iso"] as? String) ?? "")\""))
            // Older than that, the view counts them again.
            server.clock.advance(by: 2)
            let recounted = try await browser.get("/dashboard")
            #expect(recounted.html.contains("<p class=\"figure\">1 <span>of 5 used</span></p>"))
            #expect(recounted.html.contains("datetime=\"\((PageRenderer.time(server.clock.now)["iso"] as? String) ?? "")\""))
        }
    }

    @Test(arguments: Backend.all)
    func theBackgroundRefreshKeepsWatchedOverviewsCurrentAndNoOthers(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let watched = try await server.makeOrganization()
            let left = try await server.makeOrganization()
            let never = try await server.makeOrganization()
            let watchedPool = try await server.makeSubscription(watched, seats: 5)
            let leftPool = try await server.makeSubscription(left, seats: 5)
            let neverPool = try await server.makeSubscription(never, seats: 5)
            func stored(_ org: TestOrganization) async throws -> DashboardStore.StoredSeatTotals? {
                let organizationId = try #require(UUID(uuidString: org.id))
                return try await server.database.read { try await $0.dashboard.storedSeatTotals(organizationId: organizationId) }
            }
            var leftBrowser = try await Self.signedIn(server, token: left.token)
            try await leftBrowser.get("/dashboard")
            server.clock.advance(by: OverviewFigures.watchWindow + 1)  // left's overview is no longer watched
            var browser = try await Self.signedIn(server, token: watched.token)
            try await browser.get("/dashboard")
            for (org, pool) in [(watched, watchedPool), (left, leftPool), (never, neverPool)] {
                #expect(try await server.assign(org, pool, ["email": "a@example.com"]).status == .ok)
            }
            // Totals counted moments ago are left alone.
            #expect(try await server.seatTotalsRefresh.refreshWatched() == 0)

            server.clock.advance(by: 60)
            #expect(try await server.seatTotalsRefresh.refreshWatched() == 1)
            let refreshed = try #require(try await stored(watched))
            #expect(refreshed.totals == DashboardStore.SeatTotals(pools: 1, seats: 5, used: 1))
            #expect(refreshed.computedAt.micros == server.clock.now.micros)
            #expect(try await stored(left)?.totals.used == 0)
            #expect(try await stored(never) == nil)
            // The watched overview shows the refreshed totals without counting them itself.
            let before = server.database.statementCount
            let page = try await browser.get("/dashboard")
            #expect(page.html.contains("<p class=\"figure\">1 <span>of 5 used</span></p>"))
            let warm = server.database.statementCount - before

            // A merchant who keeps watching stays watched (a view records itself every ten
            // minutes), so the refresh goes on counting for them past the first hour.
            for _ in 0..<7 {
                server.clock.advance(by: OverviewFigures.viewRecordInterval + 1)
                #expect(try await server.seatTotalsRefresh.refreshWatched() == 1)
                try await browser.get("/dashboard")
            }
            #expect(try #require(try await stored(watched)).viewedAt > refreshed.viewedAt.addingTimeInterval(OverviewFigures.watchWindow - 1))
            #expect(try await server.seatTotalsRefresh.refreshWatched() == 0)
            server.clock.advance(by: 60)
            #expect(try await server.seatTotalsRefresh.refreshWatched() == 1)
            // And a refreshed view reads as many statements as before.
            let again = server.database.statementCount
            try await browser.get("/dashboard")
            #expect(server.database.statementCount - again == warm)
        }
    }

    // MARK: Customers and pools

    @Test(arguments: Backend.all)
    func customersAreFoundByEmailOrExternalIdAndShowTheirPools(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 4)
            _ = try await server.assign(org, pool, ["email": "a@example.com"])
            server.clock.advance(by: 1)
            let tagged = try await server.makeCustomer(org, email: "Tagged@Example.com", externalId: "crm-42")
            var browser = try await Self.signedIn(server, token: org.token)
            let all = try await browser.get("/dashboard/customers")
            #expect(all.status == .ok)
            #expect(all.html.contains(pool.customerEmail) && all.html.contains("Tagged@Example.com"))
            // Newest first.
            let newest = try #require(all.html.range(of: "Tagged@Example.com"))
            let older = try #require(all.html.range(of: pool.customerEmail))
            #expect(newest.lowerBound < older.lowerBound)
            for search in ["tagged@example.com", "crm-42"] {
                let found = try await browser.get("/dashboard/customers?q=\(search)")
                #expect(found.html.contains("/dashboard/customers/\(tagged.id)"))
                #expect(!found.html.contains(pool.customerEmail))
            }
            let none = try await browser.get("/dashboard/customers?q=nobody@example.com")
            #expect(none.html.contains("No customers with that email or external id"))

            let customer = try await browser.get("/dashboard/customers/\(pool.customerId)")
            #expect(customer.status == .ok)
            #expect(customer.html.contains("href=\"/dashboard/subscriptions/\(pool.id)\""))
            #expect(customer.html.contains("1 of 4 seats used (25%)"))
        }
    }

    @Test(arguments: Backend.all)
    func seatsAreAssignedResentRevokedAndCountedFromThePoolPage(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 2)
            var browser = try await Self.signedIn(server, token: org.token)
            let path = Self.path(pool)
            let empty = try await browser.get(path)
            #expect(empty.status == .ok)
            #expect(empty.html.contains("No seats assigned yet"))

            let assigned = try await browser.post("\(path)/seats", [("csrf", browser.csrf ?? ""), ("email", "ada@example.com")])
            #expect(assigned.status == .seeOther)
            #expect(assigned.location == "\(path)?notice=assigned")
            let seatId = try #require(try await server.list(org, pool)["seats"]?[0]?["id"]?.stringValue)
            #expect(try await PageTests.seatStatus(server, org, pool, seatId: seatId) == "pending")
            let shown = try await browser.get(assigned.location ?? path)
            #expect(shown.html.contains("Seat assigned."))
            #expect(shown.html.contains("ada@example.com"))

            let firstLink = try #require(try await server.deliverInvitations(to: "ada@example.com").last)
            let resent = try await browser.post("/dashboard/seats/\(seatId)/resend", [("csrf", browser.csrf ?? "")])
            #expect(resent.location == "\(path)?notice=resent")
            let secondLink = try #require(try await server.deliverInvitations(to: "ada@example.com").last)
            #expect(firstLink != secondLink)

            let revoked = try await browser.post("/dashboard/seats/\(seatId)/revoke", [("csrf", browser.csrf ?? "")])
            #expect(revoked.location == "\(path)?notice=revoked")
            #expect(try await PageTests.seatStatus(server, org, pool, seatId: seatId) == "revoked")
            // A use case's refusal is a page in words with the API's status.
            let stale = try await browser.post("/dashboard/seats/\(seatId)/resend", [("csrf", browser.csrf ?? "")])
            #expect(stale.status == .badRequest)
            #expect(stale.html.contains("Cannot re-send"))

            // The seat's history names each change and who made it: this session's token.
            let history = try await browser.get("/dashboard/seats/\(seatId)/history")
            #expect(history.status == .ok)
            for what in ["Assigned", "Invitation sent again", "Revoked"] {
                #expect(history.html.contains("<td data-label=\"What\">\(what)</td>"), "\(what)")
            }
            #expect(history.html.contains("An access token ("))
            #expect(history.html.contains("href=\"\(path)\""))

            // The seat count, with the API's rules: a count below the seats in use is refused in words.
            let resized = try await browser.post("\(path)/seat-count", [("csrf", browser.csrf ?? ""), ("seats", "5")])
            #expect(resized.location == "\(path)?notice=resized")
            let subscription = try await server.request(.get, "/v1/subscriptions/\(pool.id)", token: org.token)
            #expect(subscription["seats"] == 5)
            let bad = try await browser.post("\(path)/seat-count", [("csrf", browser.csrf ?? ""), ("seats", "many")])
            #expect(bad.status == .unprocessableContent)
            #expect(bad.html.contains("whole number"))

            // Every form needs the session's own anti-forgery token.
            let forged = try await server.page(.post, "/dashboard/seats/\(seatId)/resend", form: [("csrf", "x")],
                                               cookies: browser.cookies)
            #expect(forged.status == .forbidden)
        }
    }

    @Test(arguments: Backend.all)
    func aReadOnlyTokenSeesNoButtonsAndChangesNothing(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 3)
            let seatId = try await server.assign(org, pool, ["email": "ada@example.com"]).id
            let readOnly = try await Self.token(server, org, scopes: [.customerSeatsRead, .customersRead])
            var browser = try await Self.signedIn(server, token: readOnly.value)
            let page = try await browser.get(Self.path(pool))
            #expect(page.status == .ok)
            #expect(page.html.contains("ada@example.com"))
            for button in [">Revoke<", ">Re-send<", ">Assign seat<", ">Change the seat count<"] {
                #expect(!page.html.contains(button), "\(button)")
            }
            let revoke = try await browser.post("/dashboard/seats/\(seatId)/revoke", [("csrf", browser.csrf ?? "")])
            #expect(revoke.status == .forbidden)
            #expect(revoke.html.contains("customer_seats:write"))
            #expect(try await PageTests.seatStatus(server, org, pool, seatId: seatId) == "pending")

            // Without customers:read there is no customers section at all.
            let seatsOnly = try await Self.token(server, org, scopes: [.customerSeatsRead])
            var narrow = try await Self.signedIn(server, token: seatsOnly.value)
            let overview = try await narrow.get("/dashboard")
            #expect(!overview.html.contains("href=\"/dashboard/customers\""))
            #expect(try await narrow.get("/dashboard/customers").status == .forbidden)
        }
    }

    @Test(arguments: Backend.all)
    func anotherOrganizationsPoolsCustomersAndSeatsAreNotFound(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let stranger = try await server.makeOrganization()
            let theirs = try await server.makeSubscription(stranger, seats: 2)
            let seatId = try await server.assign(stranger, theirs, ["email": "x@example.com"]).id
            var browser = try await Self.signedIn(server, token: org.token)
            #expect(try await browser.get(Self.path(theirs)).status == .notFound)
            #expect(try await browser.get("/dashboard/customers/\(theirs.customerId)").status == .notFound)
            let revoke = try await browser.post("/dashboard/seats/\(seatId)/revoke", [("csrf", browser.csrf ?? "")])
            #expect(revoke.status == .notFound)
            #expect(try await PageTests.seatStatus(server, stranger, theirs, seatId: seatId) == "pending")
            let customers = try await browser.get("/dashboard/customers")
            #expect(!customers.html.contains(theirs.customerEmail))
        }
    }

    // MARK: Deliveries and branding

    @Test(arguments: Backend.all)
    func deliveriesShowFailingEndpointsFirstAndRedeliverFromThePage(backend: Backend) async throws {
        try await WebhookReceiver.run { receiver in
            try await TestServer.run(backend, webhookAllowPrivate: true) { server in
                let org = try await server.makeOrganization()
                for (name, url) in [("healthy", receiver.url), ("broken", "http://127.0.0.1:1/hook")] {
                    let endpoint = try await server.request(.post, "/v1/webhooks/endpoints", token: org.token, json: [
                        "url": .string(url), "format": "raw", "events": ["customer_seat.assigned"], "name": .string(name),
                    ])
                    try #require(endpoint.status == .created, "\(endpoint.json)")
                }
                let pool = try await server.makeSubscription(org, seats: 3)
                _ = try await server.assign(org, pool, ["email": "a@example.com"])
                try await server.webhookWorker.deliverDue()
                #expect(receiver.deliveries.count == 1)

                var browser = try await Self.signedIn(server, token: org.token)
                let page = try await browser.get("/dashboard/deliveries")
                #expect(page.status == .ok)
                let broken = try #require(page.html.range(of: "broken · "))
                let healthy = try #require(page.html.range(of: "healthy · "))
                #expect(broken.lowerBound < healthy.lowerBound, "the failing endpoint comes first")
                #expect(page.html.contains("<span class=\"badge failed\">failed</span>"))
                #expect(page.html.contains("<span class=\"badge delivered\">delivered</span> HTTP 200"))

                let eventId = try #require(page.html.range(of: "/dashboard/events/").map {
                    String(page.html[$0.upperBound...].prefix(36))
                })
                let redelivered = try await browser.post("/dashboard/events/\(eventId)/redeliver", [("csrf", browser.csrf ?? "")])
                #expect(redelivered.status == .seeOther)
                #expect(redelivered.location == "/dashboard/deliveries?notice=redelivered")
                server.clock.advance(by: 1)
                try await server.webhookWorker.deliverDue()
                #expect(receiver.deliveries.count == 2)

                // Read-only: no redeliver buttons, and the form is refused.
                let readOnly = try await Self.token(server, org, scopes: [.webhooksRead])
                var viewer = try await Self.signedIn(server, token: readOnly.value)
                let seen = try await viewer.get("/dashboard/deliveries")
                #expect(!seen.html.contains(">Redeliver<"))
                let refused = try await viewer.post("/dashboard/events/\(eventId)/redeliver", [("csrf", viewer.csrf ?? "")])
                #expect(refused.status == .forbidden)
            }
        }
    }

    @Test(arguments: Backend.all)
    func emailsThatFailedForGoodAreListedWithTheirLastError(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 3)
            _ = try await server.assign(org, pool, ["email": "lost@example.com"])
            server.mail.failNext(100)
            for _ in 0..<14 {
                try await server.worker.deliverDue()
                server.clock.advance(by: 3_601)
            }
            var browser = try await Self.signedIn(server, token: org.token)
            let page = try await browser.get("/dashboard/deliveries")
            #expect(page.html.contains("<th scope=\"row\" data-label=\"To\">lost@example.com</th>"))
            #expect(page.html.contains("mail server unavailable"))
            // The claim link is not kept once the email failed, and not shown.
            #expect(!page.html.contains("token="))
        }
    }

    @Test(arguments: Backend.all)
    func theOperatorSetsBrandingFromTheDashboard(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            var browser = try await Self.signedIn(server, token: TestServer.adminToken)
            try await browser.post("/dashboard/organization", [("csrf", browser.csrf ?? ""), ("slug", org.slug)])
            try await browser.get("/dashboard/branding")
            let saved = try await browser.post("/dashboard/branding", [
                ("csrf", browser.csrf ?? ""), ("display_name", "Acme Cloud"), ("logo_url", "https://cdn.acme.example/logo.svg"),
                ("accent_color", "#FFD400"),
            ])
            #expect(saved.status == .seeOther)
            var stored = try await server.request(.get, "/v1/organizations/\(org.id)", token: TestServer.adminToken)
            #expect(stored["branding"] == ["display_name": "Acme Cloud", "logo_url": "https://cdn.acme.example/logo.svg",
                                           "accent_color": "#ffd400"])

            // A colour that could carry CSS is refused in words, and nothing changes.
            let refused = try await browser.post("/dashboard/branding", [
                ("csrf", browser.csrf ?? ""), ("display_name", "Other"), ("logo_url", ""),
                ("accent_color", "red;}body{display:none"),
            ])
            #expect(refused.status == .unprocessableContent)
            #expect(refused.html.contains(Branding.accentColorRule))
            stored = try await server.request(.get, "/v1/organizations/\(org.id)", token: TestServer.adminToken)
            #expect(stored["branding"]?["display_name"] == "Acme Cloud")

            // Blank fields clear.
            try await browser.post("/dashboard/branding", [
                ("csrf", browser.csrf ?? ""), ("display_name", ""), ("logo_url", ""), ("accent_color", ""),
            ])
            stored = try await server.request(.get, "/v1/organizations/\(org.id)", token: TestServer.adminToken)
            #expect(stored["branding"] == ["display_name": nil, "logo_url": nil, "accent_color": nil])

            // A merchant sees the branding but may not change it.
            var merchant = try await Self.signedIn(server, token: org.token)
            let page = try await merchant.get("/dashboard/branding")
            #expect(!page.html.contains("Save branding"))
            let forbidden = try await merchant.post("/dashboard/branding", [("csrf", merchant.csrf ?? ""), ("display_name", "X")])
            #expect(forbidden.status == .forbidden)
        }
    }

    // MARK: Large organizations

    /// SQLite plans each dashboard statement as it will run (without bound values: see
    /// `CTesseraSQLite`): every one searches an index from the organization (or endpoint), none
    /// walks a whole table; the partial indexes are used where the statement is theirs.
    @Test func everyDashboardStatementSearchesAnIndex() async throws {
        try await Backend.sqlite.withFreshDatabase { database, _ in
            var queries = DashboardStore.allQueries(organizationId: UUID())
            queries.append(("ended sessions", AccessTokenStore.deleteEndedSessionsQuery(before: Date())))
            for (name, query) in queries {
                let plan = try await database.read { session in
                    try await session.rows("EXPLAIN QUERY PLAN " + query).map { try $0.string("detail") }
                }
                let walks = plan.filter { $0.hasPrefix("SCAN") && $0 != "SCAN pools" && $0 != "SCAN CONSTANT ROW" }
                #expect(walks.isEmpty, "\(name): \(plan)")
                let index = switch name {
                case "pending invitations": "seats_pending"
                case "ended sessions": "access_tokens_session_expiry"
                case "claims per day", "claims per final day": "seat_events_organization"
                case "stored claims per day": "sqlite_autoindex_dashboard_daily_claims_1"
                case "stored seat totals", "refresh seat totals", "mark seat totals viewed":
                    "sqlite_autoindex_dashboard_seat_totals_1"
                case "seat totals to refresh": "dashboard_seat_totals_viewed"
                case "old claim days": "dashboard_daily_claims_day"
                case "customers": "customers_organization"
                case "failed emails", "oldest undelivered": "outbox_organization"
                default: ""
                }
                #expect(index.isEmpty || plan.contains { $0.contains(index) }, "\(name): \(plan)")
            }
        }
    }

    /// Every page reads a page of 50 and aggregates through indexes: a pool of hundreds of
    /// seats and an organization of a hundred customers cost the statements of small ones.
    @Test(arguments: Backend.all)
    func pagesCostTheSameStatementsWhateverTheirSize(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let small = try await server.makeOrganization()
            let large = try await server.makeOrganization()
            let smallPool = try await server.makeSubscription(small, seats: 500)
            let largePool = try await server.makeSubscription(large, seats: 500)
            try await ScalingTests.fill(server, smallPool, organizationId: small.id, count: 2)
            try await ScalingTests.fill(server, largePool, organizationId: large.id, count: 300)
            for _ in 0..<60 { _ = try await server.makeCustomer(large) }

            func cost(_ org: TestOrganization, _ path: String) async throws -> Int {
                var browser = try await Self.signedIn(server, token: org.token)
                try await browser.get(path)  // the session's first use
                let before = server.database.statementCount
                let page = try await browser.get(path)
                #expect(page.status == .ok, "\(path): \(page.html)")
                return server.database.statementCount - before
            }
            #expect(try await cost(small, "/dashboard") == (try await cost(large, "/dashboard")))
            #expect(try await cost(small, "/dashboard/customers") == (try await cost(large, "/dashboard/customers")))
            #expect(try await cost(small, Self.path(smallPool)) == (try await cost(large, Self.path(largePool))))

            // The large pool pages by 50.
            var browser = try await Self.signedIn(server, token: large.token)
            let first = try await browser.get(Self.path(largePool))
            #expect(first.html.components(separatedBy: "<tr id=\"seat-").count - 1 == 50)
            #expect(first.html.contains("rel=\"next\""))
            let customers = try await browser.get("/dashboard/customers")
            #expect(customers.html.contains("Older customers"))
        }
    }
}
