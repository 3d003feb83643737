import Foundation
import Hummingbird
import Logging
import TesseraCore
import TesseraStore

/// Everything the server needs to run, with the defaults of `tessera serve`.
public struct ServerConfiguration: Sendable {
    public var host = "127.0.0.1"
    public var port = 8000
    /// Base of claim links, without a trailing slash.
    public var publicURL = "http://127.0.0.1:8000"
    public var mailSender = "Tessera <no-reply@localhost>"
    /// The hash of `TESSERA_ADMIN_TOKEN`, when set.
    public var adminTokenHash: String?
    /// Signs the anti-forgery tokens of the pages' forms (`--csrf-key`): random for each process
    /// unless configured, so several processes serving the same pages need the same one.
    public var csrfKey = FormTokenKey.random()
    /// Lets webhook endpoints point at loopback, private and other non-public addresses
    /// (`--webhook-allow-private`): for development and tests only, since it opens the way
    /// to request forgery against the server's own networks.
    public var webhookAllowPrivate = false
    /// Idle and request time-outs, and the cap on open connections.
    public var connections = ConnectionLimits()
    /// Per-client request limits on the claim routes and the authenticated API.
    public var rateLimits = RateLimits()
    /// The port of the separate `/metrics` listener (`--metrics-port`); nil: no listener.
    public var metricsPort: Int?
    /// Where the `/metrics` listener listens (`--metrics-host`): loopback unless asked, so
    /// that metrics are not public by accident.
    public var metricsHost = "127.0.0.1"

    public init() {}
}

/// Builds the HTTP application over an open, migrated database.
///
/// `runsDatabase`: whether the application's service group runs the database (`tessera serve`),
/// as its first service so that it stops last; tests run it themselves around their setup.
/// `metrics`: what requests, seat operations and deliveries are counted in; served on a
/// listener of its own when `configuration.metricsPort` is set.
public func buildApplication(
    configuration: ServerConfiguration, database: TesseraDatabase, mail: any MailTransport, logger: Logger,
    metrics: TesseraMetrics = TesseraMetrics(),
    runsDatabase: Bool = false, runsBackgroundWorkers: Bool = true, now: @escaping @Sendable () -> Date = Date.init
) -> some ApplicationProtocol {
    let router = buildRouter(configuration: configuration, database: database, metrics: metrics, now: now)
    var app = Application(
        router: router,
        server: .http1(limits: configuration.connections, logger: logger),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "Tessera"),
        logger: logger)
    if runsDatabase { app.addServices(database) }
    if let metricsPort = configuration.metricsPort {
        app.addServices(buildMetricsApplication(metrics: metrics, database: database, host: configuration.metricsHost,
                                                port: metricsPort, logger: logger, now: now))
    }
    if runsBackgroundWorkers {
        app.addServices(
            OutboxWorker(database: database, mail: mail, sender: configuration.mailSender, logger: logger, now: now,
                         metrics: metrics),
            WebhookWorker(database: database, logger: logger, now: now,
                          targetPolicy: WebhookTargetPolicy(allowsPrivateNetworks: configuration.webhookAllowPrivate),
                          metrics: metrics),
            SubscriptionEndings(database: database, now: now).service(logger: logger),
            SeatExpiries(database: database, now: now).service(logger: logger),
            ExpiredRecords.idempotencyKeys(database: database, now: now).service(logger: logger),
            ExpiredRecords.sessions(database: database, now: now).service(logger: logger),
            ExpiredRecords.overviewClaimDays(database: database, now: now).service(logger: logger),
            SeatTotalsRefresh(database: database, now: now).service(logger: logger))
    }
    return app
}

/// The router with every route and middleware; tests drive it directly.
public func buildRouter(configuration: ServerConfiguration, database: TesseraDatabase,
                        metrics: TesseraMetrics = TesseraMetrics(),
                        now: @escaping @Sendable () -> Date = Date.init) -> Router<TesseraRequestContext> {
    buildRoutes(configuration: configuration, database: database, metrics: metrics, now: now).router
}

/// The router and the catalog of every route it registered (which the OpenAPI test reads).
func buildRoutes(configuration: ServerConfiguration, database: TesseraDatabase,
                 metrics: TesseraMetrics = TesseraMetrics(),
                 now: @escaping @Sendable () -> Date = Date.init)
    -> (router: Router<TesseraRequestContext>, catalog: RouteCatalog)
{
    let router = Router(context: TesseraRequestContext.self)
    // A middleware wraps only the routes added after it: request ids, metrics and the access
    // log outermost (they see every answer), then errors, then authentication.
    router.add(middleware: ObservationMiddleware(metrics: metrics))
    router.add(middleware: ErrorMiddleware())
    router.add(middleware: PathScreeningMiddleware())
    let recentTokens = RecentOrganizationTokens()
    router.add(middleware: AuthenticationMiddleware(
        database: database, adminTokenHash: configuration.adminTokenHash, recentTokens: recentTokens, now: now))
    // After authentication, so API budgets belong to the caller's token.
    if configuration.rateLimits.isEnabled {
        router.add(middleware: RateLimitMiddleware(limits: configuration.rateLimits))
    }
    // After authentication and the rate limit: keys are scoped to the caller, and a refused
    // request stores no answer.
    router.add(middleware: IdempotencyMiddleware(database: database, now: now))
    // The groups (`RouteGroups.swift`): public routes and pages take the application's
    // context; the merchant, operator and portal API groups each admit one kind of caller.
    let catalog = RouteCatalog()
    let publicRoutes = Routes(group: router.group(), prefix: "", catalog: catalog, access: .public)
    let publicV1 = Routes(group: router.group("/v1"), prefix: "/v1", catalog: catalog, access: .public)
    let merchant = MerchantRoutes(group: router.group("/v1"), prefix: "/v1", catalog: catalog)
    let operatorRoutes = Routes(group: router.group("/v1", context: OperatorContext.self), prefix: "/v1",
                                catalog: catalog, access: .operator)
    let portal = Routes(group: router.group("/v1", context: PortalContext.self), prefix: "/v1", catalog: catalog,
                        access: .portal)
    publicRoutes.add(.get, "/healthz") { _, _ in
        try await database.ping()
        return .json(["status": "ok"])
    }
    publicRoutes.add(.get, "/openapi.json") { _, _ in OpenAPIDocument.response }
    let organizations = OrganizationOperations(database: database, recentTokens: recentTokens, now: now)
    OrganizationController(operations: organizations).register(on: operatorRoutes)
    CustomerController(database: database, now: now).register(on: merchant)
    ProductController(database: database, now: now).register(on: merchant)
    BenefitController(database: database, now: now).register(on: merchant)
    AccessController(database: database).register(on: merchant)
    LicenseKeyController(database: database, now: now).register(merchant: merchant, portal: portal, public: publicV1)
    PoolController(database: database, now: now).register(on: merchant)
    WebhookController(database: database, now: now,
                      targetPolicy: WebhookTargetPolicy(allowsPrivateNetworks: configuration.webhookAllowPrivate))
        .register(on: merchant)
    let seatOperations = SeatOperations(database: database, publicURL: configuration.publicURL, now: now,
                                        metrics: metrics)
    SeatController(operations: seatOperations).register(merchant: merchant, claims: publicV1)
    PortalController(operations: seatOperations, publicURL: configuration.publicURL, now: now)
        .register(merchant: merchant, portal: portal)
    PageController(operations: seatOperations, publicURL: configuration.publicURL, formKey: configuration.csrfKey,
                   now: now).register(on: publicRoutes)
    DashboardController(
        operations: seatOperations, organizations: organizations,
        sessions: DashboardSessions(database: database, adminTokenHash: configuration.adminTokenHash, now: now),
        publicURL: configuration.publicURL, formKey: configuration.csrfKey,
        webhookTargetPolicy: WebhookTargetPolicy(allowsPrivateNetworks: configuration.webhookAllowPrivate), now: now
    ).register(on: publicRoutes)
    router.add(middleware: MethodNotAllowedMiddleware(routes: catalog.table))
    return (router, catalog)
}

/// The `/metrics` listener: Prometheus' text format on `GET /metrics`, on an address of its own
/// so that the API's address never exposes it. The outbox gauges are read from `database` at
/// each scrape.
public func buildMetricsApplication(
    metrics: TesseraMetrics, database: TesseraDatabase, host: String, port: Int, logger: Logger,
    now: @escaping @Sendable () -> Date = Date.init
) -> some ApplicationProtocol {
    let router = Router()
    router.get("/metrics") { _, context -> Response in
        let text = await metrics.exposition(database: database, now: now(), logger: context.logger)
        return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(bytes: text)))
    }
    return Application(router: router,
                       configuration: .init(address: .hostname(host, port: port), serverName: "Tessera"),
                       logger: logger)
}
