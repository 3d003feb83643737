import Testing
import TesseraCore

/// Branding ends up in HTML and in a Content-Security-Policy header: only what cannot carry CSS,
/// markup or a policy directive is accepted.
@Suite struct BrandingRulesTests {
    @Test func anAccentColourIsSixHexDigitsAndNothingElse() {
        #expect(Branding.accentColor("#1A2b3C") == "#1a2b3c")
        #expect(Branding.accentColor("#000000") == "#000000")
        for text in ["1a2b3c", "#1a2b3", "#1a2b3c4", "#12345g", "red", "#fff", "", "#1a2b3c;", "#fff;}body{x:y",
                     "#1a2b3c ", " #1a2b3c", "#１２３４５６", "rgb(1,2,3)"] {
            #expect(Branding.accentColor(text) == nil, "\(text)")
        }
    }

    @Test func theTextOnTheAccentIsWhicheverOfBlackAndWhiteContrastsMore() {
        #expect(Branding(accentColor: "#ffd400").accentInk == "#000000")  // yellow
        #expect(Branding(accentColor: "#ffffff").accentInk == "#000000")
        #expect(Branding(accentColor: "#1a237e").accentInk == "#ffffff")  // dark blue
        #expect(Branding(accentColor: "#000000").accentInk == "#ffffff")
        #expect(Branding().accentInk == nil)
    }

    @Test func aLogoIsAnHTTPSURLWhoseOriginIsPlainSchemeHostAndPort() {
        let accepted: [(String, String)] = [
            ("https://cdn.example.com/logo.png", "https://cdn.example.com"),
            ("https://CDN.Example.com:8443/a/b.svg?v=2", "https://cdn.example.com:8443"),
            ("https://[2001:db8::1]/logo.png", "https://[2001:db8::1]"),
            ("http://localhost:8000/logo.png", "http://localhost:8000"),
            ("http://127.0.0.1/logo.png", "http://127.0.0.1"),
            ("https://example.com", "https://example.com"),
        ]
        for (url, origin) in accepted {
            #expect(Branding(logoURL: url).logoOrigin == origin, "\(url)")
            #expect(Branding.isValidLogoURL(url), "\(url)")
        }
        let refused = [
            "http://cdn.example.com/logo.png",  // plain http beyond loopback: mixed content
            "javascript:alert(1)", "data:image/png;base64,AAAA", "//cdn.example.com/logo.png", "/logo.png",
            "https://user:pass@cdn.example.com/logo.png", "https://cdn.example.com/lo go.png",
            "https://cdn.example.com;script-src *", "https://cdn.example.com:99999/", "https://cdn.example.com:/x",
            "https://cdn.example.com:80a/", "https://-bad.example.com/", "https:///logo.png", "https://exa_mple.com/",
            "https://cdn.example.com/\u{0}", "https://cdn.example.com/é.png", "ftp://cdn.example.com/logo.png",
            "https://" + String(repeating: "a", count: 2048) + ".com/",
        ]
        for url in refused {
            #expect(!Branding.isValidLogoURL(url), "\(url)")
        }
    }

    @Test func aDisplayNameIsShortAndHasNoControlCharacters() {
        #expect(Branding.isValidDisplayName("Acme Cloud"))
        #expect(Branding.isValidDisplayName(String(repeating: "a", count: 100)))
        for text in ["", "   ", String(repeating: "a", count: 101), "Acme\nCloud", "Acme\u{7}"] {
            #expect(!Branding.isValidDisplayName(text), "\(text)")
        }
    }

    @Test func aChangeSetsClearsOrLeavesEachPart() {
        var branding = Branding(displayName: "Acme", logoURL: "https://a.example/l.png", accentColor: "#112233")
        branding.apply(BrandingUpdate(displayName: .some("Acme Cloud"), logoURL: .some(nil)))
        #expect(branding == Branding(displayName: "Acme Cloud", logoURL: nil, accentColor: "#112233"))
    }
}
