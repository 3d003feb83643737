import Foundation
import SQLKit
import TesseraCore

/// License keys, one per grant of a `license_keys` benefit. Found by id, or by the SHA-256 of
/// the key (never by comparing the key itself).
public struct LicenseKeyStore: Sendable {
    let session: SQLSession

    /// Inserts keys, many to a statement (a product gaining a key benefit issues one per seat).
    public func insert(_ keys: [LicenseKey]) async throws {
        try await session.insert("""
            INSERT INTO license_keys (id, organization_id, benefit_id, grant_id, customer_id, member_id, full_key, key_hash,
                                      status, usage_count, limit_usage, limit_activations, validations, last_validated_at,
                                      expires_at, created_at, modified_at) VALUES
            """, rows: keys.map { key in
            """
            (\(bind: key.id.wire), \(bind: key.organizationId.wire), \(bind: key.benefitId.wire),
             \(bind: key.grantId.wire), \(bind: key.customerId.wire), \(bind: key.memberId?.wire), \(bind: key.key),
             \(bind: key.keyHash), \(bind: key.status.rawValue), \(bind: key.usage), \(bind: key.limitUsage),
             \(bind: key.limitActivations), \(bind: key.validations), \(bind: key.lastValidatedAt.micros),
             \(bind: key.expiresAt.micros), \(bind: key.createdAt.micros), \(bind: key.modifiedAt.micros))
            """
        })
    }

    /// Writes what a validation or a merchant's change alters.
    public func update(_ key: LicenseKey) async throws {
        try await session.execute("""
            UPDATE license_keys SET status = \(bind: key.status.rawValue), usage_count = \(bind: key.usage),
                limit_usage = \(bind: key.limitUsage), limit_activations = \(bind: key.limitActivations),
                validations = \(bind: key.validations), last_validated_at = \(bind: key.lastValidatedAt.micros),
                expires_at = \(bind: key.expiresAt.micros), modified_at = \(bind: key.modifiedAt.micros)
            WHERE id = \(bind: key.id.wire)
            """)
    }

    /// Revokes the keys of grants just revoked.
    public func revoke(grantIds: [UUID], at now: Date) async throws {
        guard !grantIds.isEmpty else { return }
        try await session.execute("""
            UPDATE license_keys SET status = \(bind: LicenseKey.Status.revoked.rawValue), modified_at = \(bind: now.micros)
            WHERE grant_id IN (\(binds: grantIds.map(\.wire))) AND status <> \(bind: LicenseKey.Status.revoked.rawValue)
            """)
    }

    public func find(id: UUID, organizationId: UUID) async throws -> LicenseKey? {
        try await session.first("""
            SELECT * FROM license_keys WHERE id = \(bind: id.wire) AND organization_id = \(bind: organizationId.wire)
            """).map(Self.licenseKey)
    }

    /// The organization's key whose SHA-256 is `hash`.
    public func find(keyHash hash: String, organizationId: UUID) async throws -> LicenseKey? {
        try await session.first("""
            SELECT * FROM license_keys WHERE key_hash = \(bind: hash) AND organization_id = \(bind: organizationId.wire)
            """).map(Self.licenseKey)
    }

    /// A page of the organization's keys, oldest first, narrowed by what is given: a benefit,
    /// a status, the holder's customer, the holding member.
    public func list(organizationId: UUID, benefitId: UUID?, status: LicenseKey.Status? = nil, customerId: UUID? = nil,
                     memberId: UUID? = nil, page: PageRequest) async throws -> Page<LicenseKey> {
        var filter: SQLQueryString = "organization_id = \(bind: organizationId.wire)"
        if let benefitId { filter += " AND benefit_id = \(bind: benefitId.wire)" }
        if let status { filter += " AND status = \(bind: status.rawValue)" }
        if let customerId { filter += " AND customer_id = \(bind: customerId.wire)" }
        if let memberId { filter += " AND member_id = \(bind: memberId.wire)" }
        let keys = try await session.rows("""
            SELECT * FROM license_keys WHERE \(filter)
            ORDER BY created_at, id LIMIT \(bind: page.limit) OFFSET \(bind: page.offset)
            """, Self.licenseKey)
        let count = try await session.first("SELECT COUNT(*) AS n FROM license_keys WHERE \(filter)")
        return Page(items: keys, totalCount: try count?.int("n") ?? 0)
    }

    /// The organization's key whose SHA-256 is `hash`, locked for the rest of the transaction
    /// (`FOR UPDATE` on PostgreSQL; SQLite's write transaction already excludes others), so
    /// that two activations at once cannot both take the last free one.
    public func lock(keyHash hash: String, organizationId: UUID) async throws -> LicenseKey? {
        try await session.first("""
            SELECT * FROM license_keys WHERE key_hash = \(bind: hash) AND organization_id = \(bind: organizationId.wire)
            \(unsafeRaw: session.forUpdate)
            """).map(Self.licenseKey)
    }

    /// The organization's key with that id, locked the same way (a merchant's change racing a
    /// validation that counts usage).
    public func lock(id: UUID, organizationId: UUID) async throws -> LicenseKey? {
        try await session.first("""
            SELECT * FROM license_keys WHERE id = \(bind: id.wire) AND organization_id = \(bind: organizationId.wire)
            \(unsafeRaw: session.forUpdate)
            """).map(Self.licenseKey)
    }

    public func insert(_ activation: LicenseKeyActivation) async throws {
        try await session.execute("""
            INSERT INTO license_key_activations (id, license_key_id, label, meta, conditions, created_at, modified_at)
            VALUES (\(bind: activation.id.wire), \(bind: activation.licenseKeyId.wire), \(bind: activation.label),
                    \(bind: activation.meta.stored), \(bind: activation.conditions.stored),
                    \(bind: activation.createdAt.micros), \(bind: activation.modifiedAt.micros))
            """)
    }

    /// A key's activations, oldest first.
    public func activations(ofKey keyId: UUID) async throws -> [LicenseKeyActivation] {
        try await session.rows("""
            SELECT * FROM license_key_activations WHERE license_key_id = \(bind: keyId.wire) ORDER BY created_at, id
            """, Self.activation)
    }

    public func activation(id: UUID, ofKey keyId: UUID) async throws -> LicenseKeyActivation? {
        try await session.first("""
            SELECT * FROM license_key_activations WHERE id = \(bind: id.wire) AND license_key_id = \(bind: keyId.wire)
            """).map(Self.activation)
    }

    /// Deletes an activation of the key; false when the key has none with that id.
    public func deleteActivation(id: UUID, ofKey keyId: UUID) async throws -> Bool {
        try await session.rows("""
            DELETE FROM license_key_activations WHERE id = \(bind: id.wire) AND license_key_id = \(bind: keyId.wire)
            RETURNING id
            """) { _ in () }.count == 1
    }

    static func activation(_ row: StoredRow) throws -> LicenseKeyActivation {
        LicenseKeyActivation(
            id: try row.uuid("id"), licenseKeyId: try row.uuid("license_key_id"), label: try row.string("label"),
            meta: try row.metadata("meta"), conditions: try row.metadata("conditions"), createdAt: try row.date("created_at"),
            modifiedAt: try row.optionalDate("modified_at"))
    }

    static func licenseKey(_ row: StoredRow) throws -> LicenseKey {
        LicenseKey(
            id: try row.uuid("id"), organizationId: try row.uuid("organization_id"), benefitId: try row.uuid("benefit_id"),
            grantId: try row.uuid("grant_id"), customerId: try row.uuid("customer_id"), memberId: try row.optionalUUID("member_id"),
            key: try row.string("full_key"), status: try row.choice("status", as: LicenseKey.Status.self),
            usage: try row.int("usage_count"), limitUsage: try row.optionalInt("limit_usage"),
            limitActivations: try row.optionalInt("limit_activations"), validations: try row.int("validations"),
            lastValidatedAt: try row.optionalDate("last_validated_at"), expiresAt: try row.optionalDate("expires_at"),
            createdAt: try row.date("created_at"), modifiedAt: try row.optionalDate("modified_at"))
    }
}
