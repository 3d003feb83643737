// JSONValue and Timestamp are TesseraJSON's, shared with the server; TesseraJSON is
// Foundation-only, so the SDK still depends on no other part of Tessera. Re-exported so that
// `import TesseraClient` alone gives an app every type the SDK's API uses.
@_exported import TesseraJSON
import Foundation

extension JSONValue {
    /// Decodes this value as `type`, as if it had arrived in a response body.
    public func decode<T: Decodable>(as type: T.Type) throws -> T {
        try WireCoding.decoder().decode(T.self, from: WireCoding.encoder().encode(self))
    }
}

/// Metadata as Polar stores it: string keys, and string, integer, number or Boolean values.
public typealias Metadata = [String: JSONValue]
