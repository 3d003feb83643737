import Crypto
import Foundation

/// The events Tessera sends, named as Polar names them.
public enum WebhookEventType: String, Sendable, CaseIterable {
    case customerSeatAssigned = "customer_seat.assigned"
    case customerSeatClaimed = "customer_seat.claimed"
    case customerSeatRevoked = "customer_seat.revoked"
    case subscriptionCreated = "subscription.created"
    case subscriptionUpdated = "subscription.updated"
    case subscriptionCanceled = "subscription.canceled"
    case subscriptionRevoked = "subscription.revoked"
    case orderCreated = "order.created"
    case orderPaid = "order.paid"
    case customerCreated = "customer.created"
    case customerUpdated = "customer.updated"
    case customerDeleted = "customer.deleted"
    case memberCreated = "member.created"
    case memberUpdated = "member.updated"
    case memberDeleted = "member.deleted"
    case benefitCreated = "benefit.created"
    case benefitUpdated = "benefit.updated"
    case benefitGrantCreated = "benefit_grant.created"
    case benefitGrantUpdated = "benefit_grant.updated"
    case benefitGrantRevoked = "benefit_grant.revoked"
}

/// Where a merchant receives events, and the secret their signatures use.
public struct WebhookEndpoint: Sendable, Equatable {
    public var id: UUID
    public var organizationId: UUID
    public var url: String
    public var name: String?
    public var secret: String
    public var events: [WebhookEventType]
    public var enabled: Bool
    /// Why Tessera turned the endpoint off, if it did.
    public var disabledReason: String?
    /// Events in a row that failed every retry; any success resets it.
    public var failedEventsInRow: Int
    public var createdAt: Date
    public var modifiedAt: Date?

    public init(id: UUID, organizationId: UUID, url: String, name: String?, secret: String,
                events: [WebhookEventType], enabled: Bool, disabledReason: String?, failedEventsInRow: Int,
                createdAt: Date, modifiedAt: Date?) {
        self.id = id
        self.organizationId = organizationId
        self.url = url
        self.name = name
        self.secret = secret
        self.events = events
        self.enabled = enabled
        self.disabledReason = disabledReason
        self.failedEventsInRow = failedEventsInRow
        self.createdAt = createdAt
        self.modifiedAt = modifiedAt
    }

    /// After this many events in a row fail all their retries, the endpoint is disabled.
    public static let failedEventsBeforeDisabling = 5

    /// How one event ended for this endpoint, as far as the disabling rule cares: attempts
    /// that will be retried change nothing.
    public enum EventOutcome: Sendable, Equatable {
        /// An attempt succeeded.
        case delivered
        /// The last retry failed too; `lastError` says how, for the disabled reason.
        case failedEveryRetry(lastError: String)
    }

    /// The disabling rule. A delivered event ends the streak of failed events; an event that
    /// failed every retry lengthens it, and the one that brings it to
    /// `failedEventsBeforeDisabling` turns an enabled endpoint off, with the reason, so a dead
    /// receiver does not pile up a day of retries for every new event. Returns whether this
    /// outcome disabled the endpoint.
    @discardableResult
    public mutating func recordEvent(_ outcome: EventOutcome, at now: Date) -> Bool {
        switch outcome {
        case .delivered:
            failedEventsInRow = 0
            return false
        case .failedEveryRetry(let lastError):
            failedEventsInRow += 1
            guard enabled, failedEventsInRow >= Self.failedEventsBeforeDisabling else { return false }
            enabled = false
            disabledReason = "Disabled after \(Self.failedEventsBeforeDisabling) events in a row failed every retry; "
                + "the last: \(lastError)"
            modifiedAt = now
            return true
        }
    }

    /// Turns the endpoint on or off at the merchant's word. Turning it on gives it a fresh
    /// start: Tessera's reason for disabling it and the failure streak are cleared, or the
    /// next failed event would disable it again at once.
    public mutating func setEnabled(_ enabled: Bool) {
        self.enabled = enabled
        if enabled {
            disabledReason = nil
            failedEventsInRow = 0
        }
    }

    /// A new signing secret: 256 random bits.
    public static func generateSecret() -> String {
        "tsr_whs_" + SecretToken.generate(.invitation).value
    }

    /// Only http and https URLs with a host.
    public static func isValidURL(_ text: String) -> Bool {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
              let host = url.host, !host.isEmpty else { return false }
        return true
    }
}

/// Standard Webhooks signatures, as Polar sends them: `v1,` and the base64 HMAC-SHA256 of
/// `{id}.{timestamp}.{body}`, keyed with the UTF-8 bytes of the whole secret string.
public enum WebhookSignature {
    public static func sign(id: String, timestamp: Int, body: String, secret: String) -> String {
        let key = SymmetricKey(data: Data(secret.utf8))
        let mac = HMAC<SHA256>.authenticationCode(for: Data("\(id).\(timestamp).\(body)".utf8), using: key)
        return "v1," + Data(mac).base64EncodedString()
    }

    /// Checks a `webhook-signature` header (which may list several signatures) in constant time.
    public static func isValid(signatureHeader: String, id: String, timestamp: Int, body: String, secret: String) -> Bool {
        let key = SymmetricKey(data: Data(secret.utf8))
        let message = Data("\(id).\(timestamp).\(body)".utf8)
        for candidate in signatureHeader.split(separator: " ") {
            guard candidate.hasPrefix("v1,"), let mac = Data(base64Encoded: String(candidate.dropFirst(3))) else { continue }
            if HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: message, using: key) { return true }
        }
        return false
    }
}

/// When a failed webhook delivery is tried again: about a day in all, with jitter so that
/// many failing deliveries do not retry in lockstep.
public enum WebhookRetrySchedule {
    /// Delays after the 1st, 2nd, … failed attempt. Their sum is about 24 hours.
    public static let delays: [TimeInterval] = [10, 60, 300, 900, 1800, 3600, 7200, 14400, 28800, 28800]

    /// The wait after `attempt` failed attempts, or nil when the delivery has failed for good.
    /// `jitter` is a number in 0..<1 (random in production), spreading each delay by ±20 %.
    public static func delay(afterAttempt attempt: Int, jitter: Double) -> TimeInterval? {
        guard attempt >= 1, attempt <= delays.count else { return nil }
        return delays[attempt - 1] * (0.8 + 0.4 * jitter)
    }

    public static var maximumAttempts: Int { delays.count + 1 }
}
