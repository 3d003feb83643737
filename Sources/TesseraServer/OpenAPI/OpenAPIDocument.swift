import Hummingbird
import NIOCore

/// Tessera's OpenAPI 3.1 document, served at `GET /openapi.json`.
///
/// Its one source is `docs/openapi.json`, reviewed as JSON. `scripts/embed-openapi` copies it
/// into `OpenAPIDocumentText.swift` as a raw string literal: the release binary is a single
/// static file, so the document cannot be a file or resource bundle beside it, and a string
/// literal compiles at once where a dictionary literal of this size would take minutes to
/// type-check. `OpenAPIDocumentTests` fails while the copy and the file differ.
public enum OpenAPIDocument {
    /// The document's JSON text, as `docs/openapi.json` holds it (without its final newline).
    public static let text: String = openAPIDocumentText

    /// The text's bytes, made once: the answer never changes.
    private static let bytes = ByteBuffer(string: openAPIDocumentText)

    /// The answer to `GET /openapi.json`.
    static var response: Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: bytes))
    }
}
