import Foundation

/// The JSON coders every request and response goes through.
///
/// Keys are never transformed: each model names its wire keys in explicit `CodingKeys`.
/// Dates go through TesseraJSON's `Timestamp`, as the server's do: written in UTC with
/// microseconds; read with or without fractional seconds and with `Z` or a numeric offset, as
/// Tessera and Polar write them.
enum WireCoding {
    static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = Timestamp.parse(text) else {
                throw DecodingError.dataCorruptedError(
                    in: container, debugDescription: "Expected an ISO 8601 date-time, found \"\(text)\"")
            }
            return date
        }
        return decoder
    }

    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(Timestamp.format(date))
        }
        return encoder
    }
}
