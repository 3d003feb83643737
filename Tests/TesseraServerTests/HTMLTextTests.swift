import Testing
@testable import TesseraServer

/// HTML escaping: the invitation email's and every page template's (`HTMLText`).
@Suite struct HTMLTextTests {
    @Test func htmlSpecialCharactersAreEscaped() {
        #expect(HTMLText.escape(#"<b>Tom & "Jerry's"</b>"#) == "&lt;b&gt;Tom &amp; &quot;Jerry&#39;s&quot;&lt;/b&gt;")
        #expect(HTMLText.escape("plain text, nothing to do") == "plain text, nothing to do")
    }

    /// A quote followed by a combining mark is one `Character` that is not `"`; HTML still sees
    /// the quote, which would end an attribute and let the rest become markup.
    @Test func aQuoteFollowedByACombiningMarkIsEscaped() {
        let escaped = HTMLText.escape("Evil\"\u{301} onerror=alert(1) x=\"\u{301}")
        #expect(!escaped.unicodeScalars.contains("\""))
        #expect(escaped == "Evil&quot;\u{301} onerror=alert(1) x=&quot;\u{301}")
        #expect(HTMLText.escape("<\u{338}") == "&lt;\u{338}")
    }

    /// The templates escape with `HTMLText` too: swift-mustache's own escaping compares
    /// `Character`s and lets such a quote through, out of an attribute (`class="card {{tone}}"`).
    @Test func templatesEscapeAQuoteFollowedByACombiningMark() {
        let html = PageRenderer.render("message", title: "t", values: [
            "tone": "x\"\u{301} autofocus data-x=\"\u{301}", "heading": "<b\u{301}>", "paragraphs": ["a & \"b\"\u{301}"],
        ])
        #expect(html.contains("class=\"card x&quot;\u{301} autofocus data-x=&quot;\u{301}\""), "\(html)")
        #expect(html.contains("&lt;b\u{301}&gt;"))
        #expect(html.contains("a &amp; &quot;b&quot;\u{301}"))
        #expect(!html.unicodeScalars.split(separator: "\"").contains { $0.first == "\u{301}" }, "no quote is followed by the mark")
    }
}
