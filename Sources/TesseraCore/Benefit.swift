import Foundation

/// Something a product grants to whoever holds one of its seats: a note (`custom`), a flag the
/// merchant's app checks (`feature_flag`), or a license key (`license_keys`).
public struct Benefit: Sendable, Equatable {
    /// The benefit types Tessera supports, named as Polar names them.
    public enum Kind: String, Sendable, CaseIterable {
        case custom
        case featureFlag = "feature_flag"
        case licenseKeys = "license_keys"

        /// Polar's other benefit types: they need a third party (Discord, GitHub, Slack), file
        /// storage or meters, none of which Tessera has. Asked for, they are refused by name.
        public static let unsupportedPolarTypes = ["discord", "github_repository", "downloadables", "meter_credit",
                                                   "slack_shared_channel"]
    }

    /// Where the customer portal shows the benefit, as Polar has it.
    public enum Visibility: String, Sendable, CaseIterable {
        case draft, `private`, `public`
    }

    /// What a benefit of each type carries.
    public enum Properties: Sendable, Equatable {
        /// A private note for the holder, shown once granted.
        case custom(note: String?)
        case featureFlag
        case licenseKeys(LicenseKeyRules)

        public var kind: Kind {
            switch self {
            case .custom: .custom
            case .featureFlag: .featureFlag
            case .licenseKeys: .licenseKeys
            }
        }
    }

    public var id: UUID
    public var organizationId: UUID
    public var description: String
    public var visibility: Visibility
    public var properties: Properties
    public var metadata: [String: JSONValue]
    public var createdAt: Date
    public var modifiedAt: Date?
    /// Deleted: on no product, found only through the grants it once made.
    public var isDeleted: Bool

    public var kind: Kind { properties.kind }

    /// The description's length in characters, as Polar bounds it.
    public static let descriptionLength = 3...42

    public init(id: UUID, organizationId: UUID, description: String, visibility: Visibility, properties: Properties,
                metadata: [String: JSONValue], createdAt: Date, modifiedAt: Date?, isDeleted: Bool = false) {
        self.id = id
        self.organizationId = organizationId
        self.description = description
        self.visibility = visibility
        self.properties = properties
        self.metadata = metadata
        self.createdAt = createdAt
        self.modifiedAt = modifiedAt
        self.isDeleted = isDeleted
    }

    /// Applies a merchant's change; a nil field stays as it is. The caller has checked that
    /// new properties are of the benefit's own type (a benefit's type never changes).
    public mutating func apply(_ update: BenefitUpdate, at now: Date) {
        if let properties = update.properties, properties.kind == kind { self.properties = properties }
        if let description = update.description { self.description = description }
        if let visibility = update.visibility { self.visibility = visibility }
        if let metadata = update.metadata { self.metadata = metadata }
        modifiedAt = now
    }
}

/// A merchant's change to a benefit (PATCH): a nil field stays as it is.
public struct BenefitUpdate: Sendable, Equatable {
    public var description: String?
    public var visibility: Benefit.Visibility?
    public var properties: Benefit.Properties?
    public var metadata: [String: JSONValue]?

    public init(description: String?, visibility: Benefit.Visibility?, properties: Benefit.Properties?,
                metadata: [String: JSONValue]?) {
        self.description = description
        self.visibility = visibility
        self.properties = properties
        self.metadata = metadata
    }
}

/// How the keys of a `license_keys` benefit behave, as Polar's properties describe them.
public struct LicenseKeyRules: Sendable, Equatable, Codable {
    /// How long a key lasts from its grant.
    public struct Expiry: Sendable, Equatable, Codable {
        public enum Timeframe: String, Sendable, CaseIterable, Codable {
            case year, month, day
        }
        public var ttl: Int
        public var timeframe: Timeframe

        public init(ttl: Int, timeframe: Timeframe) {
            self.ttl = ttl
            self.timeframe = timeframe
        }
    }

    /// How many devices or installs may activate one key.
    public struct Activations: Sendable, Equatable, Codable {
        public var limit: Int
        /// Whether the customer may deactivate activations in the portal.
        public var enableCustomerAdmin: Bool

        public init(limit: Int, enableCustomerAdmin: Bool) {
            self.limit = limit
            self.enableCustomerAdmin = enableCustomerAdmin
        }
    }

    /// Text put before every key of the benefit (`ACME-…`).
    public var prefix: String?
    public var expires: Expiry?
    public var activations: Activations?
    /// How many times a key may be used (validated with an increment), if bounded.
    public var limitUsage: Int?

    public init(prefix: String?, expires: Expiry?, activations: Activations?, limitUsage: Int?) {
        self.prefix = prefix
        self.expires = expires
        self.activations = activations
        self.limitUsage = limitUsage
    }
}

extension Benefit.Properties {
    /// The properties as JSON, in Polar's field names: how they are stored and answered.
    public var json: JSONValue {
        switch self {
        case .custom(let note):
            return ["note": JSONValue(note)]
        case .featureFlag:
            return [:]
        case .licenseKeys(let rules):
            return [
                "prefix": JSONValue(rules.prefix),
                "expires": rules.expires.map { ["ttl": JSONValue($0.ttl), "timeframe": .string($0.timeframe.rawValue)] } ?? .null,
                "activations": rules.activations.map {
                    ["limit": JSONValue($0.limit), "enable_customer_admin": JSONValue($0.enableCustomerAdmin)]
                } ?? .null,
                "limit_usage": JSONValue(rules.limitUsage),
            ]
        }
    }

    /// Reads stored properties of a benefit of `kind` back (what ``json`` wrote). Nil when they
    /// do not have that shape.
    public init?(kind: Benefit.Kind, json: JSONValue) {
        guard case .object(let fields) = json else { return nil }
        switch kind {
        case .custom:
            self = .custom(note: fields["note"]?.stringValue)
        case .featureFlag:
            self = .featureFlag
        case .licenseKeys:
            var expires: LicenseKeyRules.Expiry?
            if let expiry = fields["expires"]?.objectValue {
                guard let ttl = expiry["ttl"]?.intValue,
                      let timeframe = expiry["timeframe"]?.stringValue.flatMap(LicenseKeyRules.Expiry.Timeframe.init)
                else { return nil }
                expires = .init(ttl: ttl, timeframe: timeframe)
            }
            var activations: LicenseKeyRules.Activations?
            if let activation = fields["activations"]?.objectValue {
                guard let limit = activation["limit"]?.intValue,
                      case .bool(let admin) = activation["enable_customer_admin"] ?? .null else { return nil }
                activations = .init(limit: limit, enableCustomerAdmin: admin)
            }
            self = .licenseKeys(LicenseKeyRules(prefix: fields["prefix"]?.stringValue, expires: expires,
                                                activations: activations, limitUsage: fields["limit_usage"]?.intValue))
        }
    }
}
