import Foundation
import TesseraCore
import TesseraStore

/// License keys: read by the merchant, validated by the merchant's app (with an organization
/// token, or with none through the customer portal's route).
struct LicenseKeyOperations: Sendable {
    let database: TesseraDatabase
    let now: @Sendable () -> Date

    /// What a validation asks: the key, and what it must match.
    struct Validation: Sendable {
        var key: String
        var activationId: UUID?
        var benefitId: UUID?
        var customerId: UUID?
        var incrementUsage: Int
        /// Must equal what the named activation was made with, when it was made with any.
        var conditions: [String: JSONValue]
    }

    func list(organizationId: UUID, benefitId: UUID?, status: LicenseKey.Status?,
              page: PageRequest) async throws -> Page<LicenseKeyDetails> {
        try await database.read { session in
            let keys = try await session.licenseKeys.list(organizationId: organizationId, benefitId: benefitId,
                                                          status: status, page: page)
            return Page(items: try await Self.details(of: keys.items, session), totalCount: keys.totalCount)
        }
    }

    /// A key with its activations.
    func get(id: UUID, organizationId: UUID) async throws -> LicenseKeyDetails {
        try await database.read { session in
            guard let key = try await session.licenseKeys.find(id: id, organizationId: organizationId) else {
                throw TesseraError.notFound(.licenseKey)
            }
            var details = try await Self.details(of: [key], session)[0]
            details.activations = try await session.licenseKeys.activations(ofKey: key.id)
            return details
        }
    }

    /// A merchant's change to a key (`LicenseKey.apply`).
    func update(id: UUID, with update: LicenseKeyUpdate, organizationId: UUID) async throws -> LicenseKeyDetails {
        let now = now()
        return try await database.transaction { tx in
            guard var key = try await tx.licenseKeys.lock(id: id, organizationId: organizationId) else {
                throw TesseraError.notFound(.licenseKey)
            }
            let grant = try await tx.benefitGrants.find(id: key.grantId, organizationId: organizationId)
            try key.apply(update, grantIsLive: grant?.isGranted ?? false, at: now)
            try await tx.licenseKeys.update(key)
            return try await Self.details(of: [key], tx)[0]
        }
    }

    /// A page of the keys a portal caller holds: a customer session sees every key held
    /// through its customer's seats, a member session only the member's own.
    func list(caller: PortalCaller, benefitId: UUID?, page: PageRequest) async throws -> Page<LicenseKeyDetails> {
        try await database.read { session in
            let keys = try await session.licenseKeys.list(
                organizationId: caller.organizationId, benefitId: benefitId,
                customerId: caller.memberId == nil ? caller.customerId : nil, memberId: caller.memberId, page: page)
            return Page(items: try await Self.details(of: keys.items, session), totalCount: keys.totalCount)
        }
    }

    /// One key a portal caller holds, with its activations; another's is not found.
    func get(id: UUID, caller: PortalCaller) async throws -> LicenseKeyDetails {
        let details = try await get(id: id, organizationId: caller.organizationId)
        let holds = caller.memberId.map { $0 == details.key.memberId } ?? (details.key.customerId == caller.customerId)
        guard holds else { throw TesseraError.notFound(.licenseKey) }
        return details
    }

    /// One activation of a key, with the key.
    func activation(id: UUID, keyId: UUID, organizationId: UUID) async throws -> (LicenseKeyActivation, LicenseKeyDetails) {
        try await database.read { session in
            guard let key = try await session.licenseKeys.find(id: keyId, organizationId: organizationId),
                  let activation = try await session.licenseKeys.activation(id: id, ofKey: keyId) else {
                throw TesseraError.notFound(.licenseKey)
            }
            return (activation, try await Self.details(of: [key], session)[0])
        }
    }

    /// Validates a key of the organization and counts the validation. A key that is unknown,
    /// or does not match `benefitId`, `customerId`, or an activation and its conditions, is not
    /// found; a revoked, disabled or expired one is refused; `incrementUsage` past the limit is
    /// refused and counts nothing.
    func validate(_ validation: Validation, organizationId: UUID) async throws -> (LicenseKeyDetails, LicenseKeyActivation?) {
        let now = now()
        return try await database.transaction { tx in
            // Locked: a validation counts usage, and two at once must not both count from the same value.
            guard var key = try await tx.licenseKeys.lock(keyHash: SecretToken.hash(validation.key),
                                                          organizationId: organizationId),
                  validation.benefitId.map({ $0 == key.benefitId }) ?? true,
                  validation.customerId.map({ $0 == key.customerId }) ?? true else {
                throw TesseraError.notFound(.licenseKey)
            }
            var activation: LicenseKeyActivation?
            if let activationId = validation.activationId {
                guard let found = try await tx.licenseKeys.activation(id: activationId, ofKey: key.id),
                      found.conditions.isEmpty || found.conditions == validation.conditions else {
                    throw TesseraError.notFound(.licenseKey)
                }
                activation = found
            }
            try key.validate(incrementingUsageBy: validation.incrementUsage, at: now)
            try await tx.licenseKeys.update(key)
            return (try await Self.details(of: [key], tx)[0], activation)
        }
    }

    /// Activates a key (a device, an install), within its benefit's limit.
    func activate(key text: String, label: String, meta: [String: JSONValue], conditions: [String: JSONValue],
                  organizationId: UUID) async throws -> (LicenseKeyActivation, LicenseKeyDetails) {
        let now = now()
        return try await database.transaction { tx in
            guard let key = try await tx.licenseKeys.lock(keyHash: SecretToken.hash(text), organizationId: organizationId) else {
                throw TesseraError.notFound(.licenseKey)
            }
            let existing = try await tx.licenseKeys.activations(ofKey: key.id).count
            let activation = try key.activating(label: label, meta: meta, conditions: conditions, existing: existing, at: now)
            try await tx.licenseKeys.insert(activation)
            return (activation, try await Self.details(of: [key], tx)[0])
        }
    }

    /// Removes an activation, freeing its place.
    func deactivate(key text: String, activationId: UUID, organizationId: UUID) async throws {
        try await database.transaction { tx in
            guard let key = try await tx.licenseKeys.lock(keyHash: SecretToken.hash(text), organizationId: organizationId),
                  try await tx.licenseKeys.deleteActivation(id: activationId, ofKey: key.id) else {
                throw TesseraError.notFound(.licenseKey)
            }
        }
    }

    /// Keys with their customers, read in one query.
    static func details(of keys: [LicenseKey], _ session: SQLSession) async throws -> [LicenseKeyDetails] {
        let customers = try await session.customers.findIncludingDeleted(ids: Set(keys.map(\.customerId)))
        return try keys.map { key in
            guard let customer = customers[key.customerId] else {
                throw DatabaseError.unexpected("license key \(key.id.wire) names a missing customer")
            }
            return LicenseKeyDetails(key: key, customer: customer)
        }
    }
}

/// A license key with its customer (and, where shown, its activations), as the API shows it.
struct LicenseKeyDetails: Sendable {
    var key: LicenseKey
    var customer: Customer
    var activations: [LicenseKeyActivation] = []
}

