import Crypto
import Foundation
import Hummingbird
import Testing
import TesseraCore

/// An organization's branding (issue 15.5): set by the operator, shown by the claim page, the
/// portal and the invitation email in place of Tessera's mark, and let through the pages'
/// Content-Security-Policy by exactly its logo's origin and its style's hash.
@Suite struct BrandingTests {
    static let brand: JSONValue = [
        "display_name": "Acme Cloud", "logo_url": "https://cdn.acme.example/logo.svg?v=2", "accent_color": "#FFD400",
    ]

    static func setBranding(_ server: TestServer, _ org: TestOrganization, _ branding: JSONValue) async throws -> TestResponse {
        try await server.request(.patch, "/v1/organizations/\(org.id)", token: TestServer.adminToken, json: ["branding": branding])
    }

    @Test(arguments: Backend.all)
    func theOperatorSetsChangesAndClearsBranding(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let plain = try await server.request(.get, "/v1/organizations/\(org.id)", token: TestServer.adminToken)
            #expect(plain["branding"] == ["display_name": nil, "logo_url": nil, "accent_color": nil])

            let set = try await Self.setBranding(server, org, Self.brand)
            #expect(set.status == .ok, "\(set.json)")
            // Stored in the colour's lower case; Polar's `avatar_url` shows the logo too.
            let expected: JSONValue = [
                "display_name": "Acme Cloud", "logo_url": "https://cdn.acme.example/logo.svg?v=2", "accent_color": "#ffd400",
            ]
            #expect(set["branding"] == expected)
            #expect(set["avatar_url"] == "https://cdn.acme.example/logo.svg?v=2")
            let fetched = try await server.request(.get, "/v1/organizations/\(org.id)", token: TestServer.adminToken)
            #expect(fetched["branding"] == expected)

            // A part left out stays; null clears one.
            let cleared = try await Self.setBranding(server, org, ["logo_url": nil])
            #expect(cleared["branding"] == ["display_name": "Acme Cloud", "logo_url": nil, "accent_color": "#ffd400"])
            #expect(cleared["avatar_url"] == .null)

            // A new organization may be branded from the start.
            let created = try await server.request(.post, "/v1/organizations/", token: TestServer.adminToken, json: [
                "name": "Globex", "slug": .string("globex-\(UUID().wire.prefix(8))"), "branding": ["accent_color": "#102030"],
            ])
            #expect(created.status == .created, "\(created.json)")
            #expect(created["branding"]?["accent_color"] == "#102030")
        }
    }

    @Test(arguments: Backend.all)
    func brandingThatCouldInjectIsRefusedWhereItIs(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let colour = "Value error, \(Branding.accentColorRule)"
            let logo = "Value error, \(Branding.logoURLRule)"
            let name = "Value error, \(Branding.displayNameRule)"
            let cases: [(String, JSONValue, String, String)] = [
                ("accent_color", "#fff;}body{background:url(x)}", "string_too_long", "String should have at most 7 characters"),
                ("accent_color", "#fff;}b", "value_error", colour),
                ("accent_color", "red", "value_error", colour),
                ("accent_color", 7, "string_type", "Input should be a valid string"),
                ("logo_url", "https://cdn.example; script-src *", "value_error", logo),
                ("logo_url", "javascript:alert(1)", "value_error", logo),
                ("logo_url", "http://cdn.example/logo.png", "value_error", logo),
                ("display_name", "Acme\r\nBcc: x@example.com", "value_error", name),
                ("display_name", "", "value_error", name),
            ]
            for (field, value, type, message) in cases {
                let response = try await Self.setBranding(server, org, [field: value])
                SeatSupport.expectValidation(response, type: type, loc: ["body", "branding", .string(field)], msg: message,
                                             "\(field) \(value)")
            }
            let notAnObject = try await Self.setBranding(server, org, "blue")
            #expect(notAnObject.status == .unprocessableContent)
            // Nothing was changed by the refusals.
            let fetched = try await server.request(.get, "/v1/organizations/\(org.id)", token: TestServer.adminToken)
            #expect(fetched["branding"] == ["display_name": nil, "logo_url": nil, "accent_color": nil])
        }
    }

    /// The inline style of a page and the policy's `style-src` hash of it.
    static func style(of page: TestPage) -> (text: String, hash: String)? {
        guard let start = page.html.range(of: "<style>"), let end = page.html.range(of: "</style>") else { return nil }
        let text = String(page.html[start.upperBound..<end.lowerBound])
        return (text, Data(SHA256.hash(data: Data(text.utf8))).base64EncodedString())
    }

    @Test(arguments: Backend.all)
    func theClaimPageAndThePortalShowTheBrandInsteadOfTessera(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            #expect(try await Self.setBranding(server, org, Self.brand).status == .ok)
            let (pool, _, token) = try await PageTests.invitation(server, org)
            var browser = TestBrowser(server)
            let page = try await browser.get("/\(org.slug)/portal/claim?token=\(token)")
            #expect(page.status == .ok)
            #expect(page.html.contains(#"<p class="site-name"><img class="logo" src="https://cdn.acme.example/logo.svg?v=2""#))
            #expect(page.html.contains("Acme Cloud</p>"))
            #expect(page.html.contains("<strong>Acme Cloud</strong> has a seat for you."))
            #expect(!page.html.contains(">Tessera</p>"))
            let style = try #require(Self.style(of: page))
            #expect(style.text == ":root { --accent: #ffd400; --accent-ink: #000000; }")
            // The policy allows exactly that style and the logo's origin, nothing else more.
            let policy = try #require(page.headers[.contentSecurityPolicy])
            #expect(policy == "default-src 'none'; style-src 'self' 'sha256-\(style.hash)'; "
                + "img-src 'self' https://cdn.acme.example; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")

            // The portal, signed in as the pool's billing customer, wears the same brand.
            let session = try await PageTests.sessionToken(server, org, customerId: pool.customerId)
            let signIn = try await browser.get("/\(org.slug)/portal?customer_session_token=\(session)")
            let portal = try await browser.get(try #require(signIn.location))
            #expect(portal.status == .ok)
            #expect(portal.html.contains("Seats at Acme Cloud"))
            #expect(Self.style(of: portal)?.text == style.text)
            #expect(portal.headers[.contentSecurityPolicy] == policy)
        }
    }

    @Test(arguments: Backend.all)
    func anUnbrandedPageKeepsTessera(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            // A display name alone: no logo origin and no style widen the policy.
            #expect(try await Self.setBranding(server, org, ["display_name": "Initech"]).status == .ok)
            let (_, _, token) = try await PageTests.invitation(server, org)
            let page = try await server.page(.get, "/\(org.slug)/portal/claim?token=\(token)")
            #expect(page.html.contains(#"<p class="site-name">Initech</p>"#))
            #expect(!page.html.contains("<style>") && !page.html.contains("<img"))
            PageTests.expectPageHeaders(page)
            // Cleared, the page is Tessera's again.
            #expect(try await Self.setBranding(server, org, ["display_name": nil]).status == .ok)
            let plain = try await server.page(.get, "/\(org.slug)/portal/claim?token=\(token)")
            #expect(plain.html.contains(#"<p class="site-name">Tessera</p>"#))
        }
    }

    @Test(arguments: Backend.all)
    func theInvitationEmailCarriesTheBrand(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            #expect(try await Self.setBranding(server, org, Self.brand).status == .ok)
            _ = try await PageTests.invitation(server, org, email: "grace@example.com")
            let message = try #require(server.mail.messages.last { $0.to == "grace@example.com" })
            #expect(message.text.contains("from Acme Cloud."))
            #expect(!message.text.contains(org.name))
            #expect(message.html.contains(#"<img src="https://cdn.acme.example/logo.svg?v=2" alt="Acme Cloud" height="40">"#))
            #expect(message.html.contains("background: #ffd400; color: #000000;"))
        }
    }
}
