import ArgumentParser
import Foundation
import Hummingbird
import Logging
import Metrics
import Prometheus
import TesseraCore
import TesseraServer
import TesseraStore

@main
struct Tessera: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tessera",
        abstract: "A self-hosted seat server for team plans, compatible with Polar's Customer Seats API.",
        discussion: """
            Start a server on 127.0.0.1:8000 with its data in ./tessera.sqlite:
              tessera serve

            The client commands (organizations, tokens, customers, products, \
            subscriptions, orders, seats) talk to a running server; say where it is \
            and give a token once:
              export TESSERA_SERVER_URL=http://127.0.0.1:8000
              export TESSERA_ACCESS_TOKEN=tsr_oat_…
              tessera seats list --subscription-id $SUBSCRIPTION
            """,
        subcommands: [Serve.self, Migrate.self, Backup.self, Admin.self,
                      OrganizationsCommand.self, TokensCommand.self, CustomersCommand.self, ProductsCommand.self,
                      SubscriptionsCommand.self, OrdersCommand.self, SeatsCommand.self, AccessCommand.self])

    /// ArgumentParser's own `main`, except that a PostgreSQL error reaching the command line (a
    /// migration the role may not run, say) is printed with its SQLSTATE and message: postgres-nio's
    /// own description of it is a fixed sentence that says neither.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: printableError(error))
        }
    }
}

/// Where the database is: shared by every command that opens it.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .customLong("database-url"),
            help: "A SQLite file path, or postgres://user:pass@host:port/db (env TESSERA_DATABASE_URL).")
    var databaseURL: String = ProcessInfo.processInfo.environment["TESSERA_DATABASE_URL"] ?? "tessera.sqlite"

    @Option(name: .customLong("database-wait"), help: """
        Seconds to wait at start for PostgreSQL to accept a connection, for a server starting \
        beside this one (env TESSERA_DATABASE_WAIT; default 30). A wrong user, password or \
        database fails at once. Ignored on SQLite.
        """)
    var databaseWait: Int = ProcessInfo.processInfo.environment["TESSERA_DATABASE_WAIT"].flatMap { Int($0) }
        ?? Int(TesseraDatabase.defaultPostgresWait / .seconds(1))

    func validate() throws {
        try requireEnvironmentNumbers(["TESSERA_DATABASE_WAIT"], in: ProcessInfo.processInfo.environment)
        guard (0...3600).contains(databaseWait) else { throw ValidationError("--database-wait must be between 0 and 3600") }
    }

    func location() throws -> DatabaseLocation { try DatabaseLocation(url: databaseURL) }

    var postgresWait: Duration { .seconds(databaseWait) }
}

extension Logger {
    static func tessera(level: Logger.Level = .info) -> Logger {
        var logger = Logger(label: "tessera")
        logger.logLevel = level
        return logger
    }
}

/// Runs `body` with the database open and running, and stops it afterwards. One PostgreSQL
/// connection: the commands that use this run one statement at a time.
func withDatabase<T: Sendable>(_ options: DatabaseOptions, logger: Logger, _ body: (TesseraDatabase) async throws -> T)
    async throws -> T
{
    try await TesseraDatabase.withDatabase(try options.location(), connections: 1, logger: logger,
                                           postgresWait: options.postgresWait, body)
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Migrate the database, then serve the API.",
        discussion: """
            Example, on PostgreSQL, with invitation emails written to a folder:
              tessera serve --database-url postgres://tessera@localhost/tessera --mail file:///var/tessera/mail
            """)

    private static let environment = ProcessInfo.processInfo.environment

    @Option(help: "Address to listen on (env TESSERA_HOST).")
    var host: String = environment["TESSERA_HOST"] ?? "127.0.0.1"

    @Option(help: "Port to listen on (env TESSERA_PORT).")
    var port: Int = environment["TESSERA_PORT"].flatMap(Int.init) ?? 8000

    @OptionGroup var database: DatabaseOptions

    @Option(name: .customLong("public-url"), help: "Base URL of claim links (env TESSERA_PUBLIC_URL).")
    var publicURL: String = environment["TESSERA_PUBLIC_URL"] ?? "http://127.0.0.1:8000"

    @Option(help: """
        How invitation emails are delivered (env TESSERA_MAIL_URL): log, file:///a/folder, \
        smtp://[user:pass@]host[:port] (port 25, STARTTLS when offered; add ?starttls=required to insist) \
        or smtps://[user:pass@]host[:port] (TLS from the start, port 465).
        """)
    var mail: String = environment["TESSERA_MAIL_URL"] ?? "log"

    @Option(name: .customLong("mail-ca-file"),
            help: "A PEM file of CA certificates to trust for SMTP, besides the system's (env TESSERA_MAIL_CA_FILE).")
    var mailCAFile: String = environment["TESSERA_MAIL_CA_FILE"] ?? ""

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = environment["TESSERA_LOG_LEVEL"] ?? "info"

    @Option(name: .customLong("log-format"),
            help: "text (readable lines) or json (one JSON object per line) (env TESSERA_LOG_FORMAT).")
    var logFormat: String = environment["TESSERA_LOG_FORMAT"] ?? "text"

    @Option(name: .customLong("metrics-port"), help: """
        Serve Prometheus metrics at GET /metrics on this port, a listener of its own; off unless given         (env TESSERA_METRICS_PORT).
        """)
    var metricsPortFlag: Int?

    /// The flag, else the environment; nil: no metrics listener.
    private var metricsPort: Int? { metricsPortFlag ?? Self.environment["TESSERA_METRICS_PORT"].flatMap(Int.init) }

    @Option(name: .customLong("metrics-host"),
            help: "Address the metrics listener listens on; loopback, so metrics are not public by accident (env TESSERA_METRICS_HOST).")
    var metricsHost: String = environment["TESSERA_METRICS_HOST"] ?? "127.0.0.1"

    @Flag(name: .customLong("webhook-allow-private"),
          help: "Let webhook endpoints use localhost and loopback, private or other non-public addresses: for development and tests only (env TESSERA_WEBHOOK_ALLOW_PRIVATE=1).")
    var webhookAllowPrivate = false

    // No default from the environment here: ArgumentParser prints defaults in --help, and this is a secret.
    @Option(name: .customLong("csrf-key"), help: """
        A secret of at least 32 characters that signs the pages' form tokens (env TESSERA_CSRF_KEY, \
        preferred: a flag shows in the process list). Give every process serving the same pages the same \
        one; without it each process makes a random key at start.
        """)
    var csrfKey: String?

    /// The configured CSRF secret, flag first, else the environment; nil when neither is set.
    private var csrfSecret: String? {
        if let csrfKey { return csrfKey }
        guard let secret = Self.environment["TESSERA_CSRF_KEY"], !secret.isEmpty else { return nil }
        return secret
    }

    @Option(name: .customLong("prepared-statements"), help: """
        on or off: PostgreSQL statements run again are prepared once per connection (env \
        TESSERA_PREPARED_STATEMENTS). off for a connection pooler that cannot keep them: every \
        statement is then planned at each run.
        """)
    var preparedStatements: String = environment["TESSERA_PREPARED_STATEMENTS"] ?? "on"

    @Option(name: .customLong("database-connections"), help: """
        PostgreSQL connections this process keeps open, all of them all the time (env \
        TESSERA_DATABASE_CONNECTIONS; default \(TesseraDatabase.defaultConnections)). Ignored on SQLite.
        """)
    var databaseConnections: Int = environment["TESSERA_DATABASE_CONNECTIONS"].flatMap { Int($0) }
        ?? TesseraDatabase.defaultConnections

    @OptionGroup(title: "Connection and rate limits") var limits: LimitOptions

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        guard URL(string: publicURL)?.scheme != nil else { throw ValidationError("--public-url must be an absolute URL") }
        _ = try mailTransport(logger: .tessera())
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown --log-level \(logLevel)") }
        guard ["text", "json"].contains(logFormat) else { throw ValidationError("--log-format must be text or json") }
        guard ["on", "off"].contains(preparedStatements) else {
            throw ValidationError("--prepared-statements (or TESSERA_PREPARED_STATEMENTS) must be on or off")
        }
        try requireEnvironmentNumbers(["TESSERA_PORT", "TESSERA_DATABASE_CONNECTIONS", "TESSERA_METRICS_PORT"],
                                      in: Self.environment)
        guard (1...1000).contains(databaseConnections) else {
            throw ValidationError("--database-connections must be between 1 and 1000")
        }
        if let metricsPort {
            guard (0...65535).contains(metricsPort) else { throw ValidationError("--metrics-port must be between 0 and 65535") }
            guard metricsPort != port || metricsPort == 0 else {
                throw ValidationError("--metrics-port must differ from --port: metrics have a listener of their own")
            }
        }
        if let csrfSecret {
            do { _ = try FormTokenKey(secret: csrfSecret) } catch {
                throw ValidationError("--csrf-key (or TESSERA_CSRF_KEY): \(error)")
            }
        }
    }

    func mailTransport(logger: Logger) throws -> any MailTransport {
        if mail == "log" { return LogMailTransport(logger: logger) }
        if mail.hasPrefix("file://"), let url = URL(string: mail), !url.path.isEmpty {
            return FileMailTransport(directory: URL(fileURLWithPath: url.path))
        }
        if mail.hasPrefix("smtp://") || mail.hasPrefix("smtps://") {
            do {
                let smtp = try SMTPConfiguration(url: mail, caFile: mailCAFile)
                return try SMTPMailTransport(configuration: smtp, logger: logger)
            } catch let error as SMTPConfigurationError {
                throw ValidationError("--mail: \(error)")
            }
        }
        throw ValidationError("--mail must be log, file:///a/folder, smtp://host[:port] or smtps://host[:port]")
    }

    func run() async throws {
        // Before the first logger is made: a logger keeps the handler it was made with.
        if logFormat == "json" {
            LoggingSystem.bootstrap { label in JSONLogHandler(label: label) }
        } else {
            LoggingSystem.bootstrap { label in TextLogHandler(label: label) }
        }
        let logger = Logger.tessera(level: Logger.Level(rawValue: logLevel) ?? .info)
        var configuration = ServerConfiguration()
        configuration.host = host
        configuration.port = port
        configuration.metricsPort = metricsPort
        configuration.metricsHost = metricsHost
        let metrics = TesseraMetrics()
        if let metricsPort {
            // Hummingbird announces both listeners alike; this says which one is the metrics'.
            logger.info("Prometheus metrics at http://\(metricsHost):\(metricsPort)/metrics")
            // Once per process, here and nowhere else: libraries that report through swift-metrics
            // land in the same registry as Tessera's own metrics, which are passed explicitly.
            MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: metrics.registry))
        }
        configuration.publicURL = publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL
        if let sender = Self.environment["TESSERA_MAIL_FROM"], !sender.isEmpty { configuration.mailSender = sender }
        if let adminToken = Self.environment["TESSERA_ADMIN_TOKEN"], !adminToken.isEmpty {
            configuration.adminTokenHash = SecretToken.hash(adminToken)
        }
        if let csrfSecret { configuration.csrfKey = try FormTokenKey(secret: csrfSecret) }
        configuration.webhookAllowPrivate = webhookAllowPrivate
            || ["1", "true", "yes", "on"].contains(Self.environment["TESSERA_WEBHOOK_ALLOW_PRIVATE"]?.lowercased() ?? "")
        if configuration.webhookAllowPrivate {
            logger.warning("webhook endpoints may point at private networks and this machine (--webhook-allow-private)")
        }
        limits.configure(&configuration, logger: logger)
        let transport = try mailTransport(logger: logger)
        // First migrate (failing fast when the database cannot be reached), then serve with the
        // database as the first service of the application's group.
        let adminTokenConfigured = configuration.adminTokenHash != nil
        try await withDatabase(database, logger: logger) { db in
            try await Migrations.migrate(db)
            if !adminTokenConfigured, let token = try await OperatorTokens.createFirst(in: db) {
                // Printed once, on the first start of an empty database: it is stored only as a hash.
                // Written straight to the file descriptor so it shows up at once even when stdout is a file.
                FileHandle.standardOutput.write(Data("Operator token (shown once, keep it safe): \(token.value)\n".utf8))
            }
        }
        let db = try await TesseraDatabase.open(try database.location(), connections: databaseConnections,
                                                logger: logger, observer: metrics,
                                                preparesStatements: preparedStatements == "on",
                                                postgresWait: nil)  // reached just now, by the migrations
        let app = buildApplication(configuration: configuration, database: db, mail: transport, logger: logger,
                                   metrics: metrics, runsDatabase: true)
        try await app.runService()
    }
}

/// Throws when one of `names` is set in `environment` to anything but a whole number (with
/// `fractional`, a number): a mistyped value must not fall back to its default silently. An
/// empty value counts as unset, as the options read it. Every numeric variable of `serve`.
func requireEnvironmentNumbers(_ names: [String], fractional: Bool = false, in environment: [String: String]) throws {
    for name in names {
        guard let raw = environment[name], !raw.isEmpty else { continue }
        guard fractional ? Double(raw) != nil : Int(raw) != nil else {
            throw ValidationError("\(name) must be \(fractional ? "a number" : "a whole number")")
        }
    }
}

/// Connection time-outs and caps, and per-client request rate limits, of `tessera serve`.
struct LimitOptions: ParsableArguments {
    private static let environment = ProcessInfo.processInfo.environment
    private static let defaults = RateLimits()

    private static func number<Number: LosslessStringConvertible>(_ name: String) -> Number? {
        environment[name].flatMap { Number($0) }
    }

    @Option(name: .customLong("idle-timeout"),
            help: "Seconds a connection may stay open with no request in progress (env TESSERA_IDLE_TIMEOUT).")
    var idleTimeout: Int = number("TESSERA_IDLE_TIMEOUT") ?? 60

    @Option(name: .customLong("request-timeout"),
            help: "Seconds a client has to send a whole request, head and body, from its first byte (env TESSERA_REQUEST_TIMEOUT).")
    var requestTimeout: Int = number("TESSERA_REQUEST_TIMEOUT") ?? 30

    @Option(name: .customLong("max-connections"),
            help: "Most connections open at once; more are closed at once (env TESSERA_MAX_CONNECTIONS; default half the open file limit, at most 4096).")
    var maxConnectionsFlag: Int?

    /// The flag, else the environment; nil for the default derived from the open file limit.
    private var maxConnections: Int? { maxConnectionsFlag ?? Self.number("TESSERA_MAX_CONNECTIONS") }

    @Option(name: .customLong("rate-limit"), help: "on or off: per-client request rate limits (env TESSERA_RATE_LIMIT).")
    var rateLimit: String = environment["TESSERA_RATE_LIMIT"] ?? "on"

    @Option(name: .customLong("api-rate"),
            help: "Requests per second each token (or session) earns on the API (env TESSERA_API_RATE).")
    var apiRate: Double = number("TESSERA_API_RATE") ?? defaults.api.perSecond

    @Option(name: .customLong("api-burst"),
            help: "Requests each token (or session) may send at once (env TESSERA_API_BURST).")
    var apiBurst: Int = number("TESSERA_API_BURST") ?? defaults.api.burst

    @Option(name: .customLong("claim-rate"),
            help: "Requests per second each client address earns on the claim routes (env TESSERA_CLAIM_RATE).")
    var claimRate: Double = number("TESSERA_CLAIM_RATE") ?? defaults.claim.perSecond

    @Option(name: .customLong("claim-burst"),
            help: "Requests each client address may send at once to the claim routes (env TESSERA_CLAIM_BURST).")
    var claimBurst: Int = number("TESSERA_CLAIM_BURST") ?? defaults.claim.burst

    @Flag(name: .customLong("trust-forwarded-for"),
          help: "Take the client address from the last X-Forwarded-For entry: only behind one reverse proxy (env TESSERA_TRUST_FORWARDED_FOR=1).")
    var trustForwardedFor = false

    func validate() throws {
        try requireEnvironmentNumbers(["TESSERA_IDLE_TIMEOUT", "TESSERA_REQUEST_TIMEOUT", "TESSERA_MAX_CONNECTIONS",
                                       "TESSERA_API_BURST", "TESSERA_CLAIM_BURST"], in: Self.environment)
        try requireEnvironmentNumbers(["TESSERA_API_RATE", "TESSERA_CLAIM_RATE"], fractional: true, in: Self.environment)
        guard idleTimeout > 0 else { throw ValidationError("--idle-timeout must be at least 1 second") }
        guard requestTimeout > 0 else { throw ValidationError("--request-timeout must be at least 1 second") }
        if let maxConnections, maxConnections < 1 { throw ValidationError("--max-connections must be at least 1") }
        guard ["on", "off"].contains(rateLimit) else { throw ValidationError("--rate-limit must be on or off") }
        guard apiRate > 0, apiRate.isFinite, claimRate > 0, claimRate.isFinite else {
            throw ValidationError("--api-rate and --claim-rate must be more than 0")
        }
        guard apiBurst >= 1, claimBurst >= 1 else { throw ValidationError("--api-burst and --claim-burst must be at least 1") }
    }

    /// Raises the open file limit to its hard limit, then fills in the limits.
    func configure(_ configuration: inout ServerConfiguration, logger: Logger) {
        let fileLimit = OpenFileLimit.raiseToHardLimit()
        configuration.connections.idleTimeout = .seconds(idleTimeout)
        configuration.connections.requestTimeout = .seconds(requestTimeout)
        let maximum = maxConnections ?? ConnectionLimits.defaultMaximumConnections(openFileLimit: fileLimit)
        configuration.connections.maximumConnections = maximum
        if let fileLimit, maximum > fileLimit / 4 * 3 {
            logger.warning("--max-connections \(maximum) leaves little of the open file limit (\(fileLimit)) for anything else")
        }
        configuration.rateLimits.isEnabled = rateLimit == "on"
        configuration.rateLimits.api = RateLimit(perSecond: apiRate, burst: apiBurst)
        configuration.rateLimits.claim = RateLimit(perSecond: claimRate, burst: claimBurst)
        let trusted = ["1", "true", "yes", "on"].contains(Self.environment["TESSERA_TRUST_FORWARDED_FOR"]?.lowercased() ?? "")
        configuration.rateLimits.trustsForwardedFor = trustForwardedFor || trusted
        let rates = configuration.rateLimits.isEnabled
            ? "API \(apiRate)/s, burst \(apiBurst), per token; claims \(claimRate)/s, burst \(claimBurst), per address"
            : "off"
        logger.info("""
            Connections: at most \(maximum) (open file limit \(fileLimit.map(String.init) ?? "unknown")), \
            idle time-out \(idleTimeout) s, request time-out \(requestTimeout) s. Rate limits: \(rates).
            """)
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply database migrations (safe to run again).",
        discussion: "Example: tessera migrate --database-url postgres://tessera@localhost/tessera")

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let (applied, version) = try await withDatabase(database, logger: .tessera(level: .warning)) { db in
            (try await Migrations.migrate(db), try await Migrations.recordedVersion(db))
        }
        if version > Migrations.latestVersion {
            print("""
                The schema is at version \(version), newer than this release's \(Migrations.latestVersion): a newer \
                release of tessera migrated it. Nothing was applied.
                """)
        } else {
            print(applied.isEmpty ? "Schema is up to date (version \(version))."
                                  : "Applied migrations: \(applied.map(String.init).joined(separator: ", ")).")
        }
    }
}

struct Backup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Copy a SQLite database to a new file, consistently, while servers use it.",
        discussion: """
            Example: tessera backup --database-url /var/lib/tessera/tessera.sqlite --to /srv/backups/tessera-$(date +%F).sqlite

            To restore: stop the server, remove the database file and its -wal and -shm files, put \
            the copy in its place, start the server (it applies any newer migrations). For a \
            PostgreSQL database use pg_dump; this command says how.
            """)

    @OptionGroup var database: DatabaseOptions

    @Option(name: .customLong("to"), help: ArgumentHelp("The file to write; it must not exist yet.", valueName: "file"))
    var destination: String

    func run() async throws {
        let copy = try await DatabaseBackup.copy(try database.location(), to: destination)
        print("Backed up \(database.databaseURL) to \(copy.path) (\(copy.bytes) bytes).")
    }
}

struct Admin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Operator commands.", subcommands: [Token.self])

    struct Token: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a new operator token and print it (alone on the last line).",
            discussion: "Example: TOKEN=$(tessera admin token --database-url tessera.sqlite | tail -n 1)")

        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let token = try await withDatabase(database, logger: .tessera(level: .warning)) { db in
                try await Migrations.migrate(db)
                return try await OperatorTokens.create(in: db, comment: "tessera admin token")
            }
            print("New operator token:")
            print(token.value)
        }
    }
}
