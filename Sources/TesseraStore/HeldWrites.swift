import Foundation
import NIOConcurrencyHelpers
import SQLKit

/// Writes a PostgreSQL transaction holds back, to send several as one statement.
///
/// Each statement is a round trip to PostgreSQL (about half a millisecond on loopback here), and
/// the tail of a seat operation is several writes in a row that read nothing: the seat, the
/// invitation email, the webhook event, the history event, the pool's count. Held, they go as one
/// statement (`WITH w0 AS (INSERT …), w1 AS (INSERT …) UPDATE …`) at the next read, savepoint
/// or commit, so every read still sees every earlier write.
///
/// The parts of one statement all see the data as it was before the statement, so only writes
/// that cannot see each other are held together: a plain `INSERT`, `UPDATE` or `DELETE` of one
/// table, reading no other (no `SELECT`, no `RETURNING`), and at most one per table (a second
/// write to a table sends what is held first), with at most `bindLimit` values in all. Anything
/// else is sent as it comes, after what is held. A held write that fails fails the statement it
/// went in: the read, savepoint or commit that sent it throws, inside the same transaction,
/// which then rolls back.
final class HeldWrites: Sendable {
    struct Write: Sendable {
        var query: SQLQueryString
        var table: Substring
        /// Its bound values: PostgreSQL takes at most 65,535 in one statement.
        var binds: Int
    }

    /// The most bound values held together: well under PostgreSQL's 65,535, which a few bulk
    /// inserts of 500 rows each (`SQLSession.insert`) could otherwise pass together.
    static let bindLimit = 30_000

    private let writes = NIOLockedValueBox<[Write]>([])

    /// The table `sql` writes to when it may be held (see the type's notes), else nil.
    static func table(ofHoldable sql: String) -> Substring? {
        let text = sql.drop { $0.isWhitespace }
        guard let prefix = ["INSERT INTO ", "UPDATE ", "DELETE FROM "].first(where: { text.hasPrefix($0) }) else { return nil }
        let rest = text.dropFirst(prefix.count)
        // What reads another table: a subquery, `UPDATE … FROM`, `DELETE … USING`; and what answers rows.
        let words = rest.split { $0.isWhitespace || $0 == "(" || $0 == ")" || $0 == "," }
        if words.contains(where: { ["SELECT", "RETURNING", "FROM", "USING"].contains($0.uppercased()) }) { return nil }
        let table = rest.prefix { !$0.isWhitespace && $0 != "(" }
        return table.isEmpty ? nil : table
    }

    /// Whether what is held must be sent before `write` is held: it writes a table already
    /// written, or would take the held values past `bindLimit`.
    func mustSend(before write: Write) -> Bool {
        writes.withLockedValue { held in
            held.contains { $0.table == write.table } || held.reduce(write.binds) { $0 + $1.binds } > Self.bindLimit
        }
    }

    func hold(_ write: Write) {
        writes.withLockedValue { $0.append(write) }
    }

    /// What is held, no longer held.
    func take() -> [Write] {
        writes.withLockedValue { held in
            defer { held = [] }
            return held
        }
    }

    /// One statement doing every write of `writes`, the last as the statement itself.
    static func combined(_ writes: [Write]) -> SQLQueryString {
        guard let last = writes.last else { return "" }
        guard writes.count > 1 else { return last.query }
        let parts = writes.dropLast().enumerated().map { index, write -> SQLQueryString in
            "w\(unsafeRaw: String(index)) AS (\(write.query))"
        }
        return "WITH \(parts.joined(separator: ", ")) \(last.query)"
    }
}
