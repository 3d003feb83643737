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

/// A validated request to assign a seat.
public struct SeatAssignment: Sendable, Equatable {
    public var pool: SeatPoolReference
    public var recipient: SeatRecipient
    public var metadata: [String: JSONValue]
    public var immediateClaim: Bool

    public static let maximumMetadataKeys = 10
    public static let maximumMetadataLength = 1024

    /// Applies the request-shape rules (each a 422 in Polar) and builds the assignment.
    public static func validate(
        subscriptionId: UUID?, orderId: UUID?, email: String?, customerId: UUID?, externalCustomerId: String?,
        memberId: UUID?, externalMemberId: String?, metadata: [String: JSONValue]?, immediateClaim: Bool,
        body: JSONValue
    ) throws(ValidationFailure) -> SeatAssignment {
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

        let pool: SeatPoolReference
        switch (subscriptionId, orderId) {
        case (let id?, nil): pool = .subscription(id)
        case (nil, let id?): pool = .order(id)
        default:
            throw ValidationFailure([.valueError(
                [.key("body")], "Exactly one of subscription_id, checkout_id, or order_id must be provided",
                input: body)])
        }
        do {
            let recipient = try recipient(email: email, customerId: customerId, externalCustomerId: externalCustomerId,
                                          memberId: memberId, externalMemberId: externalMemberId)
            return SeatAssignment(pool: pool, recipient: recipient, metadata: metadata ?? [:],
                                  immediateClaim: immediateClaim)
        } catch let message {
            throw ValidationFailure([.valueError([.key("body")], message.text, input: body)])
        }
    }

    struct RuleMessage: Error { let text: String }

    private static func recipient(
        email: String?, customerId: UUID?, externalCustomerId: String?, memberId: UUID?, externalMemberId: String?
    ) throws(RuleMessage) -> SeatRecipient {
        let hasCustomerIdentifier = customerId != nil || externalCustomerId != nil
        let hasMemberIdentifier = memberId != nil || externalMemberId != nil
        if !hasCustomerIdentifier && !hasMemberIdentifier && email == nil {
            throw RuleMessage(text: "One of email, customer_id, external_customer_id, member_id or external_member_id must be provided")
        }
        if hasCustomerIdentifier && hasMemberIdentifier {
            throw RuleMessage(text: "Customer identifiers (customer_id, external_customer_id) cannot be combined with member identifiers (member_id, external_member_id)")
        }
        if memberId != nil && externalMemberId != nil {
            throw RuleMessage(text: "Only one of member_id or external_member_id can be provided")
        }
        if let memberId {
            if email != nil { throw RuleMessage(text: "email cannot be combined with member_id") }
            return .memberId(memberId)
        }
        if let externalMemberId { return .externalMemberId(externalMemberId, email: email) }
        let customerIdentifiers = [email != nil, customerId != nil, externalCustomerId != nil].filter { $0 }.count
        if customerIdentifiers != 1 {
            throw RuleMessage(text: "Exactly one of email, external_customer_id, or customer_id must be provided")
        }
        if let email { return .email(email) }
        if let customerId { return .customerId(customerId) }
        return .externalCustomerId(externalCustomerId ?? "")
    }
}
