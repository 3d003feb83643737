import Logging
import TesseraStore
import ServiceLifecycle

/// The rhythm shared by the delivery workers: rounds back to back while there is work, a
/// quarter-second pause when a round finds none, and a stop on shutdown. A failed round is
/// logged and the next one tries again, so a database hiccup never ends delivery.
enum DeliveryRounds {
    static let idlePause: Duration = .milliseconds(250)

    static func run(logger: Logger, worker: String, idlePause: Duration = idlePause,
                    round: () async throws -> Int) async {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let handled: Int
            do {
                handled = try await round()
            } catch {
                logger.error("\(worker) round failed", metadata: ["error": "\(loggableDescription(of: error))"])
                handled = 0
            }
            if handled == 0 {
                try? await Task.sleep(for: idlePause)
            }
        }
    }
}
