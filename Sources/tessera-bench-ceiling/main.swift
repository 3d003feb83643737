// The ceilings of `scripts/bench`: what Tessera's own stack does with Tessera taken out, measured
// in the same run as Tessera's figures. Not part of the product; nothing in CI runs it.
//
//   tessera-bench-ceiling http --port P
//       Hummingbird with one route, GET /healthz, answering a fixed 600-byte JSON object (the
//       `/healthz` ceiling; the caller loads it with wrk). Runs until SIGTERM or SIGINT.
//   tessera-bench-ceiling write --database DB --duration S [--concurrency C] [--pools N] [--driver D]
//       assign's write transaction straight through the driver, no HTTP: BEGIN (IMMEDIATE on
//       SQLite), then 7 statements shaped like assign's (see `writeTransaction`), then COMMIT.
//       Prints one line: `transactions_per_second=… count=… seconds=… errors=…`.
//   tessera-bench-ceiling read --database DB --duration S [--concurrency C] [--tokens N] [--driver D]
//       claim info's reads straight through the driver: 2 statements, no transaction.
//
// --driver (SQLite only): `sqlite-kit` (the default: the ceiling) or `tessera`, the same
// statements through TesseraStore's inline SQLite driver (`TesseraDatabase.transaction` and
// `read`), which is how BENCHMARKS.md compares the driver Tessera uses with the one it replaced.
//
// DB: a SQLite file path, or postgres://user[:password]@host:port/database. The tool creates
// its own tables (a copy of the columns and indexes of Tessera's tables that these statements
// touch) and seeds them on first use, so it needs its own file or database: never Tessera's.
// SQLite: one connection (as Tessera), same pragmas, one task (the connection runs one statement
// at a time anyway). PostgreSQL: postgres-nio's PostgresClient with a pool of 20 connections
// (Tessera's default) and C concurrent tasks (default 64). Both through SQLKit raw queries with
// bound parameters, as Tessera's stores send them.

import Foundation
import Hummingbird
import PostgresKit
import SQLiteKit
import TesseraCore
import TesseraStore

// MARK: Arguments

struct Arguments {
    var command = ""
    var values: [String: String] = [:]

    init(_ arguments: [String]) throws {
        var rest = arguments.dropFirst()
        guard let command = rest.popFirst() else { throw UsageError("no command (http, write or read)") }
        self.command = command
        while let flag = rest.popFirst() {
            guard flag.hasPrefix("--"), let value = rest.popFirst() else { throw UsageError("bad argument \(flag)") }
            values[String(flag.dropFirst(2))] = value
        }
    }

    func string(_ name: String) throws -> String {
        guard let value = values[name] else { throw UsageError("missing --\(name)") }
        return value
    }

    func int(_ name: String, default fallback: Int, in range: ClosedRange<Int>) throws -> Int {
        guard let text = values[name] else { return fallback }
        guard let value = Int(text), range.contains(value) else {
            throw UsageError("--\(name) takes a whole number in \(range.lowerBound)...\(range.upperBound)")
        }
        return value
    }

    func seconds(_ name: String) throws -> Double {
        guard let value = Double(try string(name)), value > 0, value <= 3600 else {
            throw UsageError("--\(name) takes seconds, more than 0 and at most 3600")
        }
        return value
    }
}

struct UsageError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

// MARK: HTTP ceiling

/// A seat as the API shows it, padded to 600 bytes: what the `/healthz` ceiling answers.
let seatJSON: String = {
    let base = """
        {"id":"0d7f8e3a-8a53-4c8e-9d8e-3f6b2b1c9a10","subscription_id":"6a1f4c2e-1b7d-4e55-9a3c-2d8f0e7b6c41",\
        "order_id":null,"status":"pending","customer_id":"9b2e7d14-5c3a-4f8b-a6e1-0c9d8b7a6f52",\
        "member_id":"2c4e6a8b-0d1f-4357-9bdf-13579bdf2468","email":null,"customer_email":"ada@bigco.example",\
        "invitation_token_expires_at":"2026-12-02T12:00:00Z","claimed_at":null,"revoked_at":null,\
        "seat_metadata":{},"created_at":"2026-12-01T12:00:00Z","modified_at":null,\
        "member":{"id":"2c4e6a8b-0d1f-4357-9bdf-13579bdf2468","email":"ada@bigco.example","name":null,"role":"member"}
        """
    return base + ",\"pad\":\"" + String(repeating: "x", count: max(0, 600 - base.count - 10)) + "\"}"
}()

func serveHTTP(port: Int) async throws {
    let body = ByteBuffer(string: seatJSON)
    let router = Router()
    router.get("/healthz") { _, _ -> Response in
        Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                 body: ResponseBody(byteBuffer: body))
    }
    var logger = Logger(label: "tessera-bench-ceiling")
    logger.logLevel = .error
    let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)),
                          logger: logger)
    try await app.runService()
}

// MARK: Database ceilings

enum Backend {
    case sqlite(path: String)
    case postgres(PostgresClient.Configuration)

    init(url: String) throws {
        guard url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") else {
            self = .sqlite(path: url)
            return
        }
        guard let components = URLComponents(string: url), let host = components.host, let user = components.user,
              components.path.count > 1 else {
            throw UsageError("--database: postgres://user[:password]@host:port/database")
        }
        self = .postgres(PostgresClient.Configuration(
            host: host, port: components.port ?? 5432, username: user, password: components.password,
            database: String(components.path.dropFirst()), tls: .disable))
    }
}

/// The ids of the seeded rows; every run finds them again by their fixed names.
struct Seed {
    static let organizationId = "00000000-0000-4000-8000-000000000001"
    static let customerId = "00000000-0000-4000-8000-000000000002"
    static let productId = "00000000-0000-4000-8000-000000000003"
    static func poolId(_ index: Int) -> String { "00000000-0000-4000-8001-" + padded(index, 12) }
    static func memberId(_ index: Int) -> String { "00000000-0000-4000-8002-" + padded(index, 12) }
    static func seatId(_ index: Int) -> String { "00000000-0000-4000-8003-" + padded(index, 12) }
    /// Stands in for the SHA-256 hex of an invitation token: 64 hex digits.
    static func tokenHash(_ index: Int) -> String { padded(index, 64) }

    private static func padded(_ number: Int, _ width: Int) -> String {
        let digits = String(number)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}

/// Tessera's columns and indexes for the tables these statements touch (migrations 1-3).
let schema: [String] = [
    """
    CREATE TABLE IF NOT EXISTS organizations (
        id TEXT PRIMARY KEY, name TEXT NOT NULL, slug TEXT NOT NULL UNIQUE,
        seat_based_pricing_enabled BOOLEAN NOT NULL, member_model_enabled BOOLEAN NOT NULL,
        created_at BIGINT NOT NULL, modified_at BIGINT)
    """,
    """
    CREATE TABLE IF NOT EXISTS customers (
        id TEXT PRIMARY KEY, organization_id TEXT NOT NULL REFERENCES organizations(id), email TEXT NOT NULL,
        email_key TEXT NOT NULL, name TEXT, external_id TEXT, metadata TEXT NOT NULL DEFAULT '{}',
        created_at BIGINT NOT NULL, modified_at BIGINT, deleted_at BIGINT)
    """,
    """
    CREATE TABLE IF NOT EXISTS members (
        id TEXT PRIMARY KEY, organization_id TEXT NOT NULL REFERENCES organizations(id),
        customer_id TEXT NOT NULL REFERENCES customers(id), email TEXT NOT NULL, email_key TEXT NOT NULL,
        name TEXT, external_id TEXT, role TEXT NOT NULL, created_at BIGINT NOT NULL, modified_at BIGINT,
        deleted_at BIGINT)
    """,
    """
    CREATE TABLE IF NOT EXISTS products (
        id TEXT PRIMARY KEY, organization_id TEXT NOT NULL REFERENCES organizations(id), name TEXT NOT NULL,
        description TEXT, recurring_interval TEXT, prices TEXT NOT NULL, metadata TEXT NOT NULL DEFAULT '{}',
        is_archived BOOLEAN NOT NULL, created_at BIGINT NOT NULL, modified_at BIGINT)
    """,
    """
    CREATE TABLE IF NOT EXISTS subscriptions (
        id TEXT PRIMARY KEY, organization_id TEXT NOT NULL REFERENCES organizations(id),
        customer_id TEXT NOT NULL REFERENCES customers(id), product_id TEXT NOT NULL REFERENCES products(id),
        seats INTEGER, active_seats INTEGER NOT NULL DEFAULT 0, status TEXT NOT NULL, amount BIGINT NOT NULL,
        currency TEXT NOT NULL, recurring_interval TEXT NOT NULL, cancel_at_period_end BOOLEAN NOT NULL,
        canceled_at BIGINT, started_at BIGINT NOT NULL, ended_at BIGINT, current_period_start BIGINT NOT NULL,
        current_period_end BIGINT NOT NULL, metadata TEXT NOT NULL DEFAULT '{}', created_at BIGINT NOT NULL,
        modified_at BIGINT)
    """,
    """
    CREATE TABLE IF NOT EXISTS seats (
        id TEXT PRIMARY KEY, organization_id TEXT NOT NULL REFERENCES organizations(id),
        subscription_id TEXT REFERENCES subscriptions(id), order_id TEXT, status TEXT NOT NULL,
        customer_id TEXT, member_id TEXT, email TEXT, invitation_token_hash TEXT UNIQUE,
        invitation_token_expires_at BIGINT, claimed_at BIGINT, revoked_at BIGINT,
        metadata TEXT NOT NULL DEFAULT '{}', created_at BIGINT NOT NULL, modified_at BIGINT,
        assigned_at BIGINT, CHECK ((subscription_id IS NULL) <> (order_id IS NULL)))
    """,
    "CREATE INDEX IF NOT EXISTS seats_subscription ON seats (subscription_id, status, created_at)",
    """
    CREATE UNIQUE INDEX IF NOT EXISTS seats_subscription_member ON seats (subscription_id, member_id)
        WHERE member_id IS NOT NULL
    """,
    "CREATE INDEX IF NOT EXISTS seats_customer ON seats (customer_id)",
    "CREATE INDEX IF NOT EXISTS seats_member ON seats (member_id)",
    """
    CREATE TABLE IF NOT EXISTS outbox (
        id TEXT PRIMARY KEY, kind TEXT NOT NULL, payload TEXT NOT NULL, status TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at BIGINT NOT NULL, leased_until BIGINT,
        last_error TEXT, created_at BIGINT NOT NULL, delivered_at BIGINT)
    """,
    "CREATE INDEX IF NOT EXISTS outbox_due_order ON outbox (status, next_attempt_at, created_at)",
    """
    CREATE TABLE IF NOT EXISTS webhook_events (
        id TEXT PRIMARY KEY, organization_id TEXT NOT NULL REFERENCES organizations(id), type TEXT NOT NULL,
        body TEXT NOT NULL, created_at BIGINT NOT NULL)
    """,
]

func micros() -> Int64 { Int64(Date().timeIntervalSince1970 * 1_000_000) }

/// Creates the tables and, on first use, one organization, customer and product, `pools`
/// subscriptions and `tokens` pending seats (each with a member and an invitation) spread over them.
func prepare(_ db: any SQLDatabase, pools: Int, tokens: Int) async throws {
    for statement in schema { try await db.raw(SQLQueryString(statement)).run() }
    let now = micros()
    let org = Seed.organizationId
    try await db.raw("BEGIN").run()
    do {
        if try await db.raw("SELECT id FROM organizations WHERE id = \(bind: org)").first() == nil {
            try await db.raw("""
                INSERT INTO organizations (id, name, slug, seat_based_pricing_enabled, member_model_enabled, created_at)
                VALUES (\(bind: org), 'Ceiling', 'ceiling', \(bind: true), \(bind: false), \(bind: now))
                """).run()
            try await db.raw("""
                INSERT INTO customers (id, organization_id, email, email_key, created_at)
                VALUES (\(bind: Seed.customerId), \(bind: org), 'billing@ceiling.example', 'billing@ceiling.example',
                        \(bind: now))
                """).run()
            try await db.raw("""
                INSERT INTO products (id, organization_id, name, recurring_interval, prices, is_archived, created_at)
                VALUES (\(bind: Seed.productId), \(bind: org), 'Team plan', 'month', \(bind: pricesJSON),
                        \(bind: false), \(bind: now))
                """).run()
        }
        let havePools = try await db.raw("SELECT COUNT(*) AS n FROM subscriptions").first()?
            .decode(column: "n", as: Int.self) ?? 0
        for index in havePools..<max(havePools, pools) {
            try await db.raw("""
                INSERT INTO subscriptions (id, organization_id, customer_id, product_id, seats, active_seats, status,
                    amount, currency, recurring_interval, cancel_at_period_end, started_at, current_period_start,
                    current_period_end, created_at)
                VALUES (\(bind: Seed.poolId(index)), \(bind: org), \(bind: Seed.customerId), \(bind: Seed.productId),
                        1000000000, 0, 'active', 1500, 'usd', 'month', \(bind: false), \(bind: now), \(bind: now),
                        \(bind: now + 2_592_000_000_000), \(bind: now))
                """).run()
        }
        let haveTokens = try await db.raw("SELECT COUNT(*) AS n FROM members").first()?
            .decode(column: "n", as: Int.self) ?? 0
        for index in haveTokens..<max(haveTokens, tokens) {
            let email = "holder\(index)@ceiling.example"
            try await db.raw("""
                INSERT INTO members (id, organization_id, customer_id, email, email_key, role, created_at)
                VALUES (\(bind: Seed.memberId(index)), \(bind: org), \(bind: Seed.customerId), \(bind: email),
                        \(bind: email), 'member', \(bind: now))
                """).run()
            try await db.raw("""
                INSERT INTO seats (id, organization_id, subscription_id, status, customer_id, member_id,
                    invitation_token_hash, invitation_token_expires_at, assigned_at, metadata, created_at)
                VALUES (\(bind: Seed.seatId(index)), \(bind: org), \(bind: Seed.poolId(index % max(pools, 1))),
                        'pending', \(bind: Seed.customerId), \(bind: Seed.memberId(index)), \(bind: Seed.tokenHash(index)),
                        \(bind: now + 86_400_000_000 * 365), \(bind: now), '{}', \(bind: now))
                """).run()
        }
        try await db.raw("COMMIT").run()
    } catch {
        try? await db.raw("ROLLBACK").run()
        throw error
    }
}

let pricesJSON = """
    [{"id":"00000000-0000-4000-8000-000000000004","amount_type":"seat_based","price_currency":"usd",\
    "seat_tiers":{"seat_tier_type":"volume","tiers":[{"min_seats":1,"max_seats":null,"price_per_seat":1500}]}}]
    """

/// An invitation email as the outbox stores it: about the size of Tessera's (text and HTML parts).
let outboxPayload: String = {
    let text = String(repeating: "You have been invited to a seat of Team plan at Ceiling. ", count: 12)
    let html = "<p>" + String(repeating: "You have been invited to a seat of <b>Team plan</b> at Ceiling. ", count: 12) + "</p>"
    return #"{"to":"someone@ceiling.example","subject":"You've been invited to Team plan","text":"\#(text)","html":"\#(html)"}"#
}()

/// Assign's transaction in shape, between BEGIN and COMMIT (sent by the caller):
/// 1. lock the pool row (`SELECT … FOR UPDATE` on PostgreSQL; SQLite's BEGIN IMMEDIATE excludes),
/// 2. read the organization (the seat feature check), 3. find the pool's oldest revoked seat (none:
/// so a new row), 4. insert the seat, 5. add one to the pool's count, 6. insert the invitation
/// email into the outbox, 7. insert the webhook event.
func writeTransaction(_ db: any SQLDatabase, pool: String, postgres: Bool, serial: Int) async throws {
    let org = Seed.organizationId
    let now = micros()
    let lock = postgres ? " FOR UPDATE" : ""
    guard let poolRow = try await db.raw("""
        SELECT organization_id, customer_id, product_id, seats, active_seats, status FROM subscriptions
        WHERE id = \(bind: pool) AND organization_id = \(bind: org)\(unsafeRaw: lock)
        """).first() else { throw UsageError("pool \(pool) is missing") }
    let seats = try poolRow.decode(column: "seats", as: Int?.self) ?? 0
    let active = try poolRow.decode(column: "active_seats", as: Int.self)
    _ = try poolRow.decode(column: "customer_id", as: String.self)
    _ = try poolRow.decode(column: "product_id", as: String.self)
    _ = try poolRow.decode(column: "status", as: String.self)
    guard active < seats else { throw UsageError("pool \(pool) is full") }
    guard let orgRow = try await db.raw("SELECT * FROM organizations WHERE id = \(bind: org)").first() else {
        throw UsageError("organization is missing")
    }
    _ = try orgRow.decode(column: "seat_based_pricing_enabled", as: Bool.self)
    _ = try orgRow.decode(column: "name", as: String.self)
    let revoked = try await db.raw("""
        SELECT * FROM seats WHERE subscription_id = \(bind: pool) AND status = 'revoked'
        ORDER BY created_at, id LIMIT 1
        """).first()
    precondition(revoked == nil)
    // Record ids as Tessera makes them (time-ordered); the token's hash is random as a hash is.
    let seatId = UUID.timeOrdered().wire
    let email = "ceiling-\(serial)-\(seatId.prefix(8))@ceiling.example"
    let tokenHash = UUID().uuidString.lowercased() + UUID().uuidString.lowercased().prefix(28)
    try await db.raw("""
        INSERT INTO seats (id, organization_id, subscription_id, order_id, status, customer_id, member_id, email,
                           invitation_token_hash, invitation_token_expires_at, assigned_at, claimed_at, revoked_at,
                           metadata, created_at, modified_at)
        VALUES (\(bind: seatId), \(bind: org), \(bind: pool), \(bind: String?.none), 'pending', \(bind: Seed.customerId),
                \(bind: String?.none), \(bind: email), \(bind: tokenHash), \(bind: now + 86_400_000_000), \(bind: now),
                \(bind: Int64?.none), \(bind: Int64?.none), '{}', \(bind: now), \(bind: now))
        """).run()
    try await db.raw("UPDATE subscriptions SET active_seats = active_seats + \(bind: 1) WHERE id = \(bind: pool)").run()
    try await db.raw("""
        INSERT INTO outbox (id, kind, payload, status, attempts, next_attempt_at, last_error, created_at, delivered_at)
        VALUES (\(bind: UUID.timeOrdered().wire), 'email', \(bind: outboxPayload), 'pending', \(bind: 0),
                \(bind: now), \(bind: String?.none), \(bind: now), \(bind: Int64?.none))
        """).run()
    try await db.raw("""
        INSERT INTO webhook_events (id, organization_id, type, body, created_at)
        VALUES (\(bind: UUID.timeOrdered().wire), \(bind: org), 'customer_seat.assigned',
                \(bind: #"{"type":"customer_seat.assigned","data":"# + seatJSON + "}"), \(bind: now))
        """).run()
}

/// Claim info's reads in shape: the seat with its holder by the invitation token's hash (one
/// joined query, as `details`), then the pool with its product and organization (one joined query).
func readQueries(_ db: any SQLDatabase, tokenHash: String) async throws {
    guard let seat = try await db.raw("""
        SELECT s.*, c.email AS holder_customer_email,
               m.id AS m_id, m.organization_id AS m_organization_id, m.customer_id AS m_customer_id,
               m.email AS m_email, m.name AS m_name, m.external_id AS m_external_id, m.role AS m_role,
               m.created_at AS m_created_at, m.modified_at AS m_modified_at
        FROM seats s
        LEFT JOIN customers c ON c.id = s.customer_id
        LEFT JOIN members m ON m.id = s.member_id
        WHERE s.invitation_token_hash = \(bind: tokenHash)
        """).first() else { throw UsageError("no seat for token hash \(tokenHash)") }
    let pool = try seat.decode(column: "subscription_id", as: String.self)
    _ = try seat.decode(column: "m_email", as: String?.self)
    _ = try seat.decode(column: "invitation_token_expires_at", as: Int64?.self)
    guard let row = try await db.raw("""
        SELECT p.id AS product_id, p.name AS product_name, p.prices, p.is_archived,
               o.id AS organization_id, o.name AS organization_name, o.slug, o.seat_based_pricing_enabled
        FROM subscriptions sub
        JOIN products p ON p.id = sub.product_id
        JOIN organizations o ON o.id = sub.organization_id
        WHERE sub.id = \(bind: pool) AND sub.organization_id = \(bind: Seed.organizationId)
        """).first() else { throw UsageError("no pool \(pool)") }
    _ = try row.decode(column: "product_name", as: String.self)
    _ = try row.decode(column: "slug", as: String.self)
    _ = try row.decode(column: "seat_based_pricing_enabled", as: Bool.self)
}

/// Counts completed operations until `seconds` have passed; errors are counted, not fatal.
final class Tally: @unchecked Sendable {
    private let lock = NSLock()
    private var done = 0
    private var failed = 0
    private var firstError: String?
    func record(_ error: (any Error)?) {
        lock.lock(); defer { lock.unlock() }
        if let error {
            failed += 1
            if firstError == nil { firstError = String(reflecting: error) }
        } else {
            done += 1
        }
    }
    var snapshot: (Int, Int, String?) { lock.lock(); defer { lock.unlock() }; return (done, failed, firstError) }
}

func report(_ tally: Tally, seconds: Double) {
    let (done, failed, firstError) = tally.snapshot
    let rate = (Double(done) / seconds * 10).rounded() / 10
    print("transactions_per_second=\(rate) count=\(done) seconds=\(seconds) errors=\(failed)")
    if let firstError { FileHandle.standardError.write(Data("first error: \(firstError)\n".utf8)) }
}

func runDatabase(_ arguments: Arguments, write: Bool) async throws {
    let backend = try Backend(url: try arguments.string("database"))
    let duration = try arguments.seconds("duration")
    let pools = try arguments.int("pools", default: 200, in: 1...100_000)
    let tokens = try arguments.int("tokens", default: 1000, in: 1...1_000_000)
    var logger = Logger(label: "tessera-bench-ceiling")
    logger.logLevel = .error
    let tally = Tally()

    switch backend {
    case .sqlite(let path) where arguments.values["driver"] == "tessera":
        let concurrency = try arguments.int("concurrency", default: 1, in: 1...1024)
        let elapsed = try await TesseraDatabase.withDatabase(.sqliteFile(path), logger: logger) { database in
            try await database.withConnection { try await prepare($0.sql, pools: pools, tokens: tokens) }
            let operation: @Sendable (Int) async throws -> Void = { serial in
                if write {
                    try await database.transaction {
                        try await writeTransaction($0.sql, pool: Seed.poolId(Int.random(in: 0..<pools)), postgres: false,
                                                   serial: serial)
                    }
                } else {
                    try await database.read {
                        try await readQueries($0.sql, tokenHash: Seed.tokenHash(Int.random(in: 0..<tokens)))
                    }
                }
            }
            return try await measure(operation, concurrency: concurrency, duration: duration, tally: tally)
        }
        report(tally, seconds: elapsed)

    case .sqlite(let path):
        guard (arguments.values["driver"] ?? "sqlite-kit") == "sqlite-kit" else {
            throw UsageError("--driver takes sqlite-kit or tessera")
        }
        let connection = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
        let result: Result<Double, any Error>
        do {
            let db = connection.sql(queryLogLevel: nil)
            try await db.raw("PRAGMA journal_mode = WAL").run()
            try await db.raw("PRAGMA foreign_keys = ON").run()
            try await db.raw("PRAGMA busy_timeout = 5000").run()
            try await db.raw("PRAGMA synchronous = NORMAL").run()
            try await prepare(db, pools: pools, tokens: tokens)
            // One connection runs one statement at a time: one task is all it can use, so
            // --concurrency may only be 1 here.
            _ = try arguments.int("concurrency", default: 1, in: 1...1)
            var serial = 0
            let operation: () async throws -> Void = {
                serial += 1
                try await measuredOperation(db, write: write, postgres: false, pools: pools, tokens: tokens, serial: serial)
            }
            for _ in 0..<50 { try await operation() }  // warm-up, not counted
            let started = ContinuousClock.now
            let deadline = started + .milliseconds(Int(duration * 1000))
            while ContinuousClock.now < deadline {
                do { try await operation(); tally.record(nil) } catch { tally.record(error) }
            }
            result = .success(seconds(since: started))
        } catch {
            result = .failure(error)
        }
        try? await connection.close()
        report(tally, seconds: try result.get())

    case .postgres(var configuration):
        // Tessera's own pool options, so that the ceiling pays for the pool what Tessera pays.
        configuration.options = TesseraDatabase.postgresPoolOptions(
            connections: try arguments.int("connections", default: TesseraDatabase.defaultConnections, in: 1...200))
        let concurrency = try arguments.int("concurrency", default: 64, in: 1...1024)
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        let elapsed: Double = try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            try await client.withConnection { try await prepare($0.sql(queryLogLevel: nil), pools: pools, tokens: tokens) }
            let operation: @Sendable (Int) async throws -> Void = { serial in
                try await client.withConnection { connection in
                    try await measuredOperation(connection.sql(queryLogLevel: nil), write: write, postgres: true,
                                                pools: pools, tokens: tokens, serial: serial)
                }
            }
            return try await measure(operation, concurrency: concurrency, duration: duration, tally: tally)
        }
        report(tally, seconds: elapsed)
    }
}

/// Warms up with 50 uncounted operations, then runs `operation` from `concurrency` tasks until
/// `duration` seconds have passed. Returns the seconds measured.
func measure(_ operation: @escaping @Sendable (Int) async throws -> Void, concurrency: Int, duration: Double,
             tally: Tally) async throws -> Double {
    for index in 0..<50 { try await operation(-index) }
    let started = ContinuousClock.now
    let deadline = started + .milliseconds(Int(duration * 1000))
    try await withThrowingTaskGroup(of: Void.self) { workers in
        for worker in 0..<concurrency {
            workers.addTask {
                var serial = worker * 100_000_000
                while ContinuousClock.now < deadline {
                    serial += 1
                    do { try await operation(serial); tally.record(nil) } catch { tally.record(error) }
                }
            }
        }
        try await workers.waitForAll()
    }
    return seconds(since: started)
}

func seconds(since start: ContinuousClock.Instant) -> Double {
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
}

// MARK: Main

do {
    let arguments = try Arguments(CommandLine.arguments)
    switch arguments.command {
    case "http":
        guard let port = Int(try arguments.string("port")), (1...65535).contains(port) else {
            throw UsageError("--port takes a port number")
        }
        try await serveHTTP(port: port)
    case "write": try await runDatabase(arguments, write: true)
    case "read": try await runDatabase(arguments, write: false)
    default: throw UsageError("unknown command \(arguments.command) (http, write or read)")
    }
} catch let error as UsageError {
    FileHandle.standardError.write(Data("tessera-bench-ceiling: \(error)\n".utf8))
    exit(64)
} catch {
    FileHandle.standardError.write(Data("tessera-bench-ceiling: \(String(reflecting: error))\n".utf8))
    exit(1)
}

/// One measured operation: assign's transaction into a random pool (`BEGIN IMMEDIATE` on SQLite,
/// as Tessera writes), or claim info's reads for a random token.
func measuredOperation(_ db: any SQLDatabase, write: Bool, postgres: Bool, pools: Int, tokens: Int,
                       serial: Int) async throws {
    guard write else {
        try await readQueries(db, tokenHash: Seed.tokenHash(Int.random(in: 0..<tokens)))
        return
    }
    if postgres { try await db.raw("BEGIN").run() } else { try await db.raw("BEGIN IMMEDIATE").run() }
    do {
        try await writeTransaction(db, pool: Seed.poolId(Int.random(in: 0..<pools)), postgres: postgres, serial: serial)
        try await db.raw("COMMIT").run()
    } catch {
        try? await db.raw("ROLLBACK").run()
        throw error
    }
}
