/// Why a mail transport could not deliver a message, and whether trying again can help.
///
/// The outbox retries everything a transport throws, with backoff, except `.permanent`:
/// a message the receiving server refused for good (an SMTP 5xx reply) is marked failed at
/// once, with the reason recorded on its outbox row.
public enum MailDeliveryError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Worth another try later: a 4xx reply, a connection or TLS failure, a timeout.
    case temporary(String)
    /// Retrying cannot help: a 5xx reply (for example "550 5.1.1 no such user"), or a
    /// configuration the server cannot meet (AUTH without encryption, STARTTLS required but not offered).
    case permanent(String)

    /// The server's reply, or what went wrong.
    public var reason: String {
        switch self {
        case .temporary(let reason), .permanent(let reason): reason
        }
    }

    public var isPermanent: Bool {
        if case .permanent = self { return true }
        return false
    }

    // What `OutboxWorker` records in `last_error`: the reason alone, as the server put it.
    public var description: String { reason }
}
