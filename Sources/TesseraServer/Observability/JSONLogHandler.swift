import Foundation
import Logging
import NIOConcurrencyHelpers
import TesseraCore
import TesseraStore

/// Writes each log event as one line of JSON (`tessera serve --log-format json`), for log
/// collectors that parse lines rather than read them:
///
///     {"level":"info","logger":"tessera","message":"request","metadata":{"request_id":"…",…},"timestamp":"…"}
///
/// Every value is JSON-escaped, so a message or a value with a line break still makes one line.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    public var logLevel: Logger.Level = .info
    private let label: String
    private let output: JSONLogOutput

    /// - Parameters:
    ///   - label: the logger's label, written as `logger`.
    ///   - output: where lines go; standard error (where swift-log's text handler writes) unless a test collects them.
    public init(label: String, metadataProvider: Logger.MetadataProvider? = nil,
                output: JSONLogOutput = .standardError) {
        self.label = label
        self.metadataProvider = metadataProvider
        self.output = output
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Writes the event with the handler's metadata, the provider's and the event's own (later
    /// ones win on the same key), and the error's loggable description as `error`.
    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { $1 } }
        if let given = event.metadata { merged.merge(given) { $1 } }
        if let error = event.error { merged["error"] = .string(loggableDescription(of: error)) }
        output.write(Self.line(timestamp: Date(), level: event.level, message: "\(event.message)", label: label,
                               metadata: merged))
    }

    /// One event as a JSON object, without the line break.
    static func line(timestamp: Date, level: Logger.Level, message: String, label: String,
                     metadata: Logger.Metadata) -> String {
        JSONValue.object([
            "timestamp": .string(Timestamp.format(timestamp)),
            "level": .string(level.rawValue),
            "logger": .string(label),
            "message": .string(message),
            "metadata": .object(metadata.mapValues(json)),
        ]).serialized()
    }

    private static func json(_ value: Logger.Metadata.Value) -> JSONValue {
        switch value {
        case .string(let text): .string(text)
        case .stringConvertible(let convertible): .string(convertible.description)
        case .array(let values): .array(values.map(json))
        case .dictionary(let values): .object(values.mapValues(json))
        }
    }
}

/// Where `JSONLogHandler` writes its lines: each line whole, in one write, so lines from
/// concurrent tasks never interleave.
public struct JSONLogOutput: Sendable {
    private let sink: @Sendable (String) -> Void

    /// `sink` receives each line without its line break.
    public init(_ sink: @escaping @Sendable (String) -> Void) {
        self.sink = sink
    }

    func write(_ line: String) { sink(line) }

    /// Standard error, as swift-log's default text handler writes (so `--log-format` changes
    /// the shape of the lines, not where they go).
    public static let standardError: JSONLogOutput = {
        let lock = NIOLock()
        return JSONLogOutput { line in
            lock.withLock { FileHandle.standardError.write(Data((line + "\n").utf8)) }
        }
    }()
}
