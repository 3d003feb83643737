import Foundation

/// Which kind of connection a lease asked for: the one that may write (on SQLite, the single
/// writer, so its wait shows how much writes queue) or one for reading only.
public enum DatabaseAccess: String, Sendable {
    case write, read
}

/// Told how long the database made its callers wait and how long transactions held a
/// connection, so that metrics can report it without the store knowing any metrics library.
///
/// Called on the caller's task, inline: implementations must be cheap and must not block.
public protocol DatabaseObserver: Sendable {
    /// A connection was handed out `wait` after it was asked for.
    func connectionLeased(after wait: Duration, for access: DatabaseAccess)
    /// A transaction (not a savepoint) ended `duration` after its `BEGIN`, committed or not.
    func transactionEnded(after duration: Duration, committed: Bool)
}

/// How much of an outbox is waiting: what the delivery metrics report.
public struct OutboxBacklog: Sendable, Equatable {
    /// Items not yet delivered nor given up on, due or waiting for a retry.
    public var pending: Int
    /// When the item that has been due longest came due; nil when nothing is due now.
    public var oldestDueAt: Date?

    /// A backlog of `pending` items, the longest-due of them due since `oldestDueAt`.
    public init(pending: Int, oldestDueAt: Date?) {
        self.pending = pending
        self.oldestDueAt = oldestDueAt
    }
}
