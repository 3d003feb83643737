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

    public init() {}
}

/// Builds the HTTP application over an open, migrated database.
public func buildApplication(
    configuration: ServerConfiguration, database: TesseraDatabase, mail: any MailTransport, logger: Logger,
    runsBackgroundWorkers: Bool = true, now: @escaping @Sendable () -> Date = Date.init
) -> some ApplicationProtocol {
    let router = buildRouter(configuration: configuration, database: database, now: now)
    var app = Application(
        router: router,
        server: .http1(limits: configuration.connections, logger: logger),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "Tessera"),
        logger: logger)
    if runsBackgroundWorkers {
        app.addServices(
            OutboxWorker(database: database, mail: mail, sender: configuration.mailSender, logger: logger, now: now),
            WebhookWorker(database: database, logger: logger, now: now,
                          targetPolicy: WebhookTargetPolicy(allowsPrivateNetworks: configuration.webhookAllowPrivate)))
    }
    return app
}

/// The router with every route and middleware; tests drive it directly.
public func buildRouter(configuration: ServerConfiguration, database: TesseraDatabase,
                        now: @escaping @Sendable () -> Date = Date.init) -> Router<TesseraRequestContext> {
    let router = Router(context: TesseraRequestContext.self)
    // A middleware wraps only the routes added after it: errors outermost, then authentication.
    router.add(middleware: ErrorMiddleware())
    router.add(middleware: PathScreeningMiddleware())
    router.add(middleware: AuthenticationMiddleware(
        database: database, adminTokenHash: configuration.adminTokenHash, now: now))
    // After authentication, so API budgets belong to the caller's token.
    if configuration.rateLimits.isEnabled {
        router.add(middleware: RateLimitMiddleware(limits: configuration.rateLimits))
    }
    var routes = Routes(router: router)
    routes.add(.get, "/healthz") { _, _ in
        try await database.ping()
        return .json(["status": "ok"])
    }
    OrganizationController(database: database, now: now).register(on: &routes)
    CustomerController(database: database, now: now).register(on: &routes)
    ProductController(database: database, now: now).register(on: &routes)
    PoolController(database: database, now: now).register(on: &routes)
    WebhookController(database: database, now: now,
                      targetPolicy: WebhookTargetPolicy(allowsPrivateNetworks: configuration.webhookAllowPrivate))
        .register(on: &routes)
    let seatOperations = SeatOperations(database: database, publicURL: configuration.publicURL, now: now)
    SeatController(operations: seatOperations).register(on: &routes)
    PortalController(operations: seatOperations, publicURL: configuration.publicURL, now: now).register(on: &routes)
    PageController(operations: seatOperations, publicURL: configuration.publicURL, formKey: configuration.csrfKey,
                   now: now).register(on: &routes)
    router.add(middleware: MethodNotAllowedMiddleware(routes: routes.table))
    return router
}
