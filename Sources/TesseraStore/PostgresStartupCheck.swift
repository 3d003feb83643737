import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresNIO

/// The first connection to PostgreSQL when a database is opened, made before the pool's.
///
/// postgres-nio's pool tries a refused connection again for a minute without a word above
/// `info`, then fails every waiting lease with an error that names neither the server nor the
/// cause (its circuit breaker). So `tessera serve` or `migrate` with a mistyped URL waited a
/// minute and said `ConnectionPoolError(...)`. Here a refusal that waiting cannot mend (a wrong
/// user, password or database name) fails at once in PostgreSQL's own words; a server that does
/// not answer yet (starting, restarting, the network not up) is tried again until `wait` has
/// passed, with one warning, and then named with the cause. The password is never in a message.
enum PostgresStartupCheck {
    /// Returns once PostgreSQL at `configuration` accepts a connection; throws
    /// `DatabaseError.cannotOpen` when it refuses, or does not answer within `wait`.
    static func waitForServer(_ configuration: PostgresConnection.Configuration, address: String,
                              within wait: Duration, logger: Logger) async throws {
        let deadline = ContinuousClock.now + wait
        var warned = false
        while true {
            // Each attempt may take postgres-nio's connect timeout (10 s) when nothing answers at
            // all (a dropped SYN), so `wait` can be overrun by that much once.
            do {
                let connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: quiet)
                try? await connection.close()
                if warned { logger.info("PostgreSQL is answering", metadata: ["database": "\(address)"]) }
                return
            } catch {
                let cause = Self.cause(of: error)
                guard Self.isWorthWaiting(error) else {
                    throw DatabaseError.cannotOpen("PostgreSQL at \(address) refused the connection: \(cause)")
                }
                guard ContinuousClock.now < deadline else {
                    throw DatabaseError.cannotOpen("Could not reach PostgreSQL at \(address) within \(Self.seconds(wait)): \(cause)")
                }
                if !warned {
                    logger.warning("waiting for PostgreSQL", metadata: [
                        "database": "\(address)", "cause": "\(cause)", "wait": "\(Self.seconds(wait))",
                    ])
                    warned = true
                }
                try await Task.sleep(for: min(.milliseconds(500), max(deadline - .now, .zero)))
            }
        }
    }

    /// Whether trying again may succeed: what counts as a lost connection while serving
    /// (`TesseraDatabase.isLostConnection`: no answer, the connection closed while the server
    /// starts or stops, "starting up", no connection to spare), or an error not PostgreSQL's own.
    /// A refusal of the user, the password or the database is final.
    static func isWorthWaiting(_ error: any Error) -> Bool {
        !(error is PSQLError) || TesseraDatabase.isLostConnection(error)
    }

    /// What went wrong, for a person: PostgreSQL's message and SQLSTATE, or what the network said.
    static func cause(of error: any Error) -> String {
        guard let error = error as? PSQLError else { return loggableDescription(of: error) }
        if error.code == .server, let message = error.serverInfo?[.message] {
            return "\(message) (SQLSTATE \(error.serverInfo?[.sqlState] ?? "-"))"
        }
        if error.code == .serverClosedConnection || error.code == .uncleanShutdown {
            return "the server closed the connection before it was ready"
        }
        switch error.underlying {
        case let failure as NIOConnectionError:
            if let io = failure.connectionErrors.lazy.compactMap({ $0.error as? IOError }).first {
                return String(cString: strerror(io.errnoCode)).lowercased()
            }
            if failure.dnsAError != nil || failure.dnsAAAAError != nil { return "the host name could not be resolved" }
            return "no connection could be made"
        case let failure as ChannelError:
            if case .connectTimeout = failure { return "no answer (connection timed out)" }
            return "\(failure)"
        case let failure?:
            return "\(failure)"
        case nil:
            return "\(error.code)"
        }
    }

    /// `--database-wait` is whole seconds.
    private static func seconds(_ duration: Duration) -> String { "\(duration.components.seconds) s" }

    /// postgres-nio logs each failed attempt itself; the warning above says it once.
    private static let quiet = Logger(label: "tessera-postgres-startup", factory: { _ in SwiftLogNoOpLogHandler() })
}
