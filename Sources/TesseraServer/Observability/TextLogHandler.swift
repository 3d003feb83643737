import Logging

/// swift-log's text lines (`StreamLogHandler`, on standard error), with the logger's own
/// metadata kept here and handed over with each event. `StreamLogHandler` renders its metadata
/// into text whenever it is set, and every request sets its id on its logger: rendering it
/// then, for lines that are mostly never written (access lines are info; servers often log
/// warnings and up), was a twentieth of answering a short request. The lines are the same.
public struct TextLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    private var lines: StreamLogHandler

    public init(label: String) {
        lines = StreamLogHandler.standardError(label: label)
    }

    public var logLevel: Logger.Level {
        get { lines.logLevel }
        set { lines.logLevel = newValue }
    }

    public var metadataProvider: Logger.MetadataProvider? {
        get { lines.metadataProvider }
        set { lines.metadataProvider = newValue }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// The event's metadata over the logger's (the event's win on the same key), as
    /// `StreamLogHandler` merges its own.
    public func log(event: LogEvent) {
        var event = event
        if !metadata.isEmpty {
            event.metadata = metadata.merging(event.metadata ?? [:]) { $1 }
        }
        lines.log(event: event)
    }
}
