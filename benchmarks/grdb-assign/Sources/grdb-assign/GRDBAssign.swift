// grdb-assign --database FILE --duration S [--concurrency C] [--pools N]
//
// Assign's write transaction as `tessera-bench-ceiling write` sends it (see `writeTransaction`
// there: lock/read the pool, read the organization, look for a revoked seat, insert the seat,
// count it, queue the email, record the webhook event), through GRDB's `DatabasePool` in WAL
// mode with its statement cache. FILE must already hold the ceiling's seeded tables: run
// `tessera-bench-ceiling write --database FILE --duration 1` first. Prints the ceiling's line:
// `transactions_per_second=… count=… seconds=… errors=…`. The WAL is checkpointed at 10,000
// pages, as Tessera's writer does when nothing checkpoints in the background.

import Foundation
import GRDB

@main
enum GRDBAssign {

    static func value(_ name: String) -> String? {
        guard let index = CommandLine.arguments.firstIndex(of: "--\(name)"), index + 1 < CommandLine.arguments.count
        else { return nil }
        return CommandLine.arguments[index + 1]
    }

    static let organizationId = "00000000-0000-4000-8000-000000000001"
    static let customerId = "00000000-0000-4000-8000-000000000002"
    static func poolId(_ index: Int) -> String {
        let digits = String(index)
        return "00000000-0000-4000-8001-" + String(repeating: "0", count: max(0, 12 - digits.count)) + digits
    }
    static let outboxPayload: String = {
        let text = String(repeating: "You have been invited to a seat of Team plan at Ceiling. ", count: 12)
        let html = "<p>" + String(repeating: "You have been invited to a seat of <b>Team plan</b> at Ceiling. ", count: 12) + "</p>"
        return #"{"to":"someone@ceiling.example","subject":"You've been invited to Team plan","text":"\#(text)","html":"\#(html)"}"#
    }()
    static let eventBody = #"{"type":"customer_seat.assigned","data":{"id":"0d7f8e3a-8a53-4c8e-9d8e-3f6b2b1c9a10","pad":""#
        + String(repeating: "x", count: 560) + #""}}"#

    struct Failure: Error { let text: String }

    static func micros() -> Int64 { Int64(Date().timeIntervalSince1970 * 1_000_000) }

    static func assign(_ db: Database, pool: String, serial: Int) throws {
        let now = micros()
        guard let poolRow = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT organization_id, customer_id, product_id, seats, active_seats, status FROM subscriptions
            WHERE id = ? AND organization_id = ?
            """), arguments: [pool, organizationId]) else { throw Failure(text: "pool \(pool) is missing") }
        let seats: Int = poolRow["seats"] ?? 0
        let active: Int = poolRow["active_seats"]
        let _: String = poolRow["customer_id"]
        let _: String = poolRow["product_id"]
        let _: String = poolRow["status"]
        guard active < seats else { throw Failure(text: "pool \(pool) is full") }
        guard let orgRow = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM organizations WHERE id = ?"),
                                            arguments: [organizationId]) else { throw Failure(text: "no organization") }
        let _: Bool = orgRow["seat_based_pricing_enabled"]
        let _: String = orgRow["name"]
        let revoked = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT * FROM seats WHERE subscription_id = ? AND status = 'revoked' ORDER BY created_at, id LIMIT 1
            """), arguments: [pool])
        guard revoked == nil else { throw Failure(text: "unexpected revoked seat") }
        let seatId = UUID().uuidString.lowercased()
        let email = "grdb-\(serial)-\(seatId.prefix(8))@ceiling.example"
        let tokenHash = UUID().uuidString.lowercased() + UUID().uuidString.lowercased().prefix(28)
        try db.cachedStatement(sql: """
            INSERT INTO seats (id, organization_id, subscription_id, order_id, status, customer_id, member_id, email,
                               invitation_token_hash, invitation_token_expires_at, assigned_at, claimed_at, revoked_at,
                               metadata, created_at, modified_at)
            VALUES (?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?, '{}', ?, ?)
            """).execute(arguments: [seatId, organizationId, pool, nil, customerId, nil, email, tokenHash,
                                     now + 86_400_000_000, now, nil, nil, now, now])
        try db.cachedStatement(sql: "UPDATE subscriptions SET active_seats = active_seats + ? WHERE id = ?")
            .execute(arguments: [1, pool])
        try db.cachedStatement(sql: """
            INSERT INTO outbox (id, kind, payload, status, attempts, next_attempt_at, last_error, created_at, delivered_at)
            VALUES (?, 'email', ?, 'pending', ?, ?, ?, ?, ?)
            """).execute(arguments: [UUID().uuidString.lowercased(), outboxPayload, 0, now, nil, now, nil])
        try db.cachedStatement(sql: """
            INSERT INTO webhook_events (id, organization_id, type, body, created_at)
            VALUES (?, ?, 'customer_seat.assigned', ?, ?)
            """).execute(arguments: [UUID().uuidString.lowercased(), organizationId, eventBody, now])
    }

    final class Tally: @unchecked Sendable {
        private let lock = NSLock()
        private var done = 0, failed = 0
        func record(_ ok: Bool) { lock.lock(); if ok { done += 1 } else { failed += 1 }; lock.unlock() }
        var counts: (Int, Int) { lock.lock(); defer { lock.unlock() }; return (done, failed) }
    }


    static func main() async throws {
        guard let path = value("database"), let duration = value("duration").flatMap(Double.init) else {
            FileHandle.standardError.write(Data("usage: grdb-assign --database FILE --duration S [--concurrency C] [--pools N]\n".utf8))
            Foundation.exit(64)
        }
        let concurrency = value("concurrency").flatMap(Int.init) ?? 1
        let pools = value("pools").flatMap(Int.init) ?? 200

        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA foreign_keys = ON")
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // As Tessera's writer when nothing checkpoints in the background (see TesseraDatabase).
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 10000")
        }
        let database = try DatabasePool(path: path, configuration: configuration)
        for serial in 0..<50 {  // warm-up, not counted
            try await database.write { try assign($0, pool: poolId(Int.random(in: 0..<pools)), serial: -serial) }
        }
        let tally = Tally()
        let started = ContinuousClock.now
        let deadline = started + .milliseconds(Int(duration * 1000))
        await withTaskGroup(of: Void.self) { group in
            for worker in 0..<concurrency {
                group.addTask {
                    var serial = worker * 100_000_000
                    while ContinuousClock.now < deadline {
                        serial += 1
                        let current = serial
                        do {
                            try await database.write { try assign($0, pool: poolId(Int.random(in: 0..<pools)), serial: current) }
                            tally.record(true)
                        } catch {
                            tally.record(false)
                        }
                    }
                }
            }
        }
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let (done, failed) = tally.counts
        print("transactions_per_second=\((Double(done) / seconds * 10).rounded() / 10) count=\(done) seconds=\(seconds) errors=\(failed)")

    }
}
