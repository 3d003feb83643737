import NIOConcurrencyHelpers
import PostgresNIO

/// Names under which PostgreSQL keeps the statements this process runs again and again.
///
/// PostgreSQL plans every unnamed statement it is sent, and for Tessera's short statements the
/// plan costs more than the work (claim info's seat read: 0.21 ms planning against 0.023 ms
/// running). A named statement is parsed once per connection, and after a few runs PostgreSQL
/// keeps a generic plan for it. So a statement text (with its parameters' types) gets a name
/// the second time this process runs it: statements built for one use (a bulk insert of 37
/// rows) stay unnamed, and never cost a connection an extra round trip or server memory.
///
/// postgres-nio prepares a name on a connection the first time that connection runs it, and
/// forgets it when the connection closes. It also remembers, for good, a preparation that
/// failed: inside a transaction that an earlier error aborted, say. Since a failed preparation
/// cannot be told from a failed run, a name whose statement fails is retired, and the text gets
/// a new name at its next run; this also mends "cached plan must not change result type" after
/// another process altered a table under a `SELECT *`. Integrity errors (class 23, a unique
/// violation) come only from running a statement and are routine, so they keep the name.
final class PreparedStatementNames: Sendable {
    /// A statement text with its parameters' types: the same text with a NULL where there was a
    /// number is prepared separately, since a prepared parameter keeps its type.
    struct Key: Hashable, Sendable {
        let sql: String
        let types: [PostgresDataType]
    }

    private struct State {
        /// nil: seen once, not named yet.
        var names: [Key: Int?] = [:]
        var lastNumber = 0
    }

    /// How many texts are remembered at most; texts beyond it run unnamed. Tessera's code has a
    /// few hundred; the limit only bounds what unusual shapes could add.
    let capacity: Int
    private let state = NIOLockedValueBox(State())

    init(capacity: Int = 2_000) {
        self.capacity = capacity
    }

    /// The name to run `key` under, or nil to run it unnamed (its first run, or no room left).
    func name(for key: Key) -> String? {
        state.withLockedValue { state in
            switch state.names[key] {
            case .some(.some(let number)):
                return Self.name(number)
            case .some(.none):
                state.lastNumber += 1
                state.names[key] = state.lastNumber
                return Self.name(state.lastNumber)
            case .none:
                if state.names.count < capacity { state.names[key] = .some(nil) }
                return nil
            }
        }
    }

    /// Retires `name` after its statement failed with `error` (see the type's notes).
    func statementFailed(_ key: Key, name: String, error: any Error) {
        if let error = error as? PSQLError, error.serverInfo?[.sqlState]?.hasPrefix("23") == true { return }
        state.withLockedValue { state in
            if case .some(.some(let number)) = state.names[key], Self.name(number) == name {
                state.names[key] = .some(nil)
            }
        }
    }

    private static func name(_ number: Int) -> String { "tessera_\(number)" }
}

/// A statement run under a name chosen at run time. postgres-nio prepares only statement types
/// whose name and text are static properties (one type per statement), and it reads them
/// when `execute` is called; so this one type reads them from a task-local value that `run`
/// sets around that call. `run` is the only way to use it, so the value is always set.
struct NamedStatement: PostgresPreparedStatement {
    private struct Text: Sendable {
        let name: String
        let sql: String
        let types: [PostgresDataType]
    }

    @TaskLocal private static var text = Text(name: "", sql: "", types: [])

    static var name: String { text.name }
    static var sql: String { text.sql }
    static var bindingDataTypes: [PostgresDataType] { text.types }

    private let bindings: PostgresBindings

    private init(bindings: PostgresBindings) {
        self.bindings = bindings
    }

    func makeBindings() throws -> PostgresBindings { bindings }
    func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }

    /// Runs `sql` under `name` on `connection` (prepared there on its first use), handing each
    /// row to `each` as it arrives.
    static func run(name: String, sql: String, types: [PostgresDataType], bindings: PostgresBindings,
                    on connection: PostgresConnection, _ each: (PostgresRow) throws -> Void) async throws {
        try await $text.withValue(Text(name: name, sql: sql, types: types)) {
            let statement = NamedStatement(bindings: bindings)
            for try await row in try await connection.execute(statement, logger: connection.logger) { try each(row) }
        }
    }
}
