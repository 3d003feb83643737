import Foundation

/// The key a `license_keys` benefit gives each holder of a claimed seat: the holder's
/// credential for your app. `key` is the whole key; `displayKey` shows only its end.
public struct LicenseKey: Codable, Sendable, Hashable, Identifiable {
    public var id: String
    public var createdAt: Date
    public var modifiedAt: Date?
    public var organizationId: String
    /// The holder's customer (in the member model, the billing customer).
    public var customerId: String
    public var customer: Customer
    public var benefitId: String
    public var key: String
    public var displayKey: String
    public var status: LicenseKeyStatus
    public var limitActivations: Int?
    public var usage: Int
    public var limitUsage: Int?
    public var validations: Int
    public var lastValidatedAt: Date?
    public var expiresAt: Date?
    /// Where the key is activated: present when a single key is read (`get`), nil in lists.
    public var activations: [LicenseKeyActivation]?
    /// The activation a validation named: present only in ``LicenseKeys/validate(_:idempotencyKey:retries:)``'s answer.
    public var activation: LicenseKeyActivation?

    enum CodingKeys: String, CodingKey {
        case id
        case createdAt = "created_at"
        case modifiedAt = "modified_at"
        case organizationId = "organization_id"
        case customerId = "customer_id"
        case customer
        case benefitId = "benefit_id"
        case key
        case displayKey = "display_key"
        case status
        case limitActivations = "limit_activations"
        case usage
        case limitUsage = "limit_usage"
        case validations
        case lastValidatedAt = "last_validated_at"
        case expiresAt = "expires_at"
        case activations, activation
    }
}

/// One place a key is in use (a device, an install), named by your app.
public struct LicenseKeyActivation: Codable, Sendable, Hashable, Identifiable {
    public var id: String
    public var licenseKeyId: String
    public var label: String
    public var meta: Metadata
    public var createdAt: Date
    public var modifiedAt: Date?

    enum CodingKeys: String, CodingKey {
        case id
        case licenseKeyId = "license_key_id"
        case label, meta
        case createdAt = "created_at"
        case modifiedAt = "modified_at"
    }
}

/// An activation with its key: what activating a key, or reading one activation, answers.
/// Both sit side by side in one JSON object.
public struct LicenseKeyActivationDetails: Codable, Sendable, Hashable {
    public var activation: LicenseKeyActivation
    public var licenseKey: LicenseKey

    enum CodingKeys: String, CodingKey {
        case licenseKey = "license_key"
    }

    public init(from decoder: any Decoder) throws {
        activation = try LicenseKeyActivation(from: decoder)
        licenseKey = try decoder.container(keyedBy: CodingKeys.self).decode(LicenseKey.self, forKey: .licenseKey)
    }

    public func encode(to encoder: any Encoder) throws {
        try activation.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(licenseKey, forKey: .licenseKey)
    }
}

/// A change to a field that can also be removed: set to a value, or removed (sent as `null`).
public enum FieldChange<Value: Codable & Sendable & Hashable>: Sendable, Hashable {
    case set(Value)
    case remove
}

extension KeyedEncodingContainer {
    /// Sends a change: the value, null for `.remove`, nothing at all for nil.
    mutating func encode<Value>(_ change: FieldChange<Value>?, forKey key: Key) throws {
        switch change {
        case .set(let value)?: try encode(value, forKey: key)
        case .remove?: try encodeNil(forKey: key)
        case nil: break
        }
    }
}

/// The body of ``LicenseKeys/update(id:_:retries:)``: only the fields that are set change.
/// A key revoked with its seat cannot be set back to `granted` (403).
public struct LicenseKeyUpdate: Encodable, Sendable, Hashable {
    public var status: LicenseKeyStatus?
    public var usage: Int?
    public var limitActivations: FieldChange<Int>?
    public var limitUsage: FieldChange<Int>?
    public var expiresAt: FieldChange<Date>?

    /// Creates the value; fields left nil are not sent.
    public init(status: LicenseKeyStatus? = nil, usage: Int? = nil, limitActivations: FieldChange<Int>? = nil,
                limitUsage: FieldChange<Int>? = nil, expiresAt: FieldChange<Date>? = nil) {
        self.status = status
        self.usage = usage
        self.limitActivations = limitActivations
        self.limitUsage = limitUsage
        self.expiresAt = expiresAt
    }

    enum CodingKeys: String, CodingKey {
        case status, usage
        case limitActivations = "limit_activations"
        case limitUsage = "limit_usage"
        case expiresAt = "expires_at"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(status, forKey: .status)
        try container.encodeIfPresent(usage, forKey: .usage)
        try container.encode(limitActivations, forKey: .limitActivations)
        try container.encode(limitUsage, forKey: .limitUsage)
        try container.encode(expiresAt, forKey: .expiresAt)
    }
}

/// The body of a validation: the key and your organization, and what the key must match.
public struct LicenseKeyValidate: Codable, Sendable, Hashable {
    public var key: String
    public var organizationId: String
    /// An activation of the key, whose conditions must then be sent again exactly.
    public var activationId: String?
    public var benefitId: String?
    public var customerId: String?
    /// Uses to count against the key's usage limit; refused (400) past it.
    public var incrementUsage: Int?
    public var conditions: Metadata?

    enum CodingKeys: String, CodingKey {
        case key
        case organizationId = "organization_id"
        case activationId = "activation_id"
        case benefitId = "benefit_id"
        case customerId = "customer_id"
        case incrementUsage = "increment_usage"
        case conditions
    }

    /// Creates the value; optional fields left nil are not sent.
    public init(key: String, organizationId: String, activationId: String? = nil, benefitId: String? = nil,
                customerId: String? = nil, incrementUsage: Int? = nil, conditions: Metadata? = nil) {
        self.key = key
        self.organizationId = organizationId
        self.activationId = activationId
        self.benefitId = benefitId
        self.customerId = customerId
        self.incrementUsage = incrementUsage
        self.conditions = conditions
    }
}

/// The body of an activation: a label for the device or install, what later validations must
/// repeat (`conditions`), and anything to keep with it (`meta`).
public struct LicenseKeyActivate: Codable, Sendable, Hashable {
    public var key: String
    public var organizationId: String
    public var label: String
    public var conditions: Metadata?
    public var meta: Metadata?

    enum CodingKeys: String, CodingKey {
        case key
        case organizationId = "organization_id"
        case label, conditions, meta
    }

    /// Creates the value; optional fields left nil are not sent.
    public init(key: String, organizationId: String, label: String, conditions: Metadata? = nil, meta: Metadata? = nil) {
        self.key = key
        self.organizationId = organizationId
        self.label = label
        self.conditions = conditions
        self.meta = meta
    }
}

/// The body of a deactivation: which activation of the key to remove.
public struct LicenseKeyDeactivate: Codable, Sendable, Hashable {
    public var key: String
    public var organizationId: String
    public var activationId: String

    enum CodingKeys: String, CodingKey {
        case key
        case organizationId = "organization_id"
        case activationId = "activation_id"
    }

    public init(key: String, organizationId: String, activationId: String) {
        self.key = key
        self.organizationId = organizationId
        self.activationId = activationId
    }
}
