#if canImport(Darwin)
import Darwin
#elseif canImport(Glibc)
import Glibc
#endif
import Hummingbird
import HummingbirdCore
import Logging
import NIOConcurrencyHelpers
import NIOCore

/// How long connections may stay open and how many may be open at once.
///
/// Without these, idle or slow clients keep their sockets forever; with the usual limit of
/// 1,024 open files, about a thousand bare connections starve the server of descriptors.
public struct ConnectionLimits: Sendable, Equatable {
    /// How long a connection with no request in progress stays open: a kept-alive connection
    /// between requests, or a new one that has sent nothing yet.
    public var idleTimeout: Duration = .seconds(60)
    /// How long a client has to send one whole request, head and body, counted from its first
    /// byte. A slow or stalled sender is disconnected when it runs out.
    public var requestTimeout: Duration = .seconds(30)
    /// Most connections open at once. Connections beyond it are closed as soon as they are accepted.
    public var maximumConnections = 4_096

    public init() {}

    /// The default cap for a process allowed `openFileLimit` descriptors: half of them, at most
    /// 4,096. The other half stays free for database connections, the SQLite files, outbound
    /// webhook and SMTP connections, and for the brief moment a refused connection is open.
    public static func defaultMaximumConnections(openFileLimit: Int?) -> Int {
        guard let openFileLimit, openFileLimit > 0 else { return 4_096 }
        return max(1, min(4_096, openFileLimit / 2))
    }
}

/// The process's limit on open files (`RLIMIT_NOFILE`).
public enum OpenFileLimit {
    /// Raises the soft limit to the hard limit and returns the soft limit now in force, or nil
    /// when it cannot be read. The soft limit is often 1,024 while the hard one is far higher:
    /// every connection costs a descriptor, so a server should use what it is allowed.
    @discardableResult
    public static func raiseToHardLimit() -> Int? {
        var limit = rlimit()
        guard getrlimit(resource, &limit) == 0 else { return nil }
        var target = limit.rlim_max
        #if canImport(Darwin)
        // macOS reports an unlimited hard limit but refuses a soft limit above OPEN_MAX.
        target = min(target, rlim_t(OPEN_MAX))
        #endif
        if limit.rlim_cur < target {
            var raised = limit
            raised.rlim_cur = target
            if setrlimit(resource, &raised) == 0 { limit = raised }
        }
        return Int(clamping: limit.rlim_cur)
    }

    /// The soft limit now in force, or nil when it cannot be read.
    public static var current: Int? {
        var limit = rlimit()
        guard getrlimit(resource, &limit) == 0 else { return nil }
        return Int(clamping: limit.rlim_cur)
    }

    #if canImport(Glibc)
    private static let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
    #else
    private static let resource = RLIMIT_NOFILE
    #endif
}

extension HTTPServerBuilder {
    /// HTTP/1.1 with Tessera's connection limits: Hummingbird's own idle time-out, plus a
    /// deadline for reading each request and a cap on open connections, which it lacks.
    static func http1(limits: ConnectionLimits, logger: Logger) -> HTTPServerBuilder {
        // One counter for the whole server: every accepted connection passes through it.
        let connections = ConnectionCounter(maximum: limits.maximumConnections, logger: logger)
        return HTTPServerBuilder { responder in
            LimitedHTTP1Channel(responder: responder, limits: limits, connections: connections)
        }
    }
}

/// The connection a request arrived on, for code that only sees the request context.
enum ClientConnection {
    /// The peer's address. Set for the whole life of each connection by `LimitedHTTP1Channel`;
    /// nil when requests do not come through a socket (the in-process router tests).
    ///
    /// A task local because Hummingbird hands the channel only to the request context's
    /// initializer; this way the context type needs no change to carry it.
    @TaskLocal static var peerAddress: SocketAddress?
}

/// Hummingbird's `HTTP1Channel` behind a connection cap and a request read deadline.
///
/// Hummingbird offers `MaximumAvailableConnections`, but it stops accepting when full, so new
/// clients wait unanswered in the kernel's backlog (and `/healthz` with them) until their own
/// time-outs. Here a connection over the cap is accepted and closed at once: the client learns
/// immediately, and a load balancer can try elsewhere.
struct LimitedHTTP1Channel: ServerChildChannel, HTTPChannelHandler {
    typealias Value = HTTP1Channel.Value

    let responder: HTTPChannelHandler.Responder
    let limits: ConnectionLimits
    let connections: ConnectionCounter

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        guard connections.open() else {
            // The channel is not registered yet, so nothing else would close it: NIO drops
            // a failed child channel without closing its socket.
            channel.close(promise: nil)
            return channel.eventLoop.makeFailedFuture(ConnectionLimitReached())
        }
        channel.closeFuture.whenComplete { [connections] _ in connections.close() }
        do {
            // First in the pipeline, so it sees the bytes of a request head before the HTTP
            // decoder has a whole head to hand on.
            let deadline = RequestDeadlineHandler(timeout: TimeAmount(limits.requestTimeout), logger: logger)
            try channel.pipeline.syncOperations.addHandler(deadline, position: .first)
            let requestEnds = NIOLoopBound(RequestEndHandler(deadline: deadline), eventLoop: channel.eventLoop)
            let http1 = HTTP1Channel(
                responder: responder,
                configuration: .init(additionalChannelHandlers: [requestEnds.value],
                                     idleTimeout: TimeAmount(limits.idleTimeout)))
            let ready = http1.setup(channel: channel, logger: logger)
            // As above: a channel whose setup failed is ours to close (and to count out).
            ready.whenFailure { _ in channel.close(promise: nil) }
            return ready
        } catch {
            channel.close(promise: nil)
            return channel.eventLoop.makeFailedFuture(error)
        }
    }

    func handle(value: Value, logger: Logger) async {
        await ClientConnection.$peerAddress.withValue(value.channel.remoteAddress) {
            await handleHTTP(asyncChannel: value, logger: logger)
        }
    }
}

/// A connection refused because the server already has its maximum open.
struct ConnectionLimitReached: Error {}

/// Counts open connections across all event loops.
final class ConnectionCounter: Sendable {
    let maximum: Int
    private let logger: Logger
    private let state = NIOLockedValueBox(State())

    private struct State {
        var open = 0
        var lastWarning: NIODeadline?
    }

    /// A warning at most this often while connections are being refused, so an attack does not
    /// also flood the log.
    private static let warningInterval = TimeAmount.seconds(60)

    init(maximum: Int, logger: Logger) {
        self.maximum = maximum
        self.logger = logger
    }

    var openConnections: Int { state.withLockedValue { $0.open } }

    /// Counts a new connection in, or returns false when the server is full.
    func open() -> Bool {
        let now = NIODeadline.now()
        let (accepted, warn) = state.withLockedValue { state -> (Bool, Bool) in
            guard state.open >= maximum else {
                state.open += 1
                return (true, false)
            }
            if let last = state.lastWarning, now - last < Self.warningInterval { return (false, false) }
            state.lastWarning = now
            return (false, true)
        }
        if warn {
            logger.warning("Refusing new connections: \(maximum) are open (--max-connections)")
        }
        return accepted
    }

    func close() {
        state.withLockedValue { $0.open -= 1 }
    }
}
