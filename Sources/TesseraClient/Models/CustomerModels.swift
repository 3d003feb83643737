import Foundation

/// Someone who buys seats (usually a company), or a person who holds one.
public struct Customer: Codable, Sendable, Hashable, Identifiable {
    public var id: String
    public var createdAt: Date
    public var modifiedAt: Date?
    public var metadata: Metadata
    /// Your own id for the customer, unique in the organization.
    public var externalId: String?
    public var email: String
    public var emailVerified: Bool?
    public var type: CustomerType?
    public var name: String?
    public var organizationId: String
    /// Set on a deleted customer (seen in `customer.deleted` events).
    public var deletedAt: Date?
    public var avatarUrl: String?

    enum CodingKeys: String, CodingKey {
        case id
        case createdAt = "created_at"
        case modifiedAt = "modified_at"
        case metadata
        case externalId = "external_id"
        case email
        case emailVerified = "email_verified"
        case type
        case name
        case organizationId = "organization_id"
        case deletedAt = "deleted_at"
        case avatarUrl = "avatar_url"
    }
}

/// The body of ``Customers/create(_:idempotencyKey:retries:)``.
public struct CustomerCreate: Codable, Sendable, Hashable {
    public var email: String
    public var name: String?
    public var externalId: String?
    public var metadata: Metadata?

    enum CodingKeys: String, CodingKey {
        case email, name
        case externalId = "external_id"
        case metadata
    }

    /// Creates the value; optional fields left nil are not sent.
    public init(email: String, name: String? = nil, externalId: String? = nil, metadata: Metadata? = nil) {
        self.email = email
        self.name = name
        self.externalId = externalId
        self.metadata = metadata
    }
}

/// The body of ``Customers/update(id:_:retries:)``: only the fields that are set change.
/// An external id can be set once, never changed.
public struct CustomerUpdate: Codable, Sendable, Hashable {
    public var email: String?
    public var name: String?
    public var externalId: String?
    /// Replaces the whole metadata.
    public var metadata: Metadata?

    enum CodingKeys: String, CodingKey {
        case email, name
        case externalId = "external_id"
        case metadata
    }

    /// Creates the value; optional fields left nil are not sent.
    public init(email: String? = nil, name: String? = nil, externalId: String? = nil, metadata: Metadata? = nil) {
        self.email = email
        self.name = name
        self.externalId = externalId
        self.metadata = metadata
    }
}

/// A person under a customer: who holds a seat when the customer is a company.
public struct Member: Codable, Sendable, Hashable, Identifiable {
    public var id: String
    public var createdAt: Date
    public var modifiedAt: Date?
    /// The customer the member belongs to.
    public var customerId: String
    public var email: String
    public var name: String?
    public var externalId: String?
    public var role: MemberRole

    enum CodingKeys: String, CodingKey {
        case id
        case createdAt = "created_at"
        case modifiedAt = "modified_at"
        case customerId = "customer_id"
        case email, name
        case externalId = "external_id"
        case role
    }
}

/// The body of ``Members/create(_:idempotencyKey:retries:)``.
public struct MemberCreate: Codable, Sendable, Hashable {
    /// The customer the member joins (also the path of the request).
    public var customerId: String
    public var email: String
    public var name: String?
    public var externalId: String?
    /// `member` when not given.
    public var role: MemberRole?

    enum CodingKeys: String, CodingKey {
        case customerId = "customer_id"
        case email, name
        case externalId = "external_id"
        case role
    }

    /// Creates the value; optional fields left nil are not sent.
    public init(customerId: String, email: String, name: String? = nil, externalId: String? = nil,
                role: MemberRole? = nil) {
        self.customerId = customerId
        self.email = email
        self.name = name
        self.externalId = externalId
        self.role = role
    }

    /// The body, without `customer_id`: the customer is the request's path, and neither Tessera
    /// nor Polar reads it from the body.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(email, forKey: .email)
        try container.encodeIfPresent(name, forKey: .name)
        try container.encodeIfPresent(externalId, forKey: .externalId)
        try container.encodeIfPresent(role, forKey: .role)
    }
}

/// What a customer has now (`GET /v1/customers/{id}/state`): active subscriptions and the
/// benefits granted to them through seats. Tessera meters nothing, so there are no meters.
public struct CustomerState: Codable, Sendable, Hashable, Identifiable {
    public var id: String
    public var email: String
    public var externalId: String?
    public var name: String?
    public var organizationId: String
    public var metadata: Metadata
    public var activeSubscriptions: [ActiveSubscription]
    public var grantedBenefits: [GrantedBenefit]

    enum CodingKeys: String, CodingKey {
        case id, email, name, metadata
        case externalId = "external_id"
        case organizationId = "organization_id"
        case activeSubscriptions = "active_subscriptions"
        case grantedBenefits = "granted_benefits"
    }

    /// An active subscription, as the customer state shows it.
    public struct ActiveSubscription: Codable, Sendable, Hashable, Identifiable {
        public var id: String
        public var status: SubscriptionStatus
        public var productId: String
        public var currentPeriodEnd: Date?
        public var cancelAtPeriodEnd: Bool
        public var metadata: Metadata

        enum CodingKeys: String, CodingKey {
            case id, status, metadata
            case productId = "product_id"
            case currentPeriodEnd = "current_period_end"
            case cancelAtPeriodEnd = "cancel_at_period_end"
        }
    }

    /// A live grant, as the customer state shows it.
    public struct GrantedBenefit: Codable, Sendable, Hashable, Identifiable {
        public var id: String
        public var benefitId: String
        public var benefitType: BenefitType
        public var benefitMetadata: Metadata
        public var grantedAt: Date
        public var properties: Metadata

        enum CodingKeys: String, CodingKey {
            case id, properties
            case benefitId = "benefit_id"
            case benefitType = "benefit_type"
            case benefitMetadata = "benefit_metadata"
            case grantedAt = "granted_at"
        }
    }
}

/// The body of ``CustomerSessions/create(_:idempotencyKey:retries:)``: the customer by id or external id, and
/// optionally one of its members.
public struct CustomerSessionCreate: Codable, Sendable, Hashable {
    public var customerId: String?
    public var externalCustomerId: String?
    public var memberId: String?
    public var externalMemberId: String?
    /// Where the portal's "back" link leads.
    public var returnUrl: String?

    enum CodingKeys: String, CodingKey {
        case customerId = "customer_id"
        case externalCustomerId = "external_customer_id"
        case memberId = "member_id"
        case externalMemberId = "external_member_id"
        case returnUrl = "return_url"
    }

    /// Creates the value; give one of `customerId` and `externalCustomerId`. Fields left nil are not sent.
    public init(customerId: String? = nil, externalCustomerId: String? = nil, memberId: String? = nil,
                externalMemberId: String? = nil, returnUrl: String? = nil) {
        self.customerId = customerId
        self.externalCustomerId = externalCustomerId
        self.memberId = memberId
        self.externalMemberId = externalMemberId
        self.returnUrl = returnUrl
    }
}

/// A signed-in portal session.
public struct CustomerSession: Codable, Sendable, Hashable, Identifiable {
    public var id: String
    public var createdAt: Date
    /// The bearer token of the portal API: a client made with it reaches ``TesseraClient/customerPortal``.
    public var token: String
    public var expiresAt: Date
    public var returnUrl: String?
    /// Opens the portal page signed in.
    public var customerPortalUrl: String
    public var customerId: String
    public var customer: Customer

    enum CodingKeys: String, CodingKey {
        case id
        case createdAt = "created_at"
        case token
        case expiresAt = "expires_at"
        case returnUrl = "return_url"
        case customerPortalUrl = "customer_portal_url"
        case customerId = "customer_id"
        case customer
    }
}
