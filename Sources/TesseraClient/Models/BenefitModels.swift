import Foundation

/// What a product grants to the holders of its seats: `custom` (a note), `feature_flag`, or
/// `license_keys`.
public struct Benefit: Codable, Sendable, Hashable, Identifiable {
    public var id: String
    public var createdAt: Date
    public var modifiedAt: Date?
    public var type: BenefitType
    public var description: String
    public var visibility: BenefitVisibility
    public var organizationId: String
    public var metadata: Metadata
    /// The fields of the benefit's type; the others are nil.
    public var properties: BenefitProperties
    public var selectable: Bool
    public var deletable: Bool
    public var isDeleted: Bool

    enum CodingKeys: String, CodingKey {
        case id
        case createdAt = "created_at"
        case modifiedAt = "modified_at"
        case type, description, visibility
        case organizationId = "organization_id"
        case metadata, properties, selectable, deletable
        case isDeleted = "is_deleted"
    }
}

/// The properties of every supported benefit type in one value: `note` for `custom`; the
/// license key rules for `license_keys`; nothing for `feature_flag`. Nil fields are not sent.
public struct BenefitProperties: Codable, Sendable, Hashable {
    /// `custom`: a private note for whoever holds the benefit.
    public var note: String?
    /// `license_keys`: text before every key.
    public var prefix: String?
    /// `license_keys`: how long a key lasts.
    public var expires: LicenseKeyExpiry?
    /// `license_keys`: how many activations one key allows.
    public var activations: LicenseKeyActivations?
    /// `license_keys`: how many uses one key allows.
    public var limitUsage: Int?

    enum CodingKeys: String, CodingKey {
        case note, prefix, expires, activations
        case limitUsage = "limit_usage"
    }

    /// Creates the value; fields left nil are not sent.
    public init(note: String? = nil, prefix: String? = nil, expires: LicenseKeyExpiry? = nil,
                activations: LicenseKeyActivations? = nil, limitUsage: Int? = nil) {
        self.note = note
        self.prefix = prefix
        self.expires = expires
        self.activations = activations
        self.limitUsage = limitUsage
    }
}

/// How long a license key lasts from its grant: `ttl` days, months or years.
public struct LicenseKeyExpiry: Codable, Sendable, Hashable {
    public var ttl: Int
    /// `day`, `month` or `year`.
    public var timeframe: String

    public init(ttl: Int, timeframe: String) {
        self.ttl = ttl
        self.timeframe = timeframe
    }
}

/// How many activations one license key allows, and whether the customer may manage them.
public struct LicenseKeyActivations: Codable, Sendable, Hashable {
    public var limit: Int
    public var enableCustomerAdmin: Bool

    enum CodingKeys: String, CodingKey {
        case limit
        case enableCustomerAdmin = "enable_customer_admin"
    }

    public init(limit: Int, enableCustomerAdmin: Bool) {
        self.limit = limit
        self.enableCustomerAdmin = enableCustomerAdmin
    }
}

/// The body of ``Benefits/create(_:idempotencyKey:retries:)``.
public struct BenefitCreate: Codable, Sendable, Hashable {
    public var type: BenefitType
    /// 3 to 42 characters.
    public var description: String
    public var visibility: BenefitVisibility?
    public var metadata: Metadata?
    public var properties: BenefitProperties

    /// Creates the value; optional fields left nil are not sent (visibility defaults to `public`).
    public init(type: BenefitType, description: String, visibility: BenefitVisibility? = nil, metadata: Metadata? = nil,
                properties: BenefitProperties = BenefitProperties()) {
        self.type = type
        self.description = description
        self.visibility = visibility
        self.metadata = metadata
        self.properties = properties
    }
}

/// The body of ``Benefits/update(id:_:retries:)``: only the fields that are set change. `type`
/// must be the benefit's own.
public struct BenefitUpdate: Codable, Sendable, Hashable {
    public var type: BenefitType
    public var description: String?
    public var visibility: BenefitVisibility?
    public var metadata: Metadata?
    /// Replaces the properties as a whole.
    public var properties: BenefitProperties?

    /// Creates the value; optional fields left nil are not sent.
    public init(type: BenefitType, description: String? = nil, visibility: BenefitVisibility? = nil,
                metadata: Metadata? = nil, properties: BenefitProperties? = nil) {
        self.type = type
        self.description = description
        self.visibility = visibility
        self.metadata = metadata
        self.properties = properties
    }
}

/// The body of ``Products/setBenefits(productId:benefitIds:retries:)``.
struct ProductBenefitsUpdate: Codable, Sendable, Hashable {
    var benefits: [String]
}

/// A benefit held through a claimed seat; revoked (and kept) when the seat is revoked or the
/// benefit leaves the seat's product.
public struct BenefitGrant: Codable, Sendable, Hashable, Identifiable {
    public var id: String
    public var createdAt: Date
    public var modifiedAt: Date?
    public var grantedAt: Date?
    public var isGranted: Bool
    public var revokedAt: Date?
    public var isRevoked: Bool
    public var subscriptionId: String?
    public var orderId: String?
    /// The holder's customer (in the member model, the billing customer).
    public var customerId: String
    /// The holder's member.
    public var memberId: String?
    public var benefitId: String
    public var customer: Customer
    public var member: Member?
    public var benefit: Benefit
    /// What the grant carries besides the benefit (a license key's id and display form).
    public var properties: Metadata

    enum CodingKeys: String, CodingKey {
        case id
        case createdAt = "created_at"
        case modifiedAt = "modified_at"
        case grantedAt = "granted_at"
        case isGranted = "is_granted"
        case revokedAt = "revoked_at"
        case isRevoked = "is_revoked"
        case subscriptionId = "subscription_id"
        case orderId = "order_id"
        case customerId = "customer_id"
        case memberId = "member_id"
        case benefitId = "benefit_id"
        case customer, member, benefit, properties
    }
}
