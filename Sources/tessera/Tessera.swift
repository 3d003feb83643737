import ArgumentParser
import Foundation
import Hummingbird
import Logging
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
        subcommands: [Serve.self, Migrate.self, Admin.self,
                      OrganizationsCommand.self, TokensCommand.self, CustomersCommand.self, ProductsCommand.self,
                      SubscriptionsCommand.self, OrdersCommand.self, SeatsCommand.self])
}

/// Where the database is: shared by every command that opens it.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .customLong("database-url"),
            help: "A SQLite file path, or postgres://user:pass@host:port/db (env TESSERA_DATABASE_URL).")
    var databaseURL: String = ProcessInfo.processInfo.environment["TESSERA_DATABASE_URL"] ?? "tessera.sqlite"

    func open(logger: Logger) async throws -> TesseraDatabase {
        try await TesseraDatabase.open(try DatabaseLocation(url: databaseURL), logger: logger)
    }
}

extension Logger {
    static func tessera(level: Logger.Level = .info) -> Logger {
        var logger = Logger(label: "tessera")
        logger.logLevel = level
        return logger
    }
}

/// Runs `body` with an open database and always shuts the database down afterwards.
func withDatabase<T>(_ options: DatabaseOptions, logger: Logger, _ body: (TesseraDatabase) async throws -> T)
    async throws -> T
{
    let database = try await options.open(logger: logger)
    do {
        let result = try await body(database)
        await database.shutdown()
        return result
    } catch {
        await database.shutdown()
        throw error
    }
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

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        guard URL(string: publicURL)?.scheme != nil else { throw ValidationError("--public-url must be an absolute URL") }
        _ = try mailTransport(logger: .tessera())
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown --log-level \(logLevel)") }
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
        let logger = Logger.tessera(level: Logger.Level(rawValue: logLevel) ?? .info)
        var configuration = ServerConfiguration()
        configuration.host = host
        configuration.port = port
        configuration.publicURL = publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL
        if let sender = Self.environment["TESSERA_MAIL_FROM"], !sender.isEmpty { configuration.mailSender = sender }
        if let adminToken = Self.environment["TESSERA_ADMIN_TOKEN"], !adminToken.isEmpty {
            configuration.adminTokenHash = SecretToken.hash(adminToken)
        }
        let transport = try mailTransport(logger: logger)
        try await withDatabase(database, logger: logger) { db in
            try await Migrations.migrate(db)
            if configuration.adminTokenHash == nil, let token = try await OperatorTokens.createFirst(in: db) {
                // Printed once, on the first start of an empty database: it is stored only as a hash.
                // Written straight to the file descriptor so it shows up at once even when stdout is a file.
                FileHandle.standardOutput.write(Data("Operator token (shown once, keep it safe): \(token.value)\n".utf8))
            }
            let app = buildApplication(configuration: configuration, database: db, mail: transport, logger: logger)
            try await app.runService()
        }
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply database migrations (safe to run again).",
        discussion: "Example: tessera migrate --database-url postgres://tessera@localhost/tessera")

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let applied = try await withDatabase(database, logger: .tessera(level: .warning)) { try await Migrations.migrate($0) }
        print(applied.isEmpty ? "Schema is up to date (version \(Migrations.latestVersion))."
                              : "Applied migrations: \(applied.map(String.init).joined(separator: ", ")).")
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
