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
final class RequestDeadlineHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let timeout: TimeAmount
    private let logger: Logger
    /// The pending close, while a request is being read.
    private var deadline: Scheduled<Void>?

    init(timeout: TimeAmount, logger: Logger) {
        self.timeout = timeout
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if deadline == nil {
            // Armed before the bytes go on: the decoder may finish the request synchronously,
            // and then `requestEnded` cancels this deadline straight away.
            deadline = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [self] in
                deadline = nil
                logger.debug("Closing a connection whose request did not arrive in time",
                             metadata: ["peer": "\(context.channel.remoteAddress.map { "\($0)" } ?? "unknown")"])
                context.close(promise: nil)
            }
        }
        context.fireChannelRead(data)
    }

    /// The request being read has arrived in full.
    func requestEnded() {
        deadline?.cancel()
        deadline = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        requestEnded()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        requestEnded()
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
