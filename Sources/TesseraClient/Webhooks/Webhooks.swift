import Crypto
import Foundation
import NIOHTTP1

/// Verifies and decodes the webhook requests Tessera and Polar send.
///
/// Both sign as [Standard Webhooks](https://www.standardwebhooks.com/) do: the
/// `webhook-signature` header holds one or more space-separated `v1,<base64>` signatures, each
/// the HMAC-SHA256 of `{webhook-id}.{webhook-timestamp}.{body}` keyed with the UTF-8 bytes of
/// the whole endpoint secret.
///
/// ```swift
/// let event = try Webhooks.verify(body: requestBody, headers: requestHeaders, secret: endpointSecret)
/// if case .customerSeat(let seat) = event.payload, event.type == .customerSeatClaimed {
///     print("\(seat.email ?? "?") claimed their seat")
/// }
/// ```
public enum Webhooks {
    /// How far `webhook-timestamp` may be from the receiver's clock: 5 minutes, either way.
    public static let defaultTolerance: TimeInterval = 5 * 60

    /// Checks the request's signature and timestamp, then decodes the event.
    ///
    /// - Parameters:
    ///   - body: The request body exactly as received: verify before any JSON parsing.
    ///   - headers: The request headers; names are matched case-insensitively.
    ///   - secret: The endpoint's secret (``WebhookEndpoint/secret``).
    ///   - now: The receiver's clock.
    ///   - tolerance: How far the timestamp may be from `now`.
    /// - Throws: ``WebhookVerificationError``.
    @discardableResult
    public static func verify(body: Data, headers: [String: String], secret: String, now: Date = Date(),
                              tolerance: TimeInterval = defaultTolerance) throws -> WebhookEvent
    {
        let lowercased = Dictionary(headers.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { first, _ in first })
        func header(_ name: String) throws -> String {
            guard let value = lowercased[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else {
                throw WebhookVerificationError.missingHeader(name)
            }
            return value
        }
        let id = try header("webhook-id")
        let timestampText = try header("webhook-timestamp")
        let signatures = try header("webhook-signature")

        guard let timestamp = Int(timestampText) else { throw WebhookVerificationError.invalidTimestamp(timestampText) }
        let sent = Date(timeIntervalSince1970: TimeInterval(timestamp))
        guard abs(sent.timeIntervalSince(now)) <= tolerance else {
            throw WebhookVerificationError.timestampOutOfTolerance(sent: sent, now: now)
        }

        let key = SymmetricKey(data: Data(secret.utf8))
        var message = Data("\(id).\(timestampText).".utf8)
        message.append(body)
        let valid = signatures.split(separator: " ").contains { candidate in
            guard candidate.hasPrefix("v1,"), let mac = Data(base64Encoded: String(candidate.dropFirst(3))) else {
                return false
            }
            return HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: message, using: key)
        }
        guard valid else { throw WebhookVerificationError.invalidSignature }

        do {
            let envelope = try WireCoding.decoder().decode(Envelope.self, from: body)
            return WebhookEvent(id: id, type: envelope.type, timestamp: envelope.timestamp, data: envelope.data,
                                payload: try WebhookPayload(type: envelope.type, data: envelope.data))
        } catch {
            throw WebhookVerificationError.invalidPayload(error)
        }
    }

    /// ``verify(body:headers:secret:now:tolerance:)`` for a body held as a string.
    @discardableResult
    public static func verify(body: String, headers: [String: String], secret: String, now: Date = Date(),
                              tolerance: TimeInterval = defaultTolerance) throws -> WebhookEvent
    {
        try verify(body: Data(body.utf8), headers: headers, secret: secret, now: now, tolerance: tolerance)
    }

    /// ``verify(body:headers:secret:now:tolerance:)`` with SwiftNIO's headers.
    @discardableResult
    public static func verify(body: Data, headers: HTTPHeaders, secret: String, now: Date = Date(),
                              tolerance: TimeInterval = defaultTolerance) throws -> WebhookEvent
    {
        var plain: [String: String] = [:]
        for (name, value) in headers where plain[name.lowercased()] == nil { plain[name.lowercased()] = value }
        return try verify(body: body, headers: plain, secret: secret, now: now, tolerance: tolerance)
    }

    /// The signature header value for a body: what a sender puts in `webhook-signature`.
    /// Useful to test your own webhook handler.
    public static func sign(body: Data, id: String, timestamp: Int, secret: String) -> String {
        let key = SymmetricKey(data: Data(secret.utf8))
        var message = Data("\(id).\(timestamp).".utf8)
        message.append(body)
        return "v1," + Data(HMAC<SHA256>.authenticationCode(for: message, using: key)).base64EncodedString()
    }

    private struct Envelope: Decodable {
        var type: WebhookEventType
        var timestamp: Date
        var data: JSONValue
    }
}

/// A verified webhook event.
public struct WebhookEvent: Sendable, Hashable {
    /// `webhook-id`: the same on every delivery of one event, so use it to drop duplicates.
    public var id: String
    public var type: WebhookEventType
    /// When the event happened.
    public var timestamp: Date
    /// `data` as received: the JSON the API returns for the object.
    public var data: JSONValue
    /// `data` decoded by the event's type.
    public var payload: WebhookPayload
}

/// An event's `data`, typed by the event's type.
public enum WebhookPayload: Sendable, Hashable {
    /// `customer_seat.assigned`, `.claimed`, `.revoked`.
    case customerSeat(CustomerSeat)
    /// `customer.created`, `.updated`, `.deleted`.
    case customer(Customer)
    /// `member.created`, `.updated`, `.deleted`.
    case member(Member)
    /// `subscription.*`.
    case subscription(Subscription)
    /// `order.*`.
    case order(Order)
    /// `product.*`.
    case product(Product)
    /// Any other event type: see ``WebhookEvent/data``.
    case other(JSONValue)

    init(type: WebhookEventType, data: JSONValue) throws {
        let prefix = type.rawValue.split(separator: ".").first.map(String.init) ?? ""
        switch prefix {
        case "customer_seat": self = .customerSeat(try data.decode(as: CustomerSeat.self))
        case "customer" where type != .customerStateChanged: self = .customer(try data.decode(as: Customer.self))
        case "member": self = .member(try data.decode(as: Member.self))
        case "subscription": self = .subscription(try data.decode(as: Subscription.self))
        case "order": self = .order(try data.decode(as: Order.self))
        case "product": self = .product(try data.decode(as: Product.self))
        default: self = .other(data)
        }
    }
}

/// Why a webhook request was refused.
public enum WebhookVerificationError: Error, CustomStringConvertible {
    /// `webhook-id`, `webhook-timestamp` or `webhook-signature` is missing.
    case missingHeader(String)
    /// `webhook-timestamp` is not whole Unix seconds.
    case invalidTimestamp(String)
    /// The timestamp is too far from the receiver's clock (a replay, or a wrong clock).
    case timestampOutOfTolerance(sent: Date, now: Date)
    /// No signature matches: the body was changed, or the secret is not this endpoint's.
    case invalidSignature
    /// Signed correctly, but not an event the SDK can decode.
    case invalidPayload(any Error)

    public var description: String {
        switch self {
        case .missingHeader(let name): "missing \(name) header"
        case .invalidTimestamp(let text): "invalid webhook-timestamp \"\(text)\""
        case .timestampOutOfTolerance(let sent, let now):
            "webhook-timestamp \(Timestamp.format(sent)) is too far from now (\(Timestamp.format(now)))"
        case .invalidSignature: "no valid signature"
        case .invalidPayload(let error): "invalid event payload: \(error)"
        }
    }
}
