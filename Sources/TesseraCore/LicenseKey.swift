import Foundation

/// The key a `license_keys` benefit gives each grant: the holder's credential for the
/// merchant's app, validated (and activated) against Tessera.
///
/// As on Polar, the full key stays readable through the API (it is the customer's to use),
/// so it is stored as it is; it is looked up only by its SHA-256 (`SecretToken.hash`).
public struct LicenseKey: Sendable, Equatable {
    /// As Polar names them. Only `granted` validates.
    public enum Status: String, Sendable, CaseIterable {
        case granted, revoked, disabled
    }

    public var id: UUID
    public var organizationId: UUID
    public var benefitId: UUID
    public var grantId: UUID
    public var customerId: UUID
    public var memberId: UUID?
    public var key: String
    public var status: Status
    public var usage: Int
    public var limitUsage: Int?
    public var limitActivations: Int?
    public var validations: Int
    public var lastValidatedAt: Date?
    public var expiresAt: Date?
    public var createdAt: Date
    public var modifiedAt: Date?

    public init(id: UUID, organizationId: UUID, benefitId: UUID, grantId: UUID, customerId: UUID, memberId: UUID?,
                key: String, status: Status, usage: Int, limitUsage: Int?, limitActivations: Int?, validations: Int,
                lastValidatedAt: Date?, expiresAt: Date?, createdAt: Date, modifiedAt: Date?) {
        self.id = id
        self.organizationId = organizationId
        self.benefitId = benefitId
        self.grantId = grantId
        self.customerId = customerId
        self.memberId = memberId
        self.key = key
        self.status = status
        self.usage = usage
        self.limitUsage = limitUsage
        self.limitActivations = limitActivations
        self.validations = validations
        self.lastValidatedAt = lastValidatedAt
        self.expiresAt = expiresAt
        self.createdAt = createdAt
        self.modifiedAt = modifiedAt
    }

    /// A new key for a grant, by the benefit's rules: `PREFIX-` and 128 bits from the system's
    /// secure generator as upper-case hexadecimal in UUID-like groups.
    public static func issuing(for grant: BenefitGrant, rules: LicenseKeyRules, at now: Date) -> LicenseKey {
        LicenseKey(id: UUID.timeOrdered(), organizationId: grant.organizationId, benefitId: grant.benefitId, grantId: grant.id,
                   customerId: grant.customerId, memberId: grant.memberId, key: generate(prefix: rules.prefix),
                   status: .granted, usage: 0, limitUsage: rules.limitUsage, limitActivations: rules.activations?.limit,
                   validations: 0, lastValidatedAt: nil, expiresAt: rules.expires.flatMap { $0.end(from: now) },
                   createdAt: now, modifiedAt: nil)
    }

    static func generate(prefix: String?) -> String {
        let random = RandomBytes.generate(16)
        var bytes: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &bytes) { $0.copyBytes(from: random) }
        // All 128 bits random (no version bits set), written in a UUID's groups.
        let body = UUID(uuid: bytes).wire.uppercased()
        guard let prefix, !prefix.isEmpty else { return body }
        return prefix + "-" + body
    }

    /// The key with all but its last six characters hidden, as Polar shows it.
    public var displayKey: String { "****-" + key.suffix(6) }

    /// The SHA-256 the key is looked up by.
    public var keyHash: String { SecretToken.hash(key) }

    /// Revoked with its grant: it stops validating at once.
    public mutating func revoke(at now: Date) {
        guard status != .revoked else { return }
        status = .revoked
        modifiedAt = now
    }

    /// A key validates and activates only while granted and unexpired.
    func requireUsable(at now: Date) throws(TesseraError) {
        if status != .granted { throw .licenseKeyNotActive }
        if let expiresAt, now > expiresAt { throw .licenseKeyExpired }
    }

    /// Records a validation at `now`, using `increment` more of the usage limit; refuses a key
    /// that is revoked, disabled or expired, or whose limit `increment` would pass.
    public mutating func validate(incrementingUsageBy increment: Int, at now: Date) throws(TesseraError) {
        try requireUsable(at: now)
        if increment > 0, let limitUsage {
            let remaining = max(0, limitUsage - usage)
            if increment > remaining { throw .licenseKeyUsageExceeded(remaining: remaining) }
        }
        usage += increment
        validations += 1
        lastValidatedAt = now
        modifiedAt = now
    }
}

/// A merchant's change to a key (PATCH): a nil field stays as it is.
public struct LicenseKeyUpdate: Sendable, Equatable {
    public var status: LicenseKey.Status?
    public var usage: Int?
    /// `.some(nil)` removes the limit (the field sent as `null`); nil leaves it.
    public var limitActivations: Int??
    public var limitUsage: Int??
    public var expiresAt: Date??

    public init(status: LicenseKey.Status? = nil, usage: Int? = nil, limitActivations: Int?? = nil,
                limitUsage: Int?? = nil, expiresAt: Date?? = nil) {
        self.status = status
        self.usage = usage
        self.limitActivations = limitActivations
        self.limitUsage = limitUsage
        self.expiresAt = expiresAt
    }
}

extension LicenseKey {
    /// Applies a merchant's change. A key whose grant is revoked (its seat was revoked) cannot
    /// be granted again: the seat, not the key, decides who may use it. Usage may not be set
    /// past the usage limit the key has after the change.
    public mutating func apply(_ update: LicenseKeyUpdate, grantIsLive: Bool, at now: Date) throws(TesseraError) {
        if update.status == .granted, status != .granted, !grantIsLive { throw .licenseKeyGrantRevoked }
        let newLimit = update.limitUsage ?? limitUsage
        let newUsage = update.usage ?? usage
        if let newLimit, newUsage > newLimit { throw .licenseKeyUsageAboveLimit(limit: newLimit) }
        if let status = update.status { self.status = status }
        usage = newUsage
        limitUsage = newLimit
        if let limitActivations = update.limitActivations { self.limitActivations = limitActivations }
        if let expiresAt = update.expiresAt { self.expiresAt = expiresAt }
        modifiedAt = now
    }
}

extension LicenseKeyRules.Expiry {
    /// When a key issued at `start` expires.
    func end(from start: Date) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        let component: Calendar.Component = switch timeframe {
        case .day: .day
        case .month: .month
        case .year: .year
        }
        return calendar.date(byAdding: component, value: ttl, to: start)
    }
}

/// Where a license key is in use: a device or an install, named by the merchant's app.
public struct LicenseKeyActivation: Sendable, Equatable {
    public var id: UUID
    public var licenseKeyId: UUID
    public var label: String
    public var meta: [String: JSONValue]
    /// What a validation naming this activation must send again, exactly.
    public var conditions: [String: JSONValue]
    public var createdAt: Date
    public var modifiedAt: Date?

    public init(id: UUID, licenseKeyId: UUID, label: String, meta: [String: JSONValue], conditions: [String: JSONValue],
                createdAt: Date, modifiedAt: Date?) {
        self.id = id
        self.licenseKeyId = licenseKeyId
        self.label = label
        self.meta = meta
        self.conditions = conditions
        self.createdAt = createdAt
        self.modifiedAt = modifiedAt
    }
}

extension LicenseKey {
    /// A new activation, if the key allows another: it must be usable now, have activations
    /// enabled (`limitActivations`), and have fewer than that many.
    public func activating(label: String, meta: [String: JSONValue], conditions: [String: JSONValue], existing: Int,
                           at now: Date) throws(TesseraError) -> LicenseKeyActivation {
        try requireUsable(at: now)
        guard let limitActivations else { throw .licenseKeyActivationsNotSupported }
        guard existing < limitActivations else { throw .licenseKeyActivationLimitReached }
        return LicenseKeyActivation(id: UUID.timeOrdered(), licenseKeyId: id, label: label, meta: meta, conditions: conditions,
                                    createdAt: now, modifiedAt: nil)
    }
}
