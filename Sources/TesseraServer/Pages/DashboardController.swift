import Foundation
import Hummingbird
import TesseraCore
import TesseraStore

/// The merchant's dashboard under `/dashboard`: sign in with an organization access token (or
/// the operator token), then an overview of the organization's seats, invitations, claims and
/// deliveries, its customers and their pools, and a pool's seats with the forms that change
/// them. Plain HTML forms like the portal's, calling the same use cases as the API, with the
/// scopes of the token that opened the session deciding what the pages may change.
struct DashboardController {
    let operations: SeatOperations
    /// For the branding form.
    let organizations: OrganizationOperations
    let sessions: DashboardSessions
    let publicURL: String
    let formKey: FormTokenKey
    let webhookTargetPolicy: WebhookTargetPolicy
    let now: @Sendable () -> Date

    var database: TesseraDatabase { operations.database }
    var csrf: CSRFToken { CSRFToken(key: formKey) }
    var webhookEndpoints: WebhookEndpointOperations {
        WebhookEndpointOperations(database: database, now: now, targetPolicy: webhookTargetPolicy)
    }
    var secureCookies: Bool { publicURL.lowercased().hasPrefix("https://") }

    /// Rows on every page of every list.
    static let pageSize = 50
    static let home = "/dashboard"

    func register(on routes: Routes<TesseraRequestContext>) {
        let pages = routes.behind(PageErrorMiddleware(secureCookies: secureCookies))
        pages.add(.get, "/dashboard", overview)
        pages.add(.post, "/dashboard/sign-in", signIn)
        pages.add(.post, "/dashboard/sign-out", signOut)
        pages.add(.post, "/dashboard/organization", chooseOrganization)
        pages.add(.get, "/dashboard/customers", customers)
        pages.add(.get, "/dashboard/customers/:customer_id", customer)
        for kind in DashboardPoolKind.allCases {
            pages.add(.get, "/dashboard/\(kind.rawValue)/:pool_id", { try await pool($0, context: $1, kind: kind) })
            pages.add(.post, "/dashboard/\(kind.rawValue)/:pool_id/seats", { try await assign($0, context: $1, kind: kind) })
        }
        pages.add(.post, "/dashboard/subscriptions/:pool_id/seat-count", changeSeatCount)
        pages.add(.post, "/dashboard/seats/:seat_id/revoke", revoke)
        pages.add(.post, "/dashboard/seats/:seat_id/resend", resend)
        pages.add(.get, "/dashboard/seats/:seat_id/history", history)
        pages.add(.get, "/dashboard/deliveries", deliveries)
        pages.add(.post, "/dashboard/events/:event_id/redeliver", redeliver)
        pages.add(.get, "/dashboard/branding", branding)
        pages.add(.post, "/dashboard/branding", changeBranding)
    }

    // MARK: Sign-in

    /// Signed in with an organization: its overview. The operator without one: the list to
    /// pick from. Anyone else: the sign-in form.
    @Sendable func overview(_ request: Request, context: TesseraRequestContext) async throws -> Response {
        guard let viewer = try await currentViewer(request, context: context) else { return signInPage() }
        guard let organization = viewer.organization else { return try await organizationPicker(viewer) }
        let now = now()
        let overview = try await DashboardOverviews(database: database).overview(organizationId: organization.id, at: now)
        return page("dashboard_overview", title: "Overview", viewer: viewer, section: .overview,
                    values: overview.values(now: now))
    }

    private func signInPage(status: HTTPResponse.Status = .ok, error: String? = nil) -> Response {
        // A fresh nonce on every visit, as on the claim page: the form's token is bound to it.
        let visit = csrf.start(.dashboardSignIn)
        var response = PageRenderer.html("dashboard_sign_in", title: "Sign in to the dashboard", values: [
            "csrf": visit.token, "has_error": error != nil, "error": error ?? "",
        ], status: status)
        response.setCookie(CSRFToken.nonceCookie(visit.nonce, for: .dashboardSignIn, secure: secureCookies))
        return response
    }

    /// Exchanges the pasted token for a session cookie and goes to the overview; the token
    /// itself is never put in a URL, a cookie or a page.
    @Sendable func signIn(_ request: Request, context: TesseraRequestContext) async throws -> Response {
        let form = try await FormFields.read(request)
        guard csrf.isValid(form, request: request, visit: .dashboardSignIn) else {
            throw PageFailure.forgedForm(retry: (Self.home, "Back to sign-in"))
        }
        guard let token = form.trimmed("token") else {
            return signInPage(status: .unprocessableContent, error: "Paste an organization access token or the operator token.")
        }
        let opened: (session: AccessToken, token: SecretToken)
        do {
            opened = try await sessions.signIn(token: token)
        } catch is DashboardSessions.InvalidToken {
            return signInPage(status: .unauthorized,
                              error: "That token is not valid: it is unknown, expired or deleted, or not an access token.")
        }
        var response = PageRenderer.redirect(to: Self.home)
        let lifetime = opened.session.expiresAt.map { Int($0.timeIntervalSince(now()).rounded(.down)) }
        response.setCookie(DashboardSessionCookie.setting(
            opened.token.value, maxAge: lifetime ?? Int(SecretLifetime.dashboardSession), secure: secureCookies))
        return response
    }

    @Sendable func signOut(_ request: Request, context: TesseraRequestContext) async throws -> Response {
        let form = try await FormFields.read(request)
        if let viewer = try await currentViewer(request, context: context) {
            guard csrf.isValid(form, for: .dashboardSession(tokenHash: viewer.sessionTokenHash)) else {
                throw PageFailure.forgedForm(retry: (Self.home, "Back to the dashboard"))
            }
            try await sessions.signOut(viewer)
        }
        var failure = PageFailure(
            status: .ok, title: "Signed out", heading: "You are signed out of the dashboard",
            paragraphs: ["Your session has ended on this browser."], link: (Self.home, "Sign in again"), tone: "success")
        failure.clearsDashboardSession = true
        return PageRenderer.page(for: failure, secureCookies: secureCookies)
    }

    private func organizationPicker(_ viewer: DashboardViewer, status: HTTPResponse.Status = .ok, error: String? = nil)
        async throws -> Response
    {
        let organizations = try await sessions.organizations(limit: Self.pageSize)
        return page("dashboard_organizations", title: "Pick an organization", viewer: viewer, section: nil, values: [
            "organizations": organizations.map { ["name": $0.name, "slug": $0.slug] },
            "has_error": error != nil, "error": error ?? "",
        ], status: status)
    }

    /// The operator turns the session to an organization, by slug.
    @Sendable func chooseOrganization(_ request: Request, context: TesseraRequestContext) async throws -> Response {
        let (viewer, form) = try await dashboardForm(request, context: context)
        guard viewer.isOperator else { throw PageFailure.dashboardNotPermitted("Only the operator picks an organization.") }
        guard let slug = form.trimmed("slug"), try await sessions.choose(slug: slug, for: viewer) != nil else {
            return try await organizationPicker(viewer, status: .unprocessableContent,
                                                error: "No organization has that slug.")
        }
        return PageRenderer.redirect(to: Self.home)
    }

    // MARK: Customers

    /// The organization's customers, newest first, 50 a page; `?q=` finds one by email or external id.
    @Sendable func customers(_ request: Request, context: TesseraRequestContext) async throws -> Response {
        let viewer = try await signedIn(request, context: context, needs: .customersRead)
        let organizationId = try organization(of: viewer).id
        let query = QueryFields(request)
        let search = query.string("q")?.trimmingCharacters(in: .whitespaces).nilIfEmpty
        let cursor = query.string("cursor").flatMap(ListCursor.init(text:))
        let page = try await database.read { session -> CursorPage<Customer> in
            if let search {
                return CursorPage(items: try await session.dashboard.customers(organizationId: organizationId, matching: search),
                                  next: nil)
            }
            return try await session.dashboard.customers(organizationId: organizationId, limit: Self.pageSize,
                                                         after: cursor)
        }
        var next = ""
        if let cursor = page.next {
            next = "/dashboard/customers?cursor=\(cursor.text)"
        }
        return self.page("dashboard_customers", title: "Customers", viewer: viewer, section: .customers, values: [
            "search": search ?? "", "has_search": search != nil,
            "customers": page.items.map { customer in
                ["id": customer.id.wire, "email": customer.email, "name": customer.name ?? "",
                 "external_id": customer.externalId ?? "", "created": PageRenderer.time(customer.createdAt)] as [String: Any]
            },
            "next_href": next, "is_later_page": cursor != nil,
        ])
    }

    /// One customer: its subscriptions and orders with seats, each with a utilisation bar.
    @Sendable func customer(_ request: Request, context: TesseraRequestContext) async throws -> Response {
        let viewer = try await signedIn(request, context: context, needs: .customersRead)
        let organizationId = try organization(of: viewer).id
        guard let customerId = context.parameters.get("customer_id").flatMap({ UUID(wire: $0) }) else {
            throw PageFailure.dashboardNotFound
        }
        let pools = try await database.read { session -> DashboardCustomerPools? in
            guard let customer = try await session.customers.find(id: customerId, organizationId: organizationId) else {
                return nil
            }
            return try await DashboardCustomerPools.load(session, customer: customer, limit: Self.pageSize)
        }
        guard let pools else { throw PageFailure.dashboardNotFound }
        return page("dashboard_customer", title: pools.customer.email, viewer: viewer, section: .customers,
                    values: pools.values)
    }

    // MARK: A pool

    /// A pool's seats, 50 a page, with the forms the session's scopes allow.
    func pool(_ request: Request, context: TesseraRequestContext, kind: DashboardPoolKind,
              error: PageErrorMessage? = nil) async throws -> Response {
        // After a change, the redirect names what was done; a page with an error says that instead.
        let notice = error == nil ? DashboardNotice(request)?.text : nil
        let viewer = try await signedIn(request, context: context, needs: .customerSeatsRead)
        let organization = try organization(of: viewer)
        let reference = try poolReference(context, kind: kind)
        let cursor = QueryFields(request).string("cursor").flatMap(ListCursor.init(text:))
        let (pool, seats) = try await operations.list(
            reference, filter: .init(status: nil, emailPrefix: nil, limit: Self.pageSize, cursor: cursor),
            scope: scope(viewer, organization))
        let (customer, productName) = try await database.read { session in
            (try await session.customers.findIncludingDeleted(id: pool.customerId),
             try await session.products.name(id: pool.productId, organizationId: organization.id))
        }
        let path = DashboardPoolKind.path(of: reference)
        var values = DashboardPoolPage(pool: pool, seats: seats, customer: customer, productName: productName ?? "Seats",
                                       path: path, isLaterPage: cursor != nil, viewer: viewer).values
        values["has_notice"] = notice != nil
        values["notice"] = notice ?? ""
        values["has_error"] = error != nil
        values["error_heading"] = error?.heading ?? ""
        values["error_message"] = error?.message ?? ""
        return page("dashboard_pool", title: productName ?? "Pool", viewer: viewer, section: .customers, values: values,
                    status: error?.status ?? .ok)
    }

    func assign(_ request: Request, context: TesseraRequestContext, kind: DashboardPoolKind) async throws -> Response {
        let (viewer, form) = try await dashboardForm(request, context: context, needs: .customerSeatsWrite)
        let organization = try organization(of: viewer)
        let reference = try poolReference(context, kind: kind)
        do {
            _ = try await operations.assign(try PageController.assignment(form, pool: reference),
                                            scope: scope(viewer, organization))
        } catch let error where PageErrorMessage(error) != nil {
            return try await pool(request, context: context, kind: kind, error: PageErrorMessage(error))
        }
        return PageRenderer.redirect(to: "\(DashboardPoolKind.path(of: reference))?notice=\(DashboardNotice.assigned.rawValue)")
    }

    /// A subscription's seat count, as `PATCH /v1/subscriptions/{id}` changes it.
    @Sendable func changeSeatCount(_ request: Request, context: TesseraRequestContext) async throws -> Response {
        let (viewer, form) = try await dashboardForm(request, context: context, needs: .subscriptionsWrite)
        let organization = try organization(of: viewer)
        let reference = try poolReference(context, kind: .subscriptions)
        do {
            guard let text = form.trimmed("seats"), let seats = Int(text) else {
                throw FormProblem(message: "Enter the number of seats as a whole number.")
            }
            _ = try await SubscriptionOperations(database: database, now: now)
                .changeSeats(subscriptionId: reference.id, to: seats, organizationId: organization.id)
        } catch let error where PageErrorMessage(error) != nil {
            return try await pool(request, context: context, kind: .subscriptions, error: PageErrorMessage(error))
        }
        return PageRenderer.redirect(to: "\(DashboardPoolKind.path(of: reference))?notice=\(DashboardNotice.resized.rawValue)")
    }

    @Sendable func revoke(_ request: Request, context: TesseraRequestContext) async throws -> Response {
        try await changeSeat(request, context: context, notice: .revoked) { seatId, scope in
            try await operations.revoke(seatId: seatId, scope: scope).seat
        }
    }

    @Sendable func resend(_ request: Request, context: TesseraRequestContext) async throws -> Response {
        try await changeSeat(request, context: context, notice: .resent) { seatId, scope in
            try await operations.resend(seatId: seatId, scope: scope).0.seat
        }
    }

    /// A seat's history, newest first, 50 changes a page, with who made each change.
    @Sendable func history(_ request: Request, context: TesseraRequestContext) async throws -> Response {
        let viewer = try await signedIn(request, context: context, needs: .customerSeatsRead)
        let organization = try organization(of: viewer)
        guard let seatId = context.parameters.get("seat_id").flatMap({ UUID(wire: $0) }) else {
            throw PageFailure.dashboardNotFound
        }
        let cursor = QueryFields(request).string("cursor").flatMap(ListCursor.init(text:))
        let page: CursorPage<SeatEvent>
        do {
            page = try await operations.history(seatId: seatId, scope: scope(viewer, organization), limit: Self.pageSize,
                                                after: cursor)
        } catch TesseraError.notFound {
            throw PageFailure.dashboardNotFound
        }
        let path = "/dashboard/seats/\(seatId.wire)/history"
        let pool = page.items.first.map { DashboardPoolKind.path(of: $0.pool) }
        return self.page("dashboard_history", title: "History of a seat", viewer: viewer, section: .customers, values: [
            "pool_href": pool ?? "", "events": page.items.map { event -> [String: Any] in
                let time = PageRenderer.time(event.createdAt)
                return ["type": event.kind.rawValue, "when": time["text"] ?? "", "iso": time["iso"] ?? "",
                        "what": SeatHistoryRow.what(event.kind), "by": Self.actor(event),
                        "holder": (event.holderAfter ?? event.holderBefore)?.email ?? "—"]
            },
            "older_href": page.next.map { "\(path)?cursor=\($0.text)" } ?? "",
        ])
    }

    /// Who made a change, in the merchant's words.
    static func actor(_ event: SeatEvent) -> String {
        switch event.actor {
        case .organizationToken(let id): "An access token (\(id.wire.prefix(8))…)"
        case .operator: "The operator"
        case .customer: "The billing customer, in the portal"
        case .member: "A team member, in the portal"
        case .claimer: event.holderAfter?.email ?? "The person invited"
        case .system: "Tessera, automatically"
        }
    }

    /// Revoke and resend: the seat from the path, then back to its pool with a notice.
    private func changeSeat(_ request: Request, context: TesseraRequestContext, notice: DashboardNotice,
                            _ change: (UUID, SeatOperations.Scope) async throws -> Seat) async throws -> Response {
        let (viewer, _) = try await dashboardForm(request, context: context, needs: .customerSeatsWrite)
        let organization = try organization(of: viewer)
        guard let seatId = context.parameters.get("seat_id").flatMap({ UUID(wire: $0) }) else {
            throw PageFailure.dashboardNotFound
        }
        let seat: Seat
        do {
            seat = try await change(seatId, scope(viewer, organization))
        } catch TesseraError.notFound {
            throw PageFailure.dashboardNotFound
        }
        // Any other use-case error becomes a page in words in PageErrorMiddleware.
        return PageRenderer.redirect(to: "\(DashboardPoolKind.path(of: seat.pool))?notice=\(notice.rawValue)")
    }

    // MARK: Deliveries

    /// Webhook endpoints, failing ones first, each with its latest attempts; and the emails that
    /// failed for good with their last error.
    @Sendable func deliveries(_ request: Request, context: TesseraRequestContext) async throws -> Response {
        let viewer = try await signedIn(request, context: context, needs: .webhooksRead)
        let organization = try organization(of: viewer)
        let cursor = QueryFields(request).string("cursor").flatMap(ListCursor.init(text:))
        let page = try await database.read { session in
            try await DashboardDeliveries.load(session, organizationId: organization.id, limit: Self.pageSize,
                                               emailsAfter: cursor)
        }
        var values = page.values(mayRedeliver: viewer.may(.webhooksWrite))
        let notice = DashboardNotice(request)
        values["has_notice"] = notice != nil
        values["notice"] = notice?.text ?? ""
        values["is_later_page"] = cursor != nil
        return self.page("dashboard_deliveries", title: "Deliveries", viewer: viewer, section: .deliveries, values: values)
    }

    /// Queues an event again for its endpoints, as `POST /v1/webhooks/events/{id}/redeliver` does.
    @Sendable func redeliver(_ request: Request, context: TesseraRequestContext) async throws -> Response {
        let (viewer, _) = try await dashboardForm(request, context: context, needs: .webhooksWrite)
        let organization = try organization(of: viewer)
        guard let eventId = context.parameters.get("event_id").flatMap({ UUID(wire: $0) }) else {
            throw PageFailure.dashboardNotFound
        }
        do {
            try await webhookEndpoints.redeliver(eventId: eventId, organizationId: organization.id)
        } catch TesseraError.notFound {
            throw PageFailure.dashboardNotFound
        }
        return PageRenderer.redirect(to: "/dashboard/deliveries?notice=\(DashboardNotice.redelivered.rawValue)")
    }

    // MARK: Branding

    /// The organization's branding; the operator may change it (as `PATCH /v1/organizations/{id}`).
    @Sendable func branding(_ request: Request, context: TesseraRequestContext) async throws -> Response {
        let viewer = try await signedIn(request, context: context)
        let organization = try organization(of: viewer)
        let notice = DashboardNotice(request)
        return brandingPage(viewer, organization.branding, notice: notice)
    }

    /// Each field set, or cleared when left blank; any field that breaks its rule refuses the
    /// whole form, in words, and changes nothing.
    @Sendable func changeBranding(_ request: Request, context: TesseraRequestContext) async throws -> Response {
        let (viewer, form) = try await dashboardForm(request, context: context)
        guard viewer.isOperator else {
            throw PageFailure.dashboardNotPermitted("Only the operator changes an organization's branding.")
        }
        let organization = try organization(of: viewer)
        var problems: [String] = []
        func read(_ field: Branding.Field) -> String?? {
            guard let text = form.trimmed(field.rawValue) else { return .some(nil) }
            guard text.count <= field.maximumLength, let value = field.accepted(text) else {
                problems.append("Not saved: \(field.rule).")
                return nil
            }
            return .some(value)
        }
        let change = BrandingUpdate(displayName: read(.displayName), logoURL: read(.logoURL),
                                    accentColor: read(.accentColor))
        guard problems.isEmpty else {
            // The form again with what was typed, so it can be corrected.
            let typed = Branding(displayName: form.trimmed(Branding.Field.displayName.rawValue),
                                 logoURL: form.trimmed(Branding.Field.logoURL.rawValue),
                                 accentColor: form.trimmed(Branding.Field.accentColor.rawValue))
            return brandingPage(viewer, typed, problems: problems, status: .unprocessableContent)
        }
        _ = try await organizations.update(id: organization.id, with: OrganizationUpdate(branding: change))
        return PageRenderer.redirect(to: "/dashboard/branding?notice=\(DashboardNotice.branded.rawValue)")
    }

    private func brandingPage(_ viewer: DashboardViewer, _ branding: Branding, notice: DashboardNotice? = nil,
                              problems: [String] = [], status: HTTPResponse.Status = .ok) -> Response {
        page("dashboard_branding", title: "Branding", viewer: viewer, section: .branding, values: [
            "display_name": branding.displayName ?? "", "logo_url": branding.logoURL ?? "",
            "accent_color": branding.accentColor ?? "", "may_change": viewer.isOperator,
            "has_notice": notice != nil, "notice": notice?.text ?? "",
            "has_problems": !problems.isEmpty, "problems": problems,
        ], status: status)
    }

    // MARK: Sessions and scopes

    /// The viewer of the browser's session cookie, if it names a live dashboard session, which
    /// the access log then names (by its id).
    private func currentViewer(_ request: Request, context: TesseraRequestContext) async throws -> DashboardViewer? {
        guard let token = request.cookies[DashboardSessionCookie.name]?.value, !token.isEmpty,
              let viewer = try await sessions.viewer(token: token) else { return nil }
        context.observation.caller = AccessLogCaller(kind: "dashboard_session", id: viewer.session.id)
        return viewer
    }

    /// The viewer, else the 401 page; with `needs`, the 403 page unless the session has that scope.
    private func signedIn(_ request: Request, context: TesseraRequestContext, needs scope: Scope? = nil) async throws
        -> DashboardViewer
    {
        guard let viewer = try await currentViewer(request, context: context) else { throw PageFailure.dashboardSignIn }
        if let scope, !viewer.may(scope) { throw PageFailure.dashboardMissingScope(scope) }
        return viewer
    }

    /// A dashboard form post: the session (else 401), its anti-forgery token (else 403), the scope.
    private func dashboardForm(_ request: Request, context: TesseraRequestContext, needs scope: Scope? = nil)
        async throws -> (DashboardViewer, FormFields)
    {
        let form = try await FormFields.read(request)
        let viewer = try await signedIn(request, context: context)
        guard csrf.isValid(form, for: .dashboardSession(tokenHash: viewer.sessionTokenHash)) else {
            throw PageFailure.forgedForm(retry: (Self.home, "Back to the dashboard"))
        }
        if let scope, !viewer.may(scope) { throw PageFailure.dashboardMissingScope(scope) }
        return (viewer, form)
    }

    /// The organization the session shows; the operator who has not picked one goes back to the list.
    private func organization(of viewer: DashboardViewer) throws -> Organization {
        guard let organization = viewer.organization else {
            throw PageFailure(status: .conflict, title: "Pick an organization", heading: "Pick an organization first",
                              paragraphs: ["The operator's session shows one organization at a time."],
                              link: (Self.home, "Pick one"), tone: "warning")
        }
        return organization
    }

    private func scope(_ viewer: DashboardViewer, _ organization: Organization) -> SeatOperations.Scope {
        .merchant(organization.id, actor: viewer.actor)
    }

    private func poolReference(_ context: TesseraRequestContext, kind: DashboardPoolKind) throws -> SeatPoolReference {
        guard let id = context.parameters.get("pool_id").flatMap({ UUID(wire: $0) }) else {
            throw PageFailure.dashboardNotFound
        }
        return kind.reference(id)
    }

    // MARK: Rendering

    /// A dashboard page: the navigation (what the scopes allow), the sign-out form, then `template`.
    private func page(_ template: String, title: String, viewer: DashboardViewer, section: DashboardSection?,
                      values: [String: Any], status: HTTPResponse.Status = .ok) -> Response {
        var values = values
        values["csrf"] = csrf.token(for: .dashboardSession(tokenHash: viewer.sessionTokenHash))
        values["nav"] = DashboardSection.navigation(viewer, current: section)
        values["organization_name"] = viewer.organization?.name ?? ""
        values["has_organization"] = viewer.organization != nil
        values["is_operator"] = viewer.isOperator
        values["signed_in_as"] = viewer.isOperator ? "the operator" : "token “\(viewer.session.comment)”"
        return PageRenderer.html(template, title: title, values: values, status: status)
    }
}

/// What a dashboard page says after a change, named by the redirect's `?notice=`.
enum DashboardNotice: String {
    case assigned, resent, revoked, resized, redelivered, branded

    /// The notice a page's `?notice=` names; nil for none or one that is not ours.
    init?(_ request: Request) {
        guard let notice = QueryFields(request).string("notice").flatMap(Self.init(rawValue:)) else { return nil }
        self = notice
    }

    var text: String {
        switch self {
        // The seat changes say what the portal says of them.
        case .assigned: PortalNotice.assigned.text
        case .resent: PortalNotice.resent.text
        case .revoked: PortalNotice.revoked.text
        case .resized: "The seat count was changed."
        case .redelivered: "The event is queued again for its endpoints."
        case .branded: "The branding was saved: the claim page, the portal and new invitation emails use it."
        }
    }
}

/// The two kinds of seat pool, as the dashboard's paths name them.
enum DashboardPoolKind: String, CaseIterable, Sendable {
    case subscriptions, orders

    /// The page of the pool `reference` names.
    static func path(of reference: SeatPoolReference) -> String {
        let kind: DashboardPoolKind = reference.subscriptionId != nil ? .subscriptions : .orders
        return "/dashboard/\(kind.rawValue)/\(reference.id.wire)"
    }

    func reference(_ id: UUID) -> SeatPoolReference {
        switch self {
        case .subscriptions: .subscription(id)
        case .orders: .order(id)
        }
    }
}

/// The dashboard's sections, in the navigation when the session's scopes reach them.
enum DashboardSection: String, CaseIterable {
    case overview, customers, deliveries, branding

    var title: String {
        switch self {
        case .overview: "Overview"
        case .customers: "Customers"
        case .deliveries: "Deliveries"
        case .branding: "Branding"
        }
    }

    var path: String {
        switch self {
        case .overview: DashboardController.home
        default: "/dashboard/\(rawValue)"
        }
    }

    var scope: Scope? {
        switch self {
        case .overview, .branding: nil
        case .customers: .customersRead
        case .deliveries: .webhooksRead
        }
    }

    static func navigation(_ viewer: DashboardViewer, current: DashboardSection?) -> [[String: Any]] {
        guard viewer.organization != nil else { return [] }
        return allCases.filter { section in section.scope.map(viewer.may) ?? true }.map { section in
            ["title": section.title, "href": section.path, "current": section == current]
        }
    }
}

/// The dashboard's session cookie: the session token, `HttpOnly`, `SameSite=Strict` (no other
/// site can start a request that carries it) and limited to `/dashboard` and the session's life.
enum DashboardSessionCookie {
    static let name = "tessera_dashboard"
    static let path = "/dashboard"

    static func setting(_ token: String, maxAge: Int, secure: Bool) -> Cookie {
        Cookie(name: name, value: token, maxAge: max(1, maxAge), path: path, secure: secure, httpOnly: true,
               sameSite: .strict)
    }

    static func clearing(secure: Bool) -> Cookie {
        Cookie(name: name, value: "", maxAge: 0, path: path, secure: secure, httpOnly: true, sameSite: .strict)
    }
}

extension PageFailure {
    /// No dashboard session, or one that ended: 401, clearing the cookie.
    static var dashboardSignIn: PageFailure {
        var failure = PageFailure(
            status: .unauthorized, title: "Sign in", heading: "Please sign in to the dashboard",
            paragraphs: ["This browser is not signed in, or its session ended (sessions last eight hours, and end when the token that opened them is deleted)."],
            link: (DashboardController.home, "Sign in"), tone: "warning")
        failure.clearsDashboardSession = true
        return failure
    }

    /// The session's token lacks the scope this page needs: 403.
    static func dashboardMissingScope(_ scope: Scope) -> PageFailure {
        dashboardNotPermitted("The token this session was opened with does not have the \(scope.rawValue) scope.")
    }

    static func dashboardNotPermitted(_ reason: String) -> PageFailure {
        PageFailure(status: .forbidden, title: "Not permitted", heading: "Not permitted", paragraphs: [reason],
                    link: (DashboardController.home, "Back to the dashboard"))
    }

    static var dashboardNotFound: PageFailure {
        PageFailure(status: .notFound, title: "Not found", heading: "Not found",
                    paragraphs: ["Nothing of this organization is at this address."],
                    link: (DashboardController.home, "Back to the dashboard"))
    }
}

private extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
