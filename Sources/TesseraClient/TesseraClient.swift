import AsyncHTTPClient
import Foundation
import Logging
import NIOCore

/// The Swift SDK for Tessera and for Polar's API.
///
/// ```swift
/// let client = TesseraClient(accessToken: token, server: .localTessera)   // or .polarProduction
/// let seat = try await client.customerSeats.assignSeat(SeatAssign(subscriptionId: id, email: "ada@example.com"))
/// ```
///
/// ## Servers
/// ``Server`` picks the API: a Tessera server (``Server/localTessera`` or any ``Server/url(_:)``),
/// or Polar's production or sandbox API. Nothing else changes between them.
///
/// ## Lifecycle
/// By default every client sends through one `HTTPClient` that the SDK creates on first use
/// and keeps for the life of the process (``sharedHTTPClient``), as AsyncHTTPClient's own
/// `HTTPClient.shared` does. There is nothing to close: a client can be dropped at any time,
/// and ``shutdown()`` does nothing for it. Pass ``HTTPClientSource/dedicated(_:)`` for an
/// `HTTPClient` of the client's own, which ``shutdown()`` then must close; pass
/// ``HTTPClientSource/provided(_:)`` to use yours, which stays yours to shut down.
///
/// ## Retries and idempotency keys
/// The client's ``RetryConfig`` (``RetryConfig/default`` unless given) applies to the calls
/// that are safe to repeat:
/// - every `GET` (`listSeats`, `getClaimInfo`, every `get` and `list`);
/// - `revokeSeat` (revoking is idempotent by contract), and every other `DELETE`
///   (customers, members, tokens, webhook endpoints, `subscriptions.revoke`);
/// - the `PATCH`es that set absolute values: `organizations.update`, `customers.update`,
///   `products.update`, `subscriptions.updateSeats`, `subscriptions.cancelAtPeriodEnd`,
///   `orders.markPaid`, `webhookEndpoints.update`;
/// - the writes a repeat could make act twice, because each sends an `Idempotency-Key` header
///   and the server replays its first answer to a repeat: `assignSeat`, `assignMany`, `transfer`,
///   `resendInvitation`, `claimSeat`, every `create`, both license key `activate`s, a `validate`
///   that counts usage, and `webhookEndpoints.rotateSecret`. Each call makes one random key (or
///   takes yours, `idempotencyKey:`) and sends it on every attempt. These are retried by default
///   only on a server that honours keys (``Server/honoursIdempotencyKeys``: Tessera, not Polar).
///
/// A call's own `retries:` argument overrides the client's configuration for that call, on any call.
public final class TesseraClient: Sendable {
    /// Which API the client talks to.
    public enum Server: Sendable, Hashable {
        /// Any server, by its base URL (`https://seats.example.com`); a trailing `/` is ignored.
        case url(String)
        /// `tessera serve` with its defaults: `http://127.0.0.1:8000`.
        case localTessera
        /// Polar's production API: `https://api.polar.sh`.
        case polarProduction
        /// Polar's sandbox API: `https://sandbox-api.polar.sh`.
        case polarSandbox

        /// The base URL requests go to, without a trailing slash.
        public var baseURL: String {
            switch self {
            case .url(let url):
                var trimmed = url
                while trimmed.hasSuffix("/") { trimmed.removeLast() }
                return trimmed
            case .localTessera: return "http://127.0.0.1:8000"
            case .polarProduction: return "https://api.polar.sh"
            case .polarSandbox: return "https://sandbox-api.polar.sh"
            }
        }

        /// Whether the server replays a repeated `Idempotency-Key`, which makes the SDK's keyed
        /// writes (assign, create, claim, …) safe to retry by default: true for Tessera
        /// (``localTessera`` and any ``url(_:)``), false for Polar's APIs, which do not document
        /// the header. The key is sent either way.
        public var honoursIdempotencyKeys: Bool {
            switch self {
            case .url, .localTessera: true
            case .polarProduction, .polarSandbox: false
            }
        }
    }

    /// Where the client's `HTTPClient` comes from.
    public enum HTTPClientSource: Sendable {
        /// ``TesseraClient/sharedHTTPClient``: made by the SDK once, shared by every client,
        /// never shut down. Nothing to manage.
        case shared
        /// A new `HTTPClient` with this configuration, owned by the client: call
        /// ``TesseraClient/shutdown()`` when done with it.
        case dedicated(HTTPClient.Configuration)
        /// Your `HTTPClient`: the SDK never shuts it down.
        case provided(HTTPClient)
    }

    /// The API this client talks to.
    public let server: Server
    /// The retry configuration of calls that are safe to repeat (see the type's documentation).
    public let retryConfig: RetryConfig

    /// The six seat operations (assign, list, revoke, resend, claim info, claim) and Tessera's
    /// bulk assign, transfer and seat history.
    public let customerSeats: CustomerSeats
    /// Organizations (Tessera's operator API: needs the operator token).
    public let organizations: Organizations
    /// Organization access tokens (Tessera's operator API: needs the operator token).
    public let organizationAccessTokens: OrganizationAccessTokens
    /// Customers: the buyers of seat pools, and seat holders.
    public let customers: Customers
    /// Members: the people under a customer.
    public let members: Members
    /// Products and their seat tiers.
    public let products: Products
    /// Benefits a product grants (`/v1/benefits`), and their grants.
    public let benefits: Benefits
    /// The access check: may this person in, to this benefit or product?
    public let access: Access
    /// License keys: listed, read, changed, validated and activated with an organization token.
    public let licenseKeys: LicenseKeys
    /// Customer sessions: sign a customer into the portal.
    public let customerSessions: CustomerSessions
    /// The customer portal API: with a customer session token, or (license key validation) none.
    public let customerPortal: CustomerPortal
    /// Subscriptions: seat pools that renew.
    public let subscriptions: Subscriptions
    /// Orders: one-time seat pools.
    public let orders: Orders
    /// Webhook endpoints.
    public let webhookEndpoints: WebhookEndpoints

    let httpClient: HTTPClient
    private let ownsHTTPClient: Bool
    let executor: RequestExecutor

    /// Creates a client.
    ///
    /// - Parameters:
    ///   - accessToken: The bearer token: an organization access token (`tsr_oat_…` on Tessera,
    ///     `polar_oat_…` on Polar), or Tessera's operator token for organizations and tokens.
    ///     nil for a client that only reads and claims invitations (those calls take no token).
    ///   - server: The API to talk to.
    ///   - httpClient: Where the `HTTPClient` comes from; ``HTTPClientSource/shared`` by default.
    ///   - retryConfig: Retries for calls that are safe to repeat; ``RetryConfig/default`` by default.
    ///   - timeout: The longest a single attempt may take, connecting and reading included.
    ///   - retryClock: Where retries read the time and wait; tests pass their own.
    ///   - logger: Receives a debug line per request, answer and retry (never the token).
    public convenience init(accessToken: String?, server: Server, httpClient: HTTPClientSource = .shared,
                            retryConfig: RetryConfig = .default, timeout: Duration = .seconds(60),
                            retryClock: any RetryClock = SystemRetryClock(),
                            logger: Logger = Logger(label: "tessera-client",
                                                    factory: { _ in SwiftLogNoOpLogHandler() })) {
        let client: HTTPClient
        let owned: Bool
        switch httpClient {
        case .shared:
            client = Self.sharedHTTPClient
            owned = false
        case .dedicated(let configuration):
            client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
            owned = true
        case .provided(let provided):
            client = provided
            owned = false
        }
        let executor = RequestExecutor(
            baseURL: server.baseURL, accessToken: accessToken, httpClient: client, retryConfig: retryConfig,
            clock: retryClock, timeout: .nanoseconds(Int64(min(max(timeout.seconds, 0), 1e9) * 1e9)), logger: logger,
            honoursIdempotencyKeys: server.honoursIdempotencyKeys)
        self.init(server: server, retryConfig: retryConfig, httpClient: client, ownsHTTPClient: owned, executor: executor)
    }

    /// A client sending through `executor`; also how ``withRawResponse(isolation:_:)`` makes its
    /// recording twin of a client.
    init(server: Server, retryConfig: RetryConfig, httpClient: HTTPClient, ownsHTTPClient: Bool,
         executor: RequestExecutor) {
        self.server = server
        self.retryConfig = retryConfig
        self.httpClient = httpClient
        self.ownsHTTPClient = ownsHTTPClient
        self.executor = executor
        customerSeats = CustomerSeats(executor: executor)
        organizations = Organizations(executor: executor)
        organizationAccessTokens = OrganizationAccessTokens(executor: executor)
        customers = Customers(executor: executor)
        members = Members(executor: executor)
        products = Products(executor: executor)
        benefits = Benefits(executor: executor)
        access = Access(executor: executor)
        licenseKeys = LicenseKeys(executor: executor)
        customerSessions = CustomerSessions(executor: executor)
        customerPortal = CustomerPortal(licenseKeys: CustomerPortalLicenseKeys(executor: executor))
        subscriptions = Subscriptions(executor: executor)
        orders = Orders(executor: executor)
        webhookEndpoints = WebhookEndpoints(executor: executor)
    }

    /// Shuts down the client's own `HTTPClient` when it has one (``HTTPClientSource/dedicated(_:)``),
    /// after its requests in flight finish; later calls then fail with a ``TransportError`` of kind
    /// ``TransportError/Kind/shutDown``. It must be called for a dedicated client, and may be called
    /// any number of times. For the shared client and a provided one it does nothing.
    public func shutdown() async throws {
        guard ownsHTTPClient else { return }
        do {
            try await httpClient.shutdown()
        } catch let error as HTTPClientError where error == .alreadyShutdown {
            // Shutting down twice is fine.
        }
    }

    /// The configuration of ``sharedHTTPClient``: no redirects followed (an API answer is never
    /// a redirect), a 10 s connect timeout, and no reconnection attempts inside AsyncHTTPClient,
    /// so that a refused connection fails at once and ``RetryConfig`` alone decides what happens.
    public static var defaultHTTPConfiguration: HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow, timeout: .init(connect: .seconds(10)))
        configuration.connectionPool.retryConnectionEstablishment = false
        return configuration
    }

    /// The `HTTPClient` shared by every ``TesseraClient`` made with ``HTTPClientSource/shared``.
    /// It lives as long as the process; do not shut it down.
    public static let sharedHTTPClient = HTTPClient(
        eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: defaultHTTPConfiguration)
}
