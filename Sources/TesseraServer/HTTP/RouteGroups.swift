import Foundation
import Hummingbird
import TesseraCore

// The route groups. `AuthenticationMiddleware` resolves any bearer token into a `Principal` for
// every request (so an unknown token is 401 `invalid_token` on every route, and the rate limit
// knows whose budget to spend); each group then admits only its kind of principal by turning
// the request context into its own `ChildRequestContext`. A handler of a group receives that
// context, so it cannot run for a caller of the wrong kind, and it reads the caller from it.
// The context is built before the handler reads anything, so authentication comes before
// validation of the path, query and body.

/// The request context of the `/v1` merchant routes: an organization access token that holds
/// one of the route's scopes (checked by `MerchantRoutes` when the route is registered).
struct MerchantContext: ChildRequestContext {
    var coreContext: CoreRequestContextStorage
    /// The organization the token belongs to: the only one whose objects the request reaches.
    let organizationId: UUID
    /// The token's record id, its rate-limit key.
    let tokenId: UUID
    /// Every scope the token was granted.
    let scopes: Set<Scope>

    /// Admits an organization access token; no credentials, or a portal session, is 401.
    /// (The operator token never gets here: `MerchantScopeMiddleware` refuses it with 403
    /// naming the route's scopes.)
    init(context: TesseraRequestContext) throws {
        guard case .organization(let tokenId, let organizationId, let scopes) = context.principal else {
            throw AuthError.unauthorized
        }
        self.coreContext = context.coreContext
        self.organizationId = organizationId
        self.tokenId = tokenId
        self.scopes = scopes
    }

    /// The token, as seat history names who acted.
    var actor: SeatActor { .organizationToken(tokenId) }
}

/// The request context of the operator routes (organizations and their access tokens).
struct OperatorContext: ChildRequestContext {
    var coreContext: CoreRequestContextStorage

    /// Admits the operator token (`TESSERA_ADMIN_TOKEN` or one made by `tessera admin token`);
    /// a merchant token is 403 (it lacks the operator's privileges), anything else 401.
    init(context: TesseraRequestContext) throws {
        switch context.principal {
        case .operatorAccess: break
        case .organization: throw AuthError.insufficientScope("operator")
        case nil, .portal: throw AuthError.unauthorized
        }
        self.coreContext = context.coreContext
    }
}

/// The request context of the portal API (`/v1/customer-portal/…`): a customer or member session.
struct PortalContext: ChildRequestContext {
    var coreContext: CoreRequestContextStorage
    /// Who is signed in, and so which customer's pools the request reaches.
    let caller: PortalCaller

    /// Admits a customer or member session; merchant and operator tokens, or none, are 401.
    init(context: TesseraRequestContext) throws {
        guard case .portal(let caller) = context.principal else { throw AuthError.unauthorized }
        self.coreContext = context.coreContext
        self.caller = caller
    }
}

/// Refuses, before the merchant context is built, the callers that hold a token with scopes
/// but not one of the route's: a merchant token without them, and the operator token (which
/// holds no merchant scope). Both get 403 `insufficient_scope` naming the route's scopes, which
/// only the route knows, so this runs per route rather than in `MerchantContext.init`.
struct MerchantScopeMiddleware: RouterMiddleware {
    typealias Context = TesseraRequestContext

    /// Any one of these admits the request (a write scope also grants its read scope).
    let scopes: [Scope]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        switch context.principal {
        case .organization(_, _, let granted) where !scopes.contains(where: { $0.isGranted(by: granted) }):
            throw AuthError.insufficientScope(scopes.map(\.rawValue).joined(separator: " "))
        case .operatorAccess:
            throw AuthError.insufficientScope(scopes.map(\.rawValue).joined(separator: " "))
        case nil, .organization, .portal:
            return try await next(request, context)
        }
    }
}

/// Who a route admits, as its group decides: what the OpenAPI document's `security` says of it.
enum RouteAccess: Equatable {
    /// No credentials needed (a token, if sent, must still be valid).
    case `public`
    /// An organization access token holding one of these scopes.
    case merchant([Scope])
    /// The operator token.
    case `operator`
    /// A customer or member portal session.
    case portal
}

/// One registered route: its method, full path (Hummingbird's `:name` parameters) and access.
struct RegisteredRoute: Equatable {
    let method: HTTPRequest.Method
    let path: String
    let access: RouteAccess
}

/// Every route, gathered while the groups register them: for the 405 answers of
/// `MethodNotAllowedMiddleware`, and for the test that holds the OpenAPI document to the router.
final class RouteCatalog {
    private(set) var registered: [RegisteredRoute] = []

    func record(_ method: HTTPRequest.Method, _ path: String, access: RouteAccess) {
        registered.append(RegisteredRoute(method: method, path: path, access: access))
    }

    var table: RouteTable { RouteTable(registered.map { ($0.method, $0.path) }) }
}

/// Registers the routes of one group, whose handlers take the group's context.
struct Routes<Context: RequestContext> {
    typealias Handler = @Sendable (Request, Context) async throws -> Response

    let group: RouterGroup<Context>
    /// The group's path, which `group` puts in front of each route's.
    let prefix: String
    let catalog: RouteCatalog
    /// Whom the group's context admits (`.public` for the application's own context).
    let access: RouteAccess

    func add(_ method: HTTPRequest.Method, _ path: String, _ handler: @escaping Handler) {
        group.on(RouterPath(path), method: method, use: handler)
        catalog.record(method, prefix + path, access: access)
    }

    /// The same group with `middleware` in front of the routes added through the answer only
    /// (the pages' HTML errors, for example).
    func behind(_ middleware: some RouterMiddleware<Context>) -> Routes {
        Routes(group: group.group().add(middleware: middleware), prefix: prefix, catalog: catalog, access: access)
    }
}

/// Registers the `/v1` merchant routes: each names the scopes it needs, and its handler runs
/// with a `MerchantContext` for a token holding one of them.
struct MerchantRoutes {
    typealias Handler = @Sendable (Request, MerchantContext) async throws -> Response

    /// The `/v1` group, on the application's context.
    let group: RouterGroup<TesseraRequestContext>
    let prefix: String
    let catalog: RouteCatalog

    func add(_ method: HTTPRequest.Method, _ path: String, anyOf scopes: Scope..., use handler: @escaping Handler) {
        // A group of its own for each route, so the scope check applies to this route alone.
        group.group()
            .add(middleware: MerchantScopeMiddleware(scopes: scopes))
            .group(context: MerchantContext.self)
            .on(RouterPath(path), method: method, use: handler)
        catalog.record(method, prefix + path, access: .merchant(scopes))
    }
}
