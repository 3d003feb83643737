import Foundation
import Hummingbird
import TesseraCore
import TesseraStore

/// The browser side: the claim page behind every invitation link, and the customer portal
/// where a customer's people see and hand out the seats their company bought. Plain HTML
/// forms (no JavaScript), calling the same use cases as the portal API with the same scope.
///
/// Every error of these routes becomes an HTML page (`PageErrorMiddleware`); none reaches the
/// JSON error middleware.
struct PageController {
    let operations: SeatOperations
    let publicURL: String
    /// Signs the forms' anti-forgery tokens (`CSRFToken`).
    let formKey: FormTokenKey
    let now: @Sendable () -> Date

    var database: TesseraDatabase { operations.database }
    var sessions: PortalSessions { PortalSessions(database: database, now: now) }
    var csrf: CSRFToken { CSRFToken(key: formKey) }
    /// Cookies are marked `Secure` when the server is reached over https.
    var secureCookies: Bool { publicURL.lowercased().hasPrefix("https://") }

    func register(on routes: Routes<TesseraRequestContext>) {
        // The router does not fall back from a constant first segment to `:slug`, so the
        // stylesheet lives under `_static`, which no organization slug can be.
        // The stylesheet sets its own (cacheable) headers and throws nothing.
        routes.add(.get, "/_static/tessera.css", stylesheet)
        let pages = routes.behind(PageErrorMiddleware(secureCookies: secureCookies))
        pages.add(.get, "/:slug/portal/claim", claimPage)
        pages.add(.post, "/:slug/portal/claim", claim)
        pages.add(.get, "/:slug/portal", portal)
        pages.add(.post, "/:slug/portal/seats", assign)
        pages.add(.post, "/:slug/portal/seats/bulk", assignMany)
        pages.add(.post, "/:slug/portal/seats/:seat_id/resend", resend)
        pages.add(.post, "/:slug/portal/seats/:seat_id/revoke", revoke)
        pages.add(.get, "/:slug/portal/seats/:seat_id/history", history)
        pages.add(.post, "/:slug/portal/sign-out", signOut)
    }

    static func portalPath(_ slug: String) -> String { "/\(slug)/portal" }

    // MARK: Every page

    @Sendable func stylesheet(_ request: Request, context: TesseraRequestContext) async throws -> Response {
        var response = Response(
            status: .ok, headers: [.contentType: "text/css; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: PageStylesheet.css + DashboardTemplates.css)))
        PageRenderer.addSecurityHeaders(to: &response.headers, cacheable: true)
        return response
    }

    private func slug(_ context: TesseraRequestContext) -> String {
        context.parameters.get("slug") ?? ""
    }

    // MARK: Claim

    /// The invitation. Reads only: mail scanners that follow the link change nothing.
    @Sendable func claimPage(_ request: Request, context: TesseraRequestContext) async throws -> Response {
        let slug = slug(context)
        guard let token = QueryFields(request).string("token") else { throw PageFailure.invalidInvitation }
        let info = try await invitation(token: token, slug: slug)
        // A fresh nonce on every visit: the server signs only nonces it made itself.
        let visit = csrf.start(.claim)
        var response = PageRenderer.html("claim", title: "Claim your seat", values: [
            "organization_name": info.offer.organization.customerFacingName, "product_name": info.offer.productName, "email": info.email,
            "slug": info.offer.organization.slug, "token": token, "csrf": visit.token,
        ], brand: PageBrand(info.offer.organization))
        response.setCookie(CSRFToken.nonceCookie(visit.nonce, for: .claim, secure: secureCookies))
        return response
    }

    /// Claims the seat (single use) and shows what the person now has, with a link into the
    /// portal that signs them in with the new session.
    @Sendable func claim(_ request: Request, context: TesseraRequestContext) async throws -> Response {
        let slug = slug(context)
        let form = try await FormFields.read(request)
        let token = form.trimmed("token")
        guard csrf.isValid(form, request: request, visit: .claim) else {
            let back = token.flatMap { token -> (href: String, text: String)? in
                guard OrganizationSlug.isValid(slug),
                      let query = token.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) else { return nil }
                return ("/\(slug)/portal/claim?token=\(query)", "Back to the invitation")
            }
            throw PageFailure.forgedForm(retry: back)
        }
        guard let token else { throw PageFailure.invalidInvitation }
        let info = try await invitation(token: token, slug: slug)
        let session: SecretToken
        do {
            (_, session) = try await operations.claim(token: token)
        } catch TesseraError.invalidInvitationToken, TesseraError.notFound {
            // Used, expired or revoked between the page and the post, or its seat is gone.
            throw PageFailure.invalidInvitation
        }
        let organizationSlug = info.offer.organization.slug
        return PageRenderer.html("claimed", title: "Seat claimed", values: [
            "organization_name": info.offer.organization.customerFacingName, "product_name": info.offer.productName, "email": info.email,
            "portal_href": "\(Self.portalPath(organizationSlug))?customer_session_token=\(session.value)",
        ], brand: PageBrand(info.offer.organization))
    }

    /// What a usable invitation of this organization is for; anything else is the 404 page.
    private func invitation(token: String, slug: String) async throws -> SeatOperations.ClaimInfo {
        let info: SeatOperations.ClaimInfo
        do {
            info = try await operations.claimInfo(token: token)
        } catch is TesseraError {
            throw PageFailure.invalidInvitation
        }
        guard info.offer.organization.slug == slug else { throw PageFailure.invalidInvitation }
        return info
    }

    // MARK: Portal

    /// With `?customer_session_token=`: signs in (a cookie) and redirects to the bare URL, so
    /// the token leaves the address bar and history. Without it: the signed-in customer's pools.
    @Sendable func portal(_ request: Request, context: TesseraRequestContext) async throws -> Response {
        let slug = slug(context)
        let query = QueryFields(request)
        if let token = query.string("customer_session_token") {
            let viewer = try await signedIn(token: token, slug: slug, context: context)
            let path = Self.portalPath(viewer.organization.slug)
            var response = PageRenderer.redirect(to: path)
            let lifetime = viewer.session.expiresAt.map { Int($0.timeIntervalSince(now()).rounded()) }
            response.setCookie(PortalSessionCookie.setting(
                token, path: path, maxAge: lifetime ?? Int(SecretLifetime.customerSession), secure: secureCookies))
            return response
        }
        let viewer = try await signedIn(request, slug: slug, context: context)
        let notice = query.string("notice").flatMap(PortalNotice.init(rawValue:))
        // A later page of one pool's seats; a link that is not one of ours shows the first pages.
        let page = query.string("pool").flatMap { UUID(wire: $0) }.flatMap { pool in
            query.string("cursor").flatMap(ListCursor.init(text:)).map { (poolId: pool, cursor: $0) }
        }
        return try await portalPage(request, viewer: viewer, notice: notice, seatPage: page)
    }

    @Sendable func assign(_ request: Request, context: TesseraRequestContext) async throws -> Response {
        let (viewer, form) = try await portalForm(request, context: context)
        let pool = Self.pool(form)
        do {
            try viewer.requireSeatManager()
            _ = try await operations.assign(try Self.assignment(form, pool: pool), scope: viewer.caller.scope)
        } catch let error where PageErrorMessage(error) != nil {
            return try await portalPage(request, viewer: viewer, error: PageErrorMessage(error),
                                        form: (pool?.id, form.trimmed("email") ?? ""))
        }
        return PageRenderer.redirect(to: "\(Self.portalPath(viewer.organization.slug))?notice=\(PortalNotice.assigned.rawValue)")
    }

    /// A pasted list of addresses: each invited as the single form would be, in one request;
    /// the page then says who was invited, who already had a seat, and why anyone was not.
    @Sendable func assignMany(_ request: Request, context: TesseraRequestContext) async throws -> Response {
        let (viewer, form) = try await portalForm(request, context: context)
        let pool = Self.pool(form)
        let outcome: PortalBulkOutcome
        do {
            try viewer.requireSeatManager()
            let (emails, bulk) = try Self.bulkAssignment(form, pool: pool)
            outcome = PortalBulkOutcome(emails: emails, outcomes: try await operations.assign(bulk, scope: viewer.caller.scope))
        } catch let error where PageErrorMessage(error) != nil {
            return try await portalPage(request, viewer: viewer, error: PageErrorMessage(error))
        }
        return try await portalPage(request, viewer: viewer, bulk: outcome)
    }

    @Sendable func resend(_ request: Request, context: TesseraRequestContext) async throws -> Response {
        try await changeSeat(request, context: context, notice: .resent) { seatId, scope in
            _ = try await operations.resend(seatId: seatId, scope: scope)
        }
    }

    @Sendable func revoke(_ request: Request, context: TesseraRequestContext) async throws -> Response {
        try await changeSeat(request, context: context, notice: .revoked) { seatId, scope in
            _ = try await operations.revoke(seatId: seatId, scope: scope)
        }
    }

    /// A seat's history, newest first, 50 changes a page (`?cursor=` for older ones). Anyone
    /// signed in who may see the seat may see its history.
    @Sendable func history(_ request: Request, context: TesseraRequestContext) async throws -> Response {
        let viewer = try await signedIn(request, slug: slug(context), context: context)
        try viewer.organization.requireSeatFeature()
        guard let seatId = context.parameters.get("seat_id").flatMap({ UUID(wire: $0) }) else {
            throw PageFailure.seatNotFound
        }
        let cursor = QueryFields(request).string("cursor").flatMap(ListCursor.init(text:))
        let page: CursorPage<SeatEvent>
        do {
            page = try await operations.history(seatId: seatId, scope: viewer.caller.scope, limit: 50, after: cursor)
        } catch TesseraError.notFound {
            throw PageFailure.seatNotFound
        }
        let path = "\(Self.portalPath(viewer.organization.slug))/seats/\(seatId.wire)/history"
        return PageRenderer.html("history", title: "History of a seat", values: [
            "slug": viewer.organization.slug,
            "events": page.items.map { SeatHistoryRow($0, viewer: viewer).values },
            "older_href": page.next.map { "\(path)?cursor=\($0.text)" } ?? "",
        ], brand: PageBrand(viewer.organization))
    }

    @Sendable func signOut(_ request: Request, context: TesseraRequestContext) async throws -> Response {
        let slug = slug(context)
        let form = try await FormFields.read(request)
        // Without a session cookie there is nothing to end; with one, the form must be its own.
        if let token = request.cookies[PortalSessionCookie.name]?.value, !token.isEmpty,
           !csrf.isValid(form, for: .portalSession(tokenHash: SecretToken.hash(token))) {
            throw PageFailure.forgedForm(retry: nil)
        }
        var failure = PageFailure(
            status: .ok, title: "Signed out", heading: "You are signed out",
            paragraphs: ["To come back, open a portal link again."], tone: "success")
        if OrganizationSlug.isValid(slug) { failure.clearsSessionAt = Self.portalPath(slug) }
        return PageRenderer.page(for: failure, secureCookies: secureCookies)
    }

    /// Resend and revoke: the seat id from the path, then back to the portal with a notice.
    private func changeSeat(
        _ request: Request, context: TesseraRequestContext, notice: PortalNotice,
        _ change: (UUID, SeatOperations.Scope) async throws -> Void
    ) async throws -> Response {
        let (viewer, _) = try await portalForm(request, context: context)
        do {
            try viewer.requireSeatManager()
            guard let seatId = context.parameters.get("seat_id").flatMap({ UUID(wire: $0) }) else {
                throw TesseraError.notFound(.seat)
            }
            try await change(seatId, viewer.caller.scope)
        } catch let error where PageErrorMessage(error) != nil {
            return try await portalPage(request, viewer: viewer, error: PageErrorMessage(error))
        }
        return PageRenderer.redirect(to: "\(Self.portalPath(viewer.organization.slug))?notice=\(notice.rawValue)")
    }

    /// A portal form post: the session (else 401), then the anti-forgery token bound to that
    /// session (else 403).
    private func portalForm(_ request: Request, context: TesseraRequestContext) async throws
        -> (PortalViewer, FormFields)
    {
        let form = try await FormFields.read(request)
        let viewer = try await signedIn(request, slug: slug(context), context: context)
        guard csrf.isValid(form, for: .portalSession(tokenHash: viewer.sessionTokenHash)) else {
            throw PageFailure.forgedForm(retry: (Self.portalPath(viewer.organization.slug), "Back to your seats"))
        }
        return (viewer, form)
    }

    /// The pool an assign form names in its hidden field.
    static func pool(_ form: FormFields) -> SeatPoolReference? {
        form.trimmed("subscription_id").flatMap { UUID(wire: $0) }.map(SeatPoolReference.subscription)
            ?? form.trimmed("order_id").flatMap { UUID(wire: $0) }.map(SeatPoolReference.order)
    }

    /// The assign form as the use case takes it: an email (required here) and the pool.
    static func assignment(_ form: FormFields, pool: SeatPoolReference?) throws -> SeatAssignment {
        guard let email = form.trimmed("email") else {
            throw FormProblem(message: "Enter the email address of the person to invite.")
        }
        guard let pool else { throw TesseraError.poolNotGiven }
        // Checked here as well as in `validate`, so the person reads the rule in words for them
        // rather than the API's issue.
        if let problem = EmailAddress.problem(with: email) {
            throw FormProblem(message: "That email address is not valid: \(problem)")
        }
        return try assignment(email: email, pool: pool)
    }

    /// The pasted-list form: addresses separated by new lines, commas, semicolons or spaces,
    /// each named once, at most `BulkAssignment.maximumRows`. Returns them with the request.
    static func bulkAssignment(_ form: FormFields, pool: SeatPoolReference?) throws -> ([String], BulkAssignment) {
        let separators = CharacterSet.whitespacesAndNewlines.union(CharacterSet(charactersIn: ",;"))
        var seen = Set<String>()
        let emails = (form.trimmed("emails") ?? "").components(separatedBy: separators)
            .filter { !$0.isEmpty && seen.insert(EmailAddress.normalized($0)).inserted }
        guard !emails.isEmpty else { throw FormProblem(message: "Paste the email addresses of the people to invite.") }
        guard emails.count <= BulkAssignment.maximumRows else {
            throw FormProblem(message: "Paste at most \(BulkAssignment.maximumRows) addresses at a time; this list has \(emails.count).")
        }
        guard let pool else { throw TesseraError.poolNotGiven }
        let rows = emails.map { email in
            Result { () throws(ValidationFailure) -> SeatAssignment in try assignment(email: email, pool: pool) }
        }
        return (emails, BulkAssignment(pool: pool, rows: rows, atomic: false))
    }

    private static func assignment(email: String, pool: SeatPoolReference) throws(ValidationFailure) -> SeatAssignment {
        try SeatAssignment.validate(
            subscriptionId: pool.subscriptionId, orderId: pool.orderId, email: email, customerId: nil,
            externalCustomerId: nil, memberId: nil, externalMemberId: nil, metadata: nil, immediateClaim: false,
            body: ["email": .string(email)])
    }

    // MARK: Sessions

    /// The viewer of the browser's session cookie, or the 401 page (which also clears it).
    private func signedIn(_ request: Request, slug: String, context: TesseraRequestContext) async throws -> PortalViewer {
        guard let token = request.cookies[PortalSessionCookie.name]?.value, !token.isEmpty else {
            throw PageFailure.signIn(slug: OrganizationSlug.isValid(slug) ? slug : nil)
        }
        return try await signedIn(token: token, slug: slug, context: context)
    }

    /// The viewer a session token signs in on this organization's portal (`PortalSessions`):
    /// an unknown organization is the 404 page, anything but a live session the 401 page.
    /// The access log names the session (by its id).
    private func signedIn(token: String, slug: String, context: TesseraRequestContext) async throws -> PortalViewer {
        switch try await sessions.viewer(token: token, slug: slug) {
        case .unknownOrganization: throw PageFailure.portalNotFound
        case .signedOut: throw PageFailure.signIn(slug: OrganizationSlug.isValid(slug) ? slug : nil)
        case .signedIn(let viewer):
            context.observation.caller = AccessLogCaller(kind: "portal_session", id: viewer.session.id)
            return viewer
        }
    }

    // MARK: The portal page

    private func portalPage(
        _ request: Request, viewer: PortalViewer, notice: PortalNotice? = nil, error: PageErrorMessage? = nil,
        form: (poolId: UUID?, email: String)? = nil, bulk: PortalBulkOutcome? = nil,
        seatPage: (poolId: UUID, cursor: ListCursor)? = nil
    ) async throws -> Response {
        try viewer.organization.requireSeatFeature()
        let overview = try await database.read { session in
            try await PortalOverview.load(session, viewer: viewer, page: seatPage)
        }
        let token = csrf.token(for: .portalSession(tokenHash: viewer.sessionTokenHash))
        let values = overview.values(viewer: viewer, csrf: token, notice: notice, error: error, form: form, bulk: bulk)
        return PageRenderer.html(
            "portal", title: "Seats at \(viewer.organization.customerFacingName)", values: values,
            brand: PageBrand(viewer.organization), status: error?.status ?? .ok)
    }
}

/// The short confirmations shown after a form, named in the redirect's query.
enum PortalNotice: String {
    case assigned, resent, revoked

    var text: String {
        switch self {
        case .assigned: "Seat assigned. An invitation email is on its way."
        case .resent: "A fresh invitation was sent. The previous link no longer works."
        case .revoked: "Seat revoked. It is free for someone else."
        }
    }
}
