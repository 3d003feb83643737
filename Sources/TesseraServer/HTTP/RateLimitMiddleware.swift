import Foundation
import Hummingbird
import NIOCore

/// Per-client request limits: the public claim routes per client address, and the
/// authenticated API per token. Limits are kept in memory by each process: with several
/// `tessera serve` processes behind a load balancer, each allows the full budget.
public struct RateLimits: Sendable, Equatable {
    /// When false, nothing is limited (benchmarks, or a proxy in front that limits already).
    public var isEnabled = true
    /// Each authenticated caller: an organization access token, a customer's or a member's
    /// sessions (all sessions of one customer or member share a budget), or the operator.
    public var api = RateLimit(perSecond: 100, burst: 1_000)
    /// Each client address, on the claim routes that need no token: `POST /v1/customer-seats/claim`,
    /// `GET /v1/customer-seats/claim/{token}` and the claim page `/{slug}/portal/claim`; and on the
    /// dashboard's sign-in form.
    /// IPv6 clients are counted by /64 network, since one host usually holds a whole /64.
    public var claim = RateLimit(perSecond: 10, burst: 100)
    /// Take the client address from the last entry of `X-Forwarded-For` (the one the proxy
    /// added) instead of the connection. Only safe behind exactly one reverse proxy that
    /// appends to that header, with the server reachable through nothing else.
    public var trustsForwardedFor = false
    /// Most clients each limit remembers; beyond it, the least recently seen are forgotten.
    public var maximumTrackedClients = 100_000

    public init() {}
}

/// Who a request budget belongs to.
enum RateLimitKey: Hashable, Sendable {
    case ipv4(UInt32)
    /// The first 64 bits of an IPv6 address.
    case ipv6Network(UInt64)
    /// No address is known (a Unix socket, or the in-process test client): one shared budget.
    case unknownAddress
    case accessToken(UUID)
    case customer(UUID)
    case member(UUID)
    case operatorAccess

    init(_ principal: Principal) {
        switch principal {
        case .operatorAccess: self = .operatorAccess
        case .organization(let tokenId, _, _): self = .accessToken(tokenId)
        case .portal(let caller): self = caller.memberId.map(Self.member) ?? .customer(caller.customerId)
        }
    }

    init(address: SocketAddress?) {
        switch address {
        case .v4(let address):
            self = .ipv4(UInt32(bigEndian: address.address.sin_addr.s_addr))
        case .v6(let address):
            let bytes = withUnsafeBytes(of: address.address.sin6_addr) { Array($0) }
            if bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xff, bytes[11] == 0xff {
                // An IPv4 client of a dual-stack listener (::ffff:a.b.c.d) counts as that IPv4 address.
                self = .ipv4(bytes[12...].reduce(0) { $0 << 8 | UInt32($1) })
            } else {
                self = .ipv6Network(bytes[0..<8].reduce(0) { $0 << 8 | UInt64($1) })
            }
        case .unixDomainSocket, nil:
            self = .unknownAddress
        }
    }
}

/// A caller over its request budget: rendered as 429 `TooManyRequests` with `Retry-After`
/// by `ErrorMiddleware`.
struct TooManyRequests: Error, Equatable {
    /// Whole seconds until one more request would be accepted (at least 1).
    let retryAfter: Int
    let detail: String
}

/// Applies `RateLimits`. It runs after authentication, so it knows the caller's token; a
/// token that fails authentication is refused there, before any budget is spent.
struct RateLimitMiddleware: RouterMiddleware {
    typealias Context = TesseraRequestContext

    /// The routes limited per client address whatever credentials they carry, as Hummingbird
    /// names matched routes (`context.endpointPath`).
    static let claimRoutes: Set<String> = [
        "/v1/customer-seats/claim", "/v1/customer-seats/claim/{invitation_token}", claimPageRoute,
        dashboardSignInRoute,
    ]
    /// The public license-key routes a desktop app calls with no token: limited per client
    /// address with the claim routes' budget, so nobody can guess keys at speed.
    static let publicLicenseKeyRoutes: Set<String> = [
        "/v1/customer-portal/license-keys/validate", "/v1/customer-portal/license-keys/activate",
        "/v1/customer-portal/license-keys/deactivate",
    ]
    /// The browser's claim page, answered with an HTML page rather than JSON.
    static let claimPageRoute = "/{slug}/portal/claim"
    /// The dashboard's sign-in form, which looks a token up for anyone: an HTML page too.
    static let dashboardSignInRoute = "/dashboard/sign-in"

    let api: RateLimiter<RateLimitKey>
    let claim: RateLimiter<RateLimitKey>
    let trustsForwardedFor: Bool

    init(limits: RateLimits) {
        api = RateLimiter(limit: limits.api, maximumKeys: limits.maximumTrackedClients)
        claim = RateLimiter(limit: limits.claim, maximumKeys: limits.maximumTrackedClients)
        trustsForwardedFor = limits.trustsForwardedFor
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        if let route = context.endpointPath, Self.claimRoutes.contains(route) {
            if case .limited(let retryAfter) = claim.take(RateLimitKey(address: clientAddress(request))) {
                let refusal = TooManyRequests(
                    retryAfter: retryAfter,
                    detail: "Too many claim requests from this address. Retry in \(retryAfter) s.")
                // Pages never reach the JSON error middleware: a browser gets a page.
                if route == Self.claimPageRoute { return Self.page(for: refusal, doing: "opened too many invitation links") }
                if route == Self.dashboardSignInRoute { return Self.page(for: refusal, doing: "tried to sign in too often") }
                throw refusal
            }
        } else if let route = context.endpointPath, Self.publicLicenseKeyRoutes.contains(route) {
            if case .limited(let retryAfter) = claim.take(RateLimitKey(address: clientAddress(request))) {
                throw TooManyRequests(
                    retryAfter: retryAfter,
                    detail: "Too many license key requests from this address. Retry in \(retryAfter) s.")
            }
        } else if let principal = context.principal {
            if case .limited(let retryAfter) = api.take(RateLimitKey(principal)) {
                throw TooManyRequests(
                    retryAfter: retryAfter,
                    detail: "Too many requests with these credentials. Retry in \(retryAfter) s.")
            }
        }
        return try await next(request, context)
    }

    /// The connection's peer, or with `trustsForwardedFor` the last address in `X-Forwarded-For`
    /// (a proxy appends the address it saw; earlier entries come from the client and prove nothing).
    func clientAddress(_ request: Request) -> SocketAddress? {
        if trustsForwardedFor,
           let forwarded = request.headers.last(where: { $0.name.canonicalName == "x-forwarded-for" })?.value,
           let last = forwarded.split(separator: ",").last,
           let address = try? SocketAddress(ipAddress: last.trimmingCharacters(in: .whitespaces), port: 0)
        {
            return address
        }
        return ClientConnection.peerAddress
    }

    /// The page a browser gets over the limit; `doing` says what this address did too often.
    static func page(for refusal: TooManyRequests, doing: String) -> Response {
        var response = PageRenderer.page(
            for: PageFailure(
                status: .tooManyRequests, title: "Too many requests", heading: "Too many requests",
                paragraphs: [
                    "This address has \(doing) in a short time.",
                    "Wait \(refusal.retryAfter) seconds, then reload the page.",
                ],
                tone: "warning"),
            secureCookies: false)
        PageRenderer.addSecurityHeaders(to: &response.headers)
        response.headers[.retryAfter] = String(refusal.retryAfter)
        return response
    }
}
