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

/// The body of ``Customers/create(_:retries:)``.
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

/// The body of ``Members/create(_:retries:)``.
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
}
