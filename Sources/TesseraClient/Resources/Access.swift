import Foundation

/// The access check (`GET /v1/access`, scope `customers:read`): whether a person holds, through
/// a claimed seat, a benefit or a product. Tessera's own route; Polar has no such call.
public struct Access: Sendable {
    let executor: RequestExecutor

    /// What is asked about.
    public enum Target: Sendable, Hashable {
        case benefit(id: String)
        case product(id: String)
    }

    /// Who is asked about, as your app knows them.
    public enum Person: Sendable, Hashable {
        case email(String)
        case externalCustomerId(String)
        case externalMemberId(String)
    }

    /// Whether `person` may have `target`, and through which seat. Retried by default.
    public func check(_ target: Target, for person: Person, retries: RetryConfig? = nil) async throws -> AccessDecision {
        var query: [(name: String, value: String?)] = []
        switch target {
        case .benefit(let id): query.append(("benefit_id", id))
        case .product(let id): query.append(("product_id", id))
        }
        switch person {
        case .email(let email): query.append(("email", email))
        case .externalCustomerId(let id): query.append(("external_customer_id", id))
        case .externalMemberId(let id): query.append(("external_member_id", id))
        }
        return try await executor.send(APIRequest(.GET, "/v1/access", query: query, safeToRetry: true), retries: retries)
    }
}

/// The answer of ``Access/check(_:for:retries:)``.
public struct AccessDecision: Codable, Sendable, Hashable {
    public var allowed: Bool
    /// Why not, when not allowed: `person_not_found` or `no_claimed_seat`.
    public var reason: String?
    public var benefitId: String?
    public var productId: String?
    /// The claimed seat that allows it, and its pool and holder.
    public var seatId: String?
    public var subscriptionId: String?
    public var orderId: String?
    public var customerId: String?
    public var memberId: String?
    /// For a benefit, the grant that allows it.
    public var grant: AccessGrant?

    enum CodingKeys: String, CodingKey {
        case allowed, reason
        case benefitId = "benefit_id"
        case productId = "product_id"
        case seatId = "seat_id"
        case subscriptionId = "subscription_id"
        case orderId = "order_id"
        case customerId = "customer_id"
        case memberId = "member_id"
        case grant
    }
}

/// The grant behind an allowed benefit.
public struct AccessGrant: Codable, Sendable, Hashable {
    public var id: String
    public var grantedAt: Date?
    public var benefitType: BenefitType
    public var benefitMetadata: Metadata
    public var properties: Metadata

    enum CodingKeys: String, CodingKey {
        case id
        case grantedAt = "granted_at"
        case benefitType = "benefit_type"
        case benefitMetadata = "benefit_metadata"
        case properties
    }
}
