import Foundation

/// Who a seat is being assigned to, as the request names them.
public enum SeatRecipient: Sendable, Equatable {
    case email(String)
    case customerId(UUID)
    case externalCustomerId(String)
    case memberId(UUID)
    /// An external member id, with an email to create or check the member by.
    case externalMemberId(String, email: String?)

    /// How the recipient is named in "already assigned" messages.
    public var identifier: String {
        switch self {
        case .email(let email): email
        case .customerId(let id), .memberId(let id): id.wire
        case .externalCustomerId(let id): id
        case .externalMemberId(let id, let email): email ?? id
        }
    }
}

/// The route an assignment came through: Polar names the pool fields differently in each.
public enum SeatAssignmentRoute: Sendable {
    /// `POST /v1/customer-seats` (merchant token).
    case merchant
    /// `POST /v1/customer-portal/seats` (portal session), which also knows `checkout_id`.
    case portal

    public var poolMessage: String {
        switch self {
        case .merchant: "Exactly one of subscription_id or order_id must be provided"
        case .portal: "Exactly one of subscription_id, order_id, or checkout_id must be provided"
        }
    }
}

/// A validated request to assign a seat.
public struct SeatAssignment: Sendable, Equatable {
    public var pool: SeatPoolReference
    public var recipient: SeatRecipient
    public var metadata: [String: JSONValue]
    public var immediateClaim: Bool
    /// Tessera's `send_invitation`: false hands the invitation's link to the caller instead of
    /// emailing it; nil follows the organization's setting (`Organization.emailsSeatInvitation`).
    public var sendInvitation: Bool?
    /// Tessera's seat expiry: when the seat is revoked by itself (`Seat.checkExpiry`).
    public var expiresAt: Date?

    public static let maximumMetadataKeys = 10
    public static let maximumMetadataLength = 1024

    /// Applies the request-shape rules (each a 422 in Polar) and builds the assignment.
    public static func validate(
        subscriptionId: UUID?, orderId: UUID?, email: String?, customerId: UUID?, externalCustomerId: String?,
        memberId: UUID?, externalMemberId: String?, metadata: [String: JSONValue]?, immediateClaim: Bool,
        body: JSONValue, route: SeatAssignmentRoute = .merchant
    ) throws(ValidationFailure) -> SeatAssignment {
        try checkFields(email: email, metadata: metadata)
        guard let pool = SeatPoolReference(subscriptionId: subscriptionId, orderId: orderId) else {
            throw ValidationFailure([.valueError([.key("body")], route.poolMessage, input: body)])
        }
        let recipient = try recipient(email: email, customerId: customerId, externalCustomerId: externalCustomerId,
                                      memberId: memberId, externalMemberId: externalMemberId, body: body)
        return SeatAssignment(pool: pool, recipient: recipient, metadata: metadata ?? [:], immediateClaim: immediateClaim)
    }

    /// The metadata and email rules, both reported at once.
    static func checkFields(email: String?, metadata: [String: JSONValue]?) throws(ValidationFailure) {
        var issues: [ValidationIssue] = []
        if let metadata {
            if metadata.count > maximumMetadataKeys {
                issues.append(.valueError([.key("body"), .key("metadata")],
                                          "Metadata cannot have more than 10 keys", input: .object(metadata)))
            } else if JSONValue.object(metadata).pythonDumpsLength > maximumMetadataLength {
                issues.append(.valueError([.key("body"), .key("metadata")],
                                          "Metadata size cannot exceed 1KB", input: .object(metadata)))
            }
        }
        if let email, let problem = EmailAddress.problem(with: email) {
            issues.append(ValidationIssue(
                type: "value_error", loc: [.key("body"), .key("email")],
                msg: "value is not a valid email address: \(problem)", input: .string(email)))
        }
        guard issues.isEmpty else { throw ValidationFailure(issues) }
    }

    /// The recipient the identifying fields name, by Polar's rules (a 422 on the body when they
    /// name none, or too many).
    static func recipient(
        email: String?, customerId: UUID?, externalCustomerId: String?, memberId: UUID?, externalMemberId: String?,
        body: JSONValue
    ) throws(ValidationFailure) -> SeatRecipient {
        do {
            return try recipient(email: email, customerId: customerId, externalCustomerId: externalCustomerId,
                                 memberId: memberId, externalMemberId: externalMemberId)
        } catch let message {
            throw ValidationFailure([.valueError([.key("body")], message.text, input: body)])
        }
    }

    struct RuleMessage: Error { let text: String }

    private static func recipient(
        email: String?, customerId: UUID?, externalCustomerId: String?, memberId: UUID?, externalMemberId: String?
    ) throws(RuleMessage) -> SeatRecipient {
        // Polar's checks, in Polar's order and words.
        let customerIdentifiers = [customerId != nil, externalCustomerId != nil].filter { $0 }.count
        let memberIdentifiers = [memberId != nil, externalMemberId != nil].filter { $0 }.count
        if customerIdentifiers + memberIdentifiers == 0 && email == nil {
            throw RuleMessage(text: "At least one of email, external_customer_id, customer_id, external_member_id, or member_id must be provided")
        }
        if customerIdentifiers > 0 && memberIdentifiers > 0 {
            throw RuleMessage(text: "Cannot combine external_customer_id/customer_id with external_member_id/member_id")
        }
        if memberIdentifiers > 1 {
            throw RuleMessage(text: "Cannot provide both external_member_id and member_id")
        }
        if customerIdentifiers > 0 && customerIdentifiers + (email == nil ? 0 : 1) != 1 {
            throw RuleMessage(text: "Exactly one of email, external_customer_id, or customer_id must be provided")
        }
        if memberId != nil && email != nil {
            throw RuleMessage(text: "Cannot combine member_id with email")
        }
        if let memberId { return .memberId(memberId) }
        if let externalMemberId { return .externalMemberId(externalMemberId, email: email) }
        if let customerId { return .customerId(customerId) }
        if let externalCustomerId { return .externalCustomerId(externalCustomerId) }
        return .email(email ?? "")
    }
}

/// A validated request to hand a seat to someone else (Tessera's transfer): the recipient as
/// an assignment names one, and what the new holder's seat carries.
public struct SeatTransfer: Sendable, Equatable {
    public var recipient: SeatRecipient
    /// Replaces the seat's metadata when given; nil keeps it.
    public var metadata: [String: JSONValue]?
    public var immediateClaim: Bool
    /// As on an assignment: false hands the new invitation back instead of emailing it.
    public var sendInvitation: Bool?
    /// The new holder's expiry; nil for none (the former holder's does not carry over).
    public var expiresAt: Date?

    /// Applies an assignment's rules for the recipient, email and metadata.
    public static func validate(
        email: String?, customerId: UUID?, externalCustomerId: String?, memberId: UUID?, externalMemberId: String?,
        metadata: [String: JSONValue]?, immediateClaim: Bool, body: JSONValue
    ) throws(ValidationFailure) -> SeatTransfer {
        try SeatAssignment.checkFields(email: email, metadata: metadata)
        let recipient = try SeatAssignment.recipient(
            email: email, customerId: customerId, externalCustomerId: externalCustomerId, memberId: memberId,
            externalMemberId: externalMemberId, body: body)
        return SeatTransfer(recipient: recipient, metadata: metadata, immediateClaim: immediateClaim)
    }

    /// The transfer as an assignment of the seat's pool, keeping `current` metadata unless replaced.
    public func assignment(into pool: SeatPoolReference, currentMetadata: [String: JSONValue]) -> SeatAssignment {
        var assignment = SeatAssignment(pool: pool, recipient: recipient, metadata: metadata ?? currentMetadata,
                                        immediateClaim: immediateClaim)
        assignment.sendInvitation = sendInvitation
        assignment.expiresAt = expiresAt
        return assignment
    }
}
