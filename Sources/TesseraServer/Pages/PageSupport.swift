import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Mustache
import NIOCore
import TesseraCore
import TesseraStore

/// A page that ends a request early: an invalid link, a refused form, a request to sign in.
/// Page handlers throw it; `PageErrorMiddleware` renders it, never the JSON error middleware.
struct PageFailure: Error {
    var status: HTTPResponse.Status
    var title: String
    var heading: String
    var paragraphs: [String]
    var link: (href: String, text: String)?
    var tone = "error"
    /// The portal path whose session cookie is cleared with this page.
    var clearsSessionAt: String?
    /// Whether the dashboard's session cookie is cleared with this page.
    var clearsDashboardSession = false

    /// An invitation link that is unknown, expired, used, replaced or revoked: 404.
    static var invalidInvitation: PageFailure {
        PageFailure(
            status: .notFound, title: "Invitation link no longer valid",
            heading: "This invitation link is no longer valid",
            paragraphs: [
                "It may have expired (links work for 24 hours), been used already, been replaced by a newer invitation, or the seat was taken back.",
                "Ask the person who invited you for a new invitation.",
            ])
    }

    /// No session, or one that ended: 401 with nothing of the portal on the page.
    static func signIn(slug: String?) -> PageFailure {
        PageFailure(
            status: .unauthorized, title: "Sign in again", heading: "Please sign in again",
            paragraphs: [
                "Your portal session has ended, or this browser is not signed in. Sessions last an hour.",
                "Open the portal link you were given again, or ask the company you buy from to send you a new one.",
            ],
            tone: "warning", clearsSessionAt: slug.map(PageController.portalPath))
    }

    /// A form whose anti-forgery field is not this browser's token (`CSRFToken`): 403.
    static func forgedForm(retry: (href: String, text: String)?) -> PageFailure {
        PageFailure(
            status: .forbidden, title: "Form expired", heading: "This form could not be accepted",
            paragraphs: [
                "It was sent without the security check this browser was given, for example from an old tab, another site, or with cookies turned off.",
                "Nothing was changed. Go back, reload the page and try again.",
            ],
            link: retry)
    }

    static var portalNotFound: PageFailure {
        PageFailure(status: .notFound, title: "Not found", heading: "There is no seat portal here",
                    paragraphs: ["Check the link you followed, or ask the company you buy from for a new one."])
    }

    /// A seat the signed-in customer cannot see (another's, or none): 404.
    static var seatNotFound: PageFailure {
        PageFailure(status: .notFound, title: "Not found", heading: "There is no such seat here",
                    paragraphs: ["It may belong to another team, or the link is wrong."],
                    link: nil)
    }

    static var tooLarge: PageFailure {
        PageFailure(status: .contentTooLarge, title: "Form too large", heading: "This form is too large",
                    paragraphs: ["Nothing was changed. Go back and try again with less text."])
    }

    static var unexpected: PageFailure {
        PageFailure(status: .internalServerError, title: "Something went wrong", heading: "Something went wrong",
                    paragraphs: ["Nothing you did caused this. Try again in a moment."])
    }
}

/// A field of a portal form that the person must correct: 422, in words for them (the API's
/// FastAPI-shaped issues are for programs).
struct FormProblem: Error {
    var message: String
}

/// An error of a use case, as a person reads it on a page.
struct PageErrorMessage {
    var status: HTTPResponse.Status
    var heading: String
    var message: String

    /// The readable form of a use-case error, or nil for errors that are not the person's to fix.
    init?(_ error: any Error) {
        switch error {
        case let error as TesseraError:
            // The same status as the API gives the code.
            status = error.http.status
            (heading, message) = Self.describe(error)
        case let problem as FormProblem:
            status = .unprocessableContent
            heading = "Please check the form"
            message = problem.message
        case let failure as ValidationFailure:
            status = .unprocessableContent
            heading = "Please check the form"
            message = failure.issues.map(\.msg).joined(separator: " ")
        case let error as DatabaseError where error.isConcurrentChange:
            status = .conflict
            heading = "Someone else changed this at the same time"
            message = "Nothing was changed. Reload the page and try again."
        case DatabaseError.busy, DatabaseError.unavailable, DatabaseError.statementTimeout:
            status = .serviceUnavailable
            heading = "Busy"
            message = "The server's database could not answer just now. Nothing was changed. Try again in a moment."
        case DatabaseError.storageFull:
            status = .serviceUnavailable
            heading = "Nothing was changed"
            message = "The server has no space left to save this. Try again later."
        default:
            return nil
        }
    }

    /// A heading and a sentence for each code. No `default`: a new code gets its words here.
    private static func describe(_ error: TesseraError) -> (String, String) {
        switch error {
        case .notPermitted:
            ("Not permitted",
             "Your role lets you see your team's seats, but not change them. Ask an owner or billing manager of your team.")
        case .seatNotAvailable:
            ("No free seats", "Every seat of this plan is in use. Revoke a seat to free it, or ask for more seats.")
        case .notEnoughSeats(let needed, let available):
            ("Not enough free seats",
             "\(needed) of these people need a seat and this plan has \(available) free. Nobody was invited: "
                + "revoke seats, ask for more, or invite fewer people.")
        case .seatNotActive:
            ("Cannot transfer", "Only a seat in use can be handed to someone else; a revoked seat is free to assign.")
        case .seatNotPending:
            ("Cannot re-send", "Only a pending invitation can be re-sent; this seat is already claimed or revoked.")
        case .seatAlreadyAssigned:
            ("Already has a seat", "This person already has a seat in this plan.")
        case .notFound, .customerNotFound, .memberNotFound:
            ("Not found", "\(error.message). It may belong to someone else, or this page is out of date: reload it.")
        case .featureNotEnabled:
            ("Seats are turned off", error.message)
        case .orderNotPaid, .invalidInvitationToken, .invalidSeatAssignmentRequest, .memberEmailMismatch,
             .memberExternalIdMismatch, .poolNotGiven, .alreadyCanceledSubscription, .notASeatBasedSubscription,
             .belowMinimumSeats, .aboveMaximumSeats, .seatsAlreadyAssigned, .seatsWithoutSeatBasedPrice,
             .seatsRequiredBySeatBasedPrice, .paidOrderCannotBecomePending, .slugTaken, .licenseKeyNotActive,
             .licenseKeyExpired, .licenseKeyUsageExceeded, .licenseKeyActivationsNotSupported,
             .licenseKeyActivationLimitReached, .licenseKeyGrantRevoked, .licenseKeyUsageAboveLimit,
             .idempotencyKeyInUse, .idempotencyKeyReused:
            ("That did not work", error.message)
        }
    }
}

/// Renders every error of the page routes as an HTML page with its status, and gives every
/// page answer the pages' security headers. It sits inside the router's JSON error
/// middleware, so nothing a page handler throws reaches that one.
struct PageErrorMiddleware: RouterMiddleware {
    typealias Context = TesseraRequestContext

    /// Whether cookies the error pages clear are marked `Secure`.
    let secureCookies: Bool

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            response = PageRenderer.page(for: failure(for: error, context: context), secureCookies: secureCookies)
        }
        PageRenderer.addSecurityHeaders(to: &response.headers)
        return response
    }

    private func failure(for error: any Error, context: Context) -> PageFailure {
        if let failure = error as? PageFailure { return failure }
        if let message = PageErrorMessage(error) {
            return PageFailure(status: message.status, title: message.heading, heading: message.heading,
                               paragraphs: [message.message])
        }
        context.logger.error("page failed", metadata: ["error": "\(loggableDescription(of: error))"])
        return .unexpected
    }
}

/// Renders templates into complete pages and gives every page answer the same headers.
enum PageRenderer {
    /// `content` rendered with `values`, inside the layout, under `brand`.
    static func render(_ template: String, title: String, values: [String: Any], brand: PageBrand = .tessera) -> String {
        let library = PageTemplates.library
        let content = library.render(values, withTemplate: template) ?? ""
        var layout: [String: Any] = ["title": title, "site_name": brand.name, "content": content]
        if let logo = brand.logoURL { layout["logo_url"] = logo }
        if let style = brand.style { layout["brand_style"] = style }
        return library.render(layout, withTemplate: "layout") ?? ""
    }

    /// A page under `brand`, with the policy that lets its logo and accent colour through.
    static func html(_ template: String, title: String, values: [String: Any], brand: PageBrand = .tessera,
                     status: HTTPResponse.Status = .ok) -> Response
    {
        var response = Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: render(template, title: title, values: values, brand: brand))))
        response.headers[.contentSecurityPolicy] = brand.contentSecurityPolicy
        return response
    }

    static func page(for failure: PageFailure, secureCookies: Bool) -> Response {
        var values: [String: Any] = [
            "heading": failure.heading, "paragraphs": failure.paragraphs, "tone": failure.tone,
            "has_link": failure.link != nil,
        ]
        if let link = failure.link {
            values["link_href"] = link.href
            values["link_text"] = link.text
        }
        var response = html("message", title: failure.title, values: values, status: failure.status)
        if let path = failure.clearsSessionAt {
            response.setCookie(PortalSessionCookie.clearing(path: path, secure: secureCookies))
        }
        if failure.clearsDashboardSession {
            response.setCookie(DashboardSessionCookie.clearing(secure: secureCookies))
        }
        return response
    }

    static func redirect(to location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }

    /// The policy of every page: nothing from other hosts, no script at all, no framing, no
    /// form posting elsewhere, and no Referer (claim and sign-in links carry tokens). A branded
    /// page widens it by its logo's origin and its accent's style alone (`PageBrand`).
    static let contentSecurityPolicy = PageBrand.tessera.contentSecurityPolicy

    /// The headers of every page; a policy the page set for its brand stays.
    static func addSecurityHeaders(to headers: inout HTTPFields, cacheable: Bool = false) {
        if headers[.contentSecurityPolicy] == nil { headers[.contentSecurityPolicy] = contentSecurityPolicy }
        headers[.xContentTypeOptions] = "nosniff"
        if let referrerPolicy { headers[referrerPolicy] = "no-referrer" }
        headers[.cacheControl] = cacheable ? "public, max-age=3600" : "no-store"
    }

    /// HTTPTypes has no constant for it; the name is a valid token, so this is never nil.
    private static let referrerPolicy = HTTPField.Name("Referrer-Policy")

    /// `2026-05-01` for a day counted from 1970 (UTC).
    static func date(day: Int) -> String {
        String(Timestamp.format(Date(timeIntervalSince1970: TimeInterval(day) * 86_400)).prefix(10))
    }

    /// `2026-05-01 14:00 UTC` for an hour counted from 1970.
    static func hour(_ hour: Int) -> String {
        text(ofISO: Timestamp.format(Date(timeIntervalSince1970: TimeInterval(hour) * 3_600)))
    }

    /// `2026-05-01 14:03 UTC`, and the ISO 8601 form for `<time datetime>`. Cut from the ISO
    /// text (`2026-05-01T14:03:07.123456Z`): a `Calendar` per call made a page of times slow.
    static func time(_ date: Date) -> [String: Any] {
        let iso = Timestamp.format(date)
        return ["text": text(ofISO: iso), "iso": iso]
    }

    private static func text(ofISO iso: String) -> String {
        "\(iso.prefix(10)) \(iso.dropFirst(11).prefix(5)) UTC"
    }
}

/// `application/x-www-form-urlencoded` fields of a request body (at most 64 KB).
struct FormFields {
    static let maximumSize = 64 * 1024

    private let values: [String: String]

    static func read(_ request: Request) async throws -> FormFields {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: maximumSize)
        } catch is NIOTooManyBytesError {
            throw PageFailure.tooLarge
        }
        return FormFields(encoded: String(decoding: buffer.readableBytesView, as: UTF8.self))
    }

    /// Parses `a=1&b=two+words`; the first of repeated names wins.
    init(encoded: String) {
        var values: [String: String] = [:]
        for pair in encoded.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = Self.decode(parts[0])
            let value = parts.count > 1 ? Self.decode(parts[1]) : ""
            if values[name] == nil { values[name] = value }
        }
        self.values = values
    }

    private static func decode(_ text: Substring) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }

    subscript(_ name: String) -> String? { values[name] }

    /// The field with surrounding white space removed; nil when absent or blank.
    func trimmed(_ name: String) -> String? {
        guard let value = values[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else {
            return nil
        }
        return value
    }
}

/// Cross-site request forgery protection: every form carries a token that is the HMAC-SHA256,
/// under the server's `FormTokenKey`, of who is filling it in (`Holder`):
///
/// - a portal or dashboard form: the session, by its token's hash (the token is a 256-bit
///   secret in an `HttpOnly` cookie);
/// - the claim form and the dashboard's sign-in form, which come before any session: a fresh
///   random nonce that this visit to the page sets as a cookie (`HttpOnly`, `SameSite=Strict`).
///
/// Another site can make a browser post a form but cannot read the page, so it cannot know the
/// token. A plain double submit (the same random value in a cookie and in the field) also falls
/// to anyone who can set a cookie for this host, from a sibling subdomain or over plain http: they
/// plant a pair of their choosing. Here a value the attacker chose never passes, because only the
/// key makes its token, and the server never signs a nonce the browser sent (each visit makes a
/// new one).
struct CSRFToken {
    static let fieldName = "csrf"

    /// Who fills a form in. Each kind is prefixed in what is signed, so that one kind's token is
    /// never another's.
    enum Holder {
        case portalSession(tokenHash: String)
        case dashboardSession(tokenHash: String)
        case visit(Visit, nonce: String)

        var identity: String {
            switch self {
            case .portalSession(let hash): "portal-session:\(hash)"
            case .dashboardSession(let hash): "dashboard-session:\(hash)"
            case .visit(.claim, let nonce): "claim-visit:\(nonce)"
            case .visit(.dashboardSignIn, let nonce): "dashboard-sign-in:\(nonce)"
            }
        }
    }

    /// A page that comes before any session, whose form is bound to a nonce cookie of its own
    /// (so that opening one page does not replace the other's).
    enum Visit {
        case claim, dashboardSignIn

        var cookieName: String {
            switch self {
            case .claim: "tessera_csrf"
            case .dashboardSignIn: "tessera_dashboard_csrf"
            }
        }

        var cookiePath: String {
            switch self {
            case .claim: "/"
            case .dashboardSignIn: DashboardSessionCookie.path
            }
        }
    }

    let key: FormTokenKey

    /// The forms' token for `holder`.
    func token(for holder: Holder) -> String {
        key.token(for: holder.identity)
    }

    /// Whether the form's field is the token of `holder`.
    func isValid(_ form: FormFields, for holder: Holder) -> Bool {
        guard let field = form[Self.fieldName] else { return false }
        return key.isValid(field, for: holder.identity)
    }

    /// A new visit to a page before any session: the nonce for its cookie and the token for its form.
    func start(_ visit: Visit) -> (nonce: String, token: String) {
        let nonce = SecretToken.generate(.invitation).value
        return (nonce, token(for: .visit(visit, nonce: nonce)))
    }

    /// Whether the form's field is the token of the nonce in this browser's cookie for `visit`.
    func isValid(_ form: FormFields, request: Request, visit: Visit) -> Bool {
        guard let nonce = request.cookies[visit.cookieName]?.value, Self.isWellFormed(nonce) else { return false }
        return isValid(form, for: .visit(visit, nonce: nonce))
    }

    static func nonceCookie(_ nonce: String, for visit: Visit, secure: Bool) -> Cookie {
        Cookie(name: visit.cookieName, value: nonce, path: visit.cookiePath, secure: secure, httpOnly: true,
               sameSite: .strict)
    }

    /// 43 URL-safe base64 characters: what `start(_:)` makes.
    private static func isWellFormed(_ value: String) -> Bool {
        value.utf8.count == 43 && value.utf8.allSatisfy { byte in
            (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-")
                || byte == UInt8(ascii: "_")
        }
    }
}

/// The portal's sign-in cookie: the session token itself, `HttpOnly` and `SameSite=Lax` (so
/// a link from an email or the merchant's site arrives signed in, while cross-site form
/// posts do not carry it), limited to the organization's portal path and to the session's life.
enum PortalSessionCookie {
    static let name = "tessera_session"

    static func setting(_ token: String, path: String, maxAge: Int, secure: Bool) -> Cookie {
        Cookie(name: name, value: token, maxAge: max(1, maxAge), path: path, secure: secure, httpOnly: true,
               sameSite: .lax)
    }

    static func clearing(path: String, secure: Bool) -> Cookie {
        Cookie(name: name, value: "", maxAge: 0, path: path, secure: secure, httpOnly: true, sameSite: .lax)
    }
}

/// What a page shows of the organization it belongs to, in place of Tessera's own mark: its
/// branding's name, logo and accent colour (`Branding`, where each is checked).
struct PageBrand {
    var name: String
    var logoURL: String?
    var logoOrigin: String?
    /// `:root { --accent: …; --accent-ink: … }`, inline in the page and allowed by its hash.
    var style: String?

    static let tessera = PageBrand(name: "Tessera")

    init(name: String, logoURL: String? = nil, logoOrigin: String? = nil, style: String? = nil) {
        self.name = name
        self.logoURL = logoURL
        self.logoOrigin = logoOrigin
        self.style = style
    }

    /// The organization's brand; Tessera's own mark while it has no branding at all.
    init(_ organization: Organization) {
        let branding = organization.branding
        guard branding != Branding() else {
            self = .tessera
            return
        }
        name = organization.customerFacingName
        logoURL = branding.logoURL
        logoOrigin = branding.logoOrigin
        if let accent = branding.accentColor, let ink = branding.accentInk {
            style = ":root { --accent: \(accent); --accent-ink: \(ink); }"
        }
    }

    /// The pages' policy, widened by exactly this brand's logo origin and style.
    var contentSecurityPolicy: String {
        let images = logoOrigin.map { "'self' \($0)" } ?? "'self'"
        let styles = style.map { "'self' 'sha256-\(Data(SHA256.hash(data: Data($0.utf8))).base64EncodedString())'" } ?? "'self'"
        return "default-src 'none'; style-src \(styles); img-src \(images); form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    }
}
