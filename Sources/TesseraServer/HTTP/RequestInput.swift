import Foundation
import Hummingbird
import TesseraCore
import TesseraStore

/// Reads a JSON request body field by field, collecting every problem as a FastAPI-style
/// validation issue so one 422 lists them all. Absent and `null` optional fields read as nil.
struct BodyFields {
    let whole: JSONValue
    private let object: [String: JSONValue]
    /// Where this object sits: `["body"]`, or deeper for a nested object read with `nested`.
    private var location: [ValidationIssue.LocationPart] = [.key("body")]
    private(set) var issues: [ValidationIssue] = []

    /// Largest body Tessera reads; larger ones are refused with 413.
    static let maximumSize = 1 << 20
    /// Most arrays, objects and keys a body may hold: Polar's largest shapes need a few hundred.
    static let maximumParts = 10_000

    /// Parses the body as a JSON object, or throws a 422 for malformed JSON, nesting deeper
    /// than `JSONValue.maximumDepth`, or a non-object. A body over `maximumSize` throws
    /// `NIOTooManyBytesError`, which the error middleware answers with 413.
    static func read(_ request: Request) async throws -> BodyFields {
        try parse(try await request.body.collect(upTo: maximumSize))
    }

    private static func parse(_ buffer: ByteBuffer) throws -> BodyFields {
        let value: JSONValue
        do {
            value = try JSONValue.parse(bytes: buffer.readableBytesView, maximumParts: maximumParts)
        } catch .tooDeep(let depth) {
            throw ValidationFailure([ValidationIssue(
                type: "json_invalid", loc: [.key("body")],
                msg: "JSON decode error: arrays and objects may nest at most \(depth) levels deep", input: .object([:]))])
        } catch .tooManyParts(let maximum) {
            throw ValidationFailure([ValidationIssue(
                type: "json_invalid", loc: [.key("body")],
                msg: "JSON decode error: a body may hold at most \(maximum) arrays, objects and keys", input: .object([:]))])
        } catch .invalid(let offset) {
            throw ValidationFailure([ValidationIssue(
                type: "json_invalid", loc: [.key("body"), .index(offset)], msg: "JSON decode error", input: .object([:]))])
        }
        return try object(value)
    }

    /// Reads a parsed value as a body: an object, or a 422. A bulk request reads each of its
    /// rows this way, located at `["body"]` as the row's single call would be.
    static func object(_ value: JSONValue) throws(ValidationFailure) -> BodyFields {
        guard case .object(let object) = value else {
            throw ValidationFailure([ValidationIssue(
                type: "model_attributes_type", loc: [.key("body")],
                msg: "Input should be a valid dictionary or object to extract fields from", input: value)])
        }
        var fields = BodyFields(whole: value, object: object)
        // Text with NUL characters is refused on every field, as Polar does: SQLite would cut the
        // text at the NUL and PostgreSQL refuses it, so it must never reach the store.
        for (key, member) in object.sorted(by: { $0.key < $1.key })
        where TextRules.containsNUL(key) || member.containsNUL {
            fields.issues.append(.valueError([.key("body"), .key(key)], TextRules.invalidCharactersMessage,
                                             input: member))
        }
        return fields
    }

    /// As `read`, for a route whose body is optional: nil when the body is empty.
    static func readIfPresent(_ request: Request) async throws -> BodyFields? {
        let buffer = try await request.body.collect(upTo: maximumSize)
        guard buffer.readableBytes > 0 else { return nil }
        return try parse(buffer)
    }

    private init(whole: JSONValue, object: [String: JSONValue]) {
        self.whole = whole
        self.object = object
    }

    /// Whether the field is present at all (even as null): PATCH uses this.
    func has(_ key: String) -> Bool { object[key] != nil }

    private func loc(_ key: String) -> [ValidationIssue.LocationPart] { location + [.key(key)] }

    /// A nested object's fields, read the same way (issues located inside it); nil when the
    /// field is absent or null. Hand the reader back with `merge` so its issues are reported.
    mutating func nested(_ key: String) -> BodyFields? {
        guard let members = object(key) else { return nil }
        var child = BodyFields(whole: .object(members), object: members)
        child.location = loc(key)
        return child
    }

    /// Takes over the issues found by a nested reader.
    mutating func merge(_ child: BodyFields) {
        issues.append(contentsOf: child.issues)
    }

    mutating func appendIssue(_ issue: ValidationIssue) {
        issues.append(issue)
    }

    mutating func missing(_ key: String) {
        issues.append(ValidationIssue(type: "missing", loc: loc(key), msg: "Field required", input: whole))
    }

    mutating func invalid(_ key: String, _ type: String, _ message: String) {
        issues.append(ValidationIssue(type: type, loc: loc(key), msg: message, input: object[key] ?? .null))
    }

    mutating func string(_ key: String, maxLength: Int = 10_000) -> String? {
        guard let value = object[key], value != .null else { return nil }
        guard case .string(let text) = value else {
            invalid(key, "string_type", "Input should be a valid string")
            return nil
        }
        if TextRules.length(of: text) > maxLength {
            invalid(key, "string_too_long", "String should have at most \(maxLength) characters")
            return nil
        }
        return text
    }

    mutating func requiredString(_ key: String, minLength: Int = 1, maxLength: Int = 10_000) -> String? {
        guard object[key] != nil else { missing(key); return nil }
        guard let text = string(key, maxLength: maxLength) else {
            if object[key] == .null { invalid(key, "string_type", "Input should be a valid string") }
            return nil
        }
        if TextRules.length(of: text) < minLength {
            invalid(key, "string_too_short", "String should have at least \(minLength) character\(minLength == 1 ? "" : "s")")
            return nil
        }
        return text
    }

    mutating func email(_ key: String) -> String? {
        guard let text = string(key, maxLength: 320) else { return nil }
        if let problem = EmailAddress.problem(with: text) {
            invalid(key, "value_error", "value is not a valid email address: \(problem)")
            return nil
        }
        return text
    }

    mutating func requiredEmail(_ key: String) -> String? {
        guard object[key] != nil, object[key] != .null else { missing(key); return nil }
        return email(key)
    }

    mutating func uuid(_ key: String) -> UUID? {
        guard let value = object[key], value != .null else { return nil }
        guard case .string(let text) = value, let id = UUID(wire: text) else {
            invalid(key, "uuid_parsing", "Input should be a valid UUID")
            return nil
        }
        return id
    }

    mutating func requiredUUID(_ key: String) -> UUID? {
        guard object[key] != nil, object[key] != .null else { missing(key); return nil }
        return uuid(key)
    }

    /// An integer within `minimum...maximum`: every number a caller sends is bounded, so no
    /// later arithmetic on it can overflow.
    mutating func int(_ key: String, minimum: Int, maximum: Int) -> Int? {
        guard let value = object[key], value != .null else { return nil }
        let number: Int?
        switch value {
        case .int(let raw): number = Int(exactly: raw)
        case .double(let raw) where raw.rounded() == raw: number = Int(exactly: raw)
        default: number = nil
        }
        guard let number else {
            invalid(key, "int_type", "Input should be a valid integer")
            return nil
        }
        if number < minimum {
            invalid(key, "greater_than_equal", "Input should be greater than or equal to \(minimum)")
            return nil
        }
        if number > maximum {
            invalid(key, "less_than_equal", "Input should be less than or equal to \(maximum)")
            return nil
        }
        return number
    }

    /// A required integer within `minimum...maximum`.
    mutating func requiredInt(_ key: String, minimum: Int, maximum: Int) -> Int? {
        guard object[key] != nil else { missing(key); return nil }
        if object[key] == .null { invalid(key, "int_type", "Input should be a valid integer") }
        return int(key, minimum: minimum, maximum: maximum)
    }

    /// A date and time in ISO 8601 (`2026-05-01T12:00:00Z`, any offset; no zone means UTC).
    mutating func date(_ key: String) -> Date? {
        guard let value = object[key], value != .null else { return nil }
        guard case .string(let text) = value, let date = Timestamp.parse(text) else {
            invalid(key, "datetime_parsing", "Input should be a valid datetime in ISO 8601 form")
            return nil
        }
        return date
    }

    /// A boolean; absent reads as nil, and so does null unless the field is not `nullable`.
    mutating func bool(_ key: String, nullable: Bool = true) -> Bool? {
        guard let value = object[key], value != .null || !nullable else { return nil }
        guard case .bool(let flag) = value else {
            invalid(key, "bool_type", "Input should be a valid boolean")
            return nil
        }
        return flag
    }

    mutating func object(_ key: String) -> [String: JSONValue]? {
        guard let value = object[key], value != .null else { return nil }
        guard case .object(let members) = value else {
            invalid(key, "dict_type", "Input should be a valid dictionary")
            return nil
        }
        return members
    }

    mutating func array(_ key: String) -> [JSONValue]? {
        guard let value = object[key], value != .null else { return nil }
        guard case .array(let items) = value else {
            invalid(key, "list_type", "Input should be a valid list")
            return nil
        }
        return items
    }

    /// A string that must be one of an enum's raw values.
    mutating func choice<Choice: RawRepresentable & CaseIterable>(_ key: String, _: Choice.Type) -> Choice?
    where Choice.RawValue == String {
        guard let text = string(key) else { return nil }
        guard let choice = Choice(rawValue: text) else {
            invalid(key, "enum", enumMessage(Choice.self))
            return nil
        }
        return choice
    }

    /// A required string that must be one of an enum's raw values.
    mutating func requiredChoice<Choice: RawRepresentable & CaseIterable>(_ key: String, _ type: Choice.Type) -> Choice?
    where Choice.RawValue == String {
        guard object[key] != nil else { missing(key); return nil }
        if object[key] == .null { invalid(key, "enum", "Input should be a valid string") }
        return choice(key, type)
    }

    /// Metadata as Polar limits it: string keys up to 40 characters, at most 50 of them, each
    /// value a string of 1 to 500 characters, an integer, a number or a boolean. Any other value
    /// would come back in answers that Polar's schema, and so its SDKs, refuse.
    mutating func metadata(_ key: String = "metadata") -> [String: JSONValue]? {
        guard let members = object(key) else { return nil }
        if members.count > 50 {
            invalid(key, "too_long", "Dictionary should have at most 50 items")
            return nil
        }
        if let long = members.keys.first(where: { TextRules.length(of: $0) > 40 }) {
            invalid(key, "string_too_long", "Key \(long.prefix(10))… should have at most 40 characters")
            return nil
        }
        let before = issues.count
        for (name, value) in members.sorted(by: { $0.key < $1.key }) {
            let at = loc(key) + [.key(name)]
            switch value {
            case .string(let text) where text.isEmpty:
                issues.append(ValidationIssue(type: "string_too_short", loc: at,
                                              msg: "String should have at least 1 character", input: value))
            case .string(let text) where TextRules.length(of: text) > 500:
                issues.append(ValidationIssue(type: "string_too_long", loc: at,
                                              msg: "String should have at most 500 characters", input: value))
            case .string, .int, .double, .bool:
                continue
            case .null, .array, .object:
                issues.append(.valueError(at, "a metadata value is a string, an integer, a number or a boolean",
                                          input: value))
            }
        }
        return issues.count == before ? members : nil
    }

    /// Throws the collected issues, if any.
    func validate() throws(ValidationFailure) {
        if !issues.isEmpty { throw ValidationFailure(issues) }
    }
}

/// Reads query parameters the same way.
struct QueryFields {
    private let parameters: [String: String]
    private(set) var issues: [ValidationIssue] = []

    init(_ request: Request) {
        var parameters: [String: String] = [:]
        for (key, value) in request.uri.queryParameters {
            parameters[String(key)] = String(value)
        }
        self.parameters = parameters
        for (key, value) in parameters.sorted(by: { $0.key < $1.key })
        where TextRules.containsNUL(key) || TextRules.containsNUL(value) {
            issues.append(.valueError([.key("query"), .key(key)], TextRules.invalidCharactersMessage, input: .string(value)))
        }
    }

    private mutating func invalid(_ key: String, _ type: String, _ message: String) {
        issues.append(ValidationIssue(
            type: type, loc: [.key("query"), .key(key)], msg: message, input: .string(parameters[key] ?? "")))
    }

    mutating func uuid(_ key: String) -> UUID? {
        guard let text = parameters[key], !text.isEmpty else { return nil }
        guard let id = UUID(wire: text) else {
            invalid(key, "uuid_parsing", "Input should be a valid UUID")
            return nil
        }
        return id
    }

    func string(_ key: String) -> String? {
        parameters[key].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// A rule about several parameters together (one of two given, say), reported at `key`.
    mutating func appendIssue(key: String, _ message: String) {
        issues.append(.valueError([.key("query"), .key(key)], message, input: .string(parameters[key] ?? "")))
    }

    /// A boolean parameter (`true`/`false`, `1`/`0`); nil when absent.
    mutating func bool(_ key: String) -> Bool? {
        guard let text = string(key) else { return nil }
        switch text.lowercased() {
        case "true", "1": return true
        case "false", "0": return false
        default:
            invalid(key, "bool_parsing", "Input should be a valid boolean, unable to interpret input")
            return nil
        }
    }

    /// A parameter that must be one of an enum's raw values; nil when absent.
    mutating func choice<Choice: RawRepresentable & CaseIterable>(_ key: String, _: Choice.Type) -> Choice?
    where Choice.RawValue == String {
        guard let text = string(key) else { return nil }
        guard let choice = Choice(rawValue: text) else {
            invalid(key, "enum", enumMessage(Choice.self))
            return nil
        }
        return choice
    }

    mutating func int(_ key: String, default fallback: Int, minimum: Int, maximum: Int) -> Int {
        guard let text = parameters[key], !text.isEmpty else { return fallback }
        guard let number = Int(text) else {
            invalid(key, "int_parsing", "Input should be a valid integer, unable to parse string as an integer")
            return fallback
        }
        if number < minimum {
            invalid(key, "greater_than_equal", "Input should be greater than or equal to \(minimum)")
        } else if number > maximum {
            invalid(key, "less_than_equal", "Input should be less than or equal to \(maximum)")
        }
        return number
    }

    /// Tessera's cursor-paginated lists (newest first): `limit` (1–100, default 10) and the
    /// `cursor` a previous page answered with.
    mutating func cursorPage() -> (limit: Int, cursor: ListCursor?) {
        let limit = int("limit", default: 10, minimum: 1, maximum: 100)
        guard let text = string("cursor") else { return (limit, nil) }
        guard let cursor = ListCursor(text: text) else {
            invalid("cursor", "value_error", "Value error, not a cursor this list answered with")
            return (limit, nil)
        }
        return (limit, cursor)
    }

    /// `page` (from 1) and `limit` (1–100, default 10), as Polar pages lists.
    mutating func page() -> PageRequest {
        PageRequest(page: int("page", default: 1, minimum: 1, maximum: 1_000_000),
                         limit: int("limit", default: 10, minimum: 1, maximum: 100))
    }

    func validate() throws(ValidationFailure) {
        if !issues.isEmpty { throw ValidationFailure(issues) }
    }
}

extension RequestContext {
    /// A path parameter that must be a UUID, else 422 at `["path", name]`.
    func pathUUID(_ name: String) throws(ValidationFailure) -> UUID {
        let text = parameters.get(name) ?? ""
        guard let id = UUID(wire: text) else {
            throw ValidationFailure([ValidationIssue(
                type: "uuid_parsing", loc: [.key("path"), .key(name)], msg: "Input should be a valid UUID",
                input: .string(text))])
        }
        return id
    }
}

/// Pydantic's message for a value that is none of an enum's: "Input should be 'a', 'b'".
private func enumMessage<Choice: RawRepresentable & CaseIterable>(_: Choice.Type) -> String where Choice.RawValue == String {
    "Input should be " + Choice.allCases.map { "'\($0.rawValue)'" }.joined(separator: ", ")
}
