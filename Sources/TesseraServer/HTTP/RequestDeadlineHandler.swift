import Logging
import NIOCore
import NIOHTTPTypes

/// Closes a connection whose client takes longer than `timeout` to send a whole request, head
/// and body, counted from the request's first byte.
///
/// Hummingbird's idle time-out restarts on every decoded request part, so a client that
/// trickles a body keeps its connection forever, and a half-sent head waits out the whole idle
/// time. This handler sits first in the pipeline to see raw bytes arrive (the decoder says
/// nothing until a head is complete); `RequestEndHandler`, after the decoder, tells it when a
/// request has been read in full. Time spent answering is not counted.
///
/// Bytes of a pipelined next request that arrive with the end of the previous one start no
/// deadline until more bytes come; the idle time-out still bounds such a connection.
///
/// One timer per connection, not one per request: scheduling and cancelling a task for every
/// request of a kept-alive connection was 8.6% of claim info's profile. The timer stays armed
/// after a request ends; when it fires it closes the connection only if the request being read
/// then started `timeout` ago or more, and otherwise re-arms for that request's deadline, or
/// stays off until the next request's first bytes.
final class RequestDeadlineHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let timeout: TimeAmount
    private let logger: Logger
    /// When the request being read sent its first bytes; nil between requests.
    private var requestStarted: NIODeadline?
    /// The connection's one timer, while armed.
    private var timer: Scheduled<Void>?

    init(timeout: TimeAmount, logger: Logger) {
        self.timeout = timeout
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if requestStarted == nil {
            let now = context.eventLoop.now
            requestStarted = now
            // Armed before the bytes go on: the decoder may finish the request synchronously.
            if timer == nil { arm(at: now + timeout, context: context) }
        }
        context.fireChannelRead(data)
    }

    private func arm(at deadline: NIODeadline, context: ChannelHandlerContext) {
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in
            timer = nil
            guard let started = requestStarted else { return }
            let due = started + timeout
            guard context.eventLoop.now >= due else {
                arm(at: due, context: context)
                return
            }
            requestStarted = nil
            logger.debug("Closing a connection whose request did not arrive in time",
                         metadata: ["peer": "\(context.channel.remoteAddress.map { "\($0)" } ?? "unknown")"])
            context.close(promise: nil)
        }
    }

    /// The request being read has arrived in full.
    func requestEnded() {
        requestStarted = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        stop()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        stop()
    }

    private func stop() {
        requestStarted = nil
        timer?.cancel()
        timer = nil
    }
}

/// Placed after the HTTP decoder: reports the end of each request to its `RequestDeadlineHandler`.
final class RequestEndHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    private let deadline: RequestDeadlineHandler

    init(deadline: RequestDeadlineHandler) {
        self.deadline = deadline
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .end = Self.unwrapInboundIn(data) { deadline.requestEnded() }
        context.fireChannelRead(data)
    }
}
