import Foundation
import TesseraCore
import TesseraStore

/// Grants and revokes benefits inside a transaction that a use case already owns, as seats are
/// claimed and revoked and as products gain and lose benefits, with a `benefit_grant.*` event
/// for each grant that changes. One place decides what a seat grants.
struct BenefitGrants {
    let tx: SQLSession
    let now: Date

    /// Grants every benefit of the seat's product to the holder of a seat just claimed.
    func grant(through seat: Seat, productId: UUID) async throws {
        try await grant(try await benefits(ofProduct: productId), through: seat)
    }

    /// The benefits a seat of the product grants: read by a claim before it writes anything
    /// (on PostgreSQL its writes then go together: `HeldWrites`).
    func benefits(ofProduct productId: UUID) async throws -> [Benefit] {
        try await tx.benefits.benefits(ofProducts: [productId])[productId] ?? []
    }

    /// Grants `benefits`, those of the seat's product, to the holder of a seat just claimed.
    func grant(_ benefits: [Benefit], through seat: Seat) async throws {
        let grants = try await insert(benefits.compactMap { BenefitGrant.granting($0.id, through: seat, at: now) },
                                      benefits: benefits)
        try await announce(.benefitGrantCreated, grants, benefits: benefits)
    }

    /// Inserts grants, each of a `license_keys` benefit with its new key (named in the grant's
    /// properties, as Polar's grants name theirs).
    @discardableResult
    private func insert(_ grants: [BenefitGrant], benefits: [Benefit]) async throws -> [BenefitGrant] {
        let rules = Dictionary(benefits.compactMap { benefit -> (UUID, LicenseKeyRules)? in
            guard case .licenseKeys(let rules) = benefit.properties else { return nil }
            return (benefit.id, rules)
        }, uniquingKeysWith: { first, _ in first })
        var keyed = grants
        var keys: [LicenseKey] = []
        for index in keyed.indices {
            guard let rules = rules[keyed[index].benefitId] else { continue }
            let key = LicenseKey.issuing(for: keyed[index], rules: rules, at: now)
            keyed[index].properties = ["license_key_id": JSONValue(key.id), "display_key": .string(key.displayKey)]
            keys.append(key)
        }
        try await tx.benefitGrants.insert(keyed)
        try await tx.licenseKeys.insert(keys)
        return keyed
    }

    /// Revokes the keys of grants just revoked: they stop validating at once.
    private func revokeKeys(of grants: [BenefitGrant]) async throws {
        try await tx.licenseKeys.revoke(grantIds: grants.filter { $0.properties["license_key_id"] != nil }.map(\.id),
                                        at: now)
    }

    /// Revokes what a seat just revoked granted.
    func revoke(through seat: Seat) async throws {
        let revoked = try await tx.benefitGrants.revokeLive(seatId: seat.id, at: now)
        try await revokeKeys(of: revoked)
        try await announce(.benefitGrantRevoked, revoked)
    }

    /// Grants a benefit just added to a product through every claimed seat of its pools.
    func grant(_ benefit: Benefit, throughSeatsOf productId: UUID) async throws {
        let seats = try await tx.seats.claimedSeats(ofProduct: productId, organizationId: benefit.organizationId)
        let grants = try await insert(seats.compactMap { BenefitGrant.granting(benefit.id, through: $0, at: now) },
                                      benefits: [benefit])
        try await announce(.benefitGrantCreated, grants, benefits: [benefit])
    }

    /// Revokes a benefit just taken off a product from the claimed seats of its pools.
    func revoke(_ benefitId: UUID, throughSeatsOf productId: UUID, organizationId: UUID) async throws {
        let revoked = try await tx.benefitGrants.revokeLive(benefitId: benefitId, productId: productId,
                                                             organizationId: organizationId, at: now)
        try await revokeKeys(of: revoked)
        try await announce(.benefitGrantRevoked, revoked)
    }

    /// Revokes every grant of a benefit just deleted.
    func revokeAll(of benefit: Benefit) async throws {
        let revoked = try await tx.benefitGrants.revokeLive(benefitId: benefit.id, organizationId: benefit.organizationId,
                                                             at: now)
        try await revokeKeys(of: revoked)
        try await announce(.benefitGrantRevoked, revoked, benefits: [benefit])
    }

    /// Tells the merchant that the live grants of a changed benefit changed with it.
    func announceUpdate(of benefit: Benefit) async throws {
        guard try await WebhookEvents(tx: tx).isWanted(.benefitGrantUpdated, organizationId: benefit.organizationId) else {
            return
        }
        let grants = try await tx.benefitGrants.live(benefitId: benefit.id, organizationId: benefit.organizationId)
        try await announce(.benefitGrantUpdated, grants, benefits: [benefit])
    }

    /// Sends `type` for each grant, reading what the events embed only if an endpoint wants them.
    private func announce(_ type: WebhookEventType, _ grants: [BenefitGrant], benefits known: [Benefit] = []) async throws {
        guard let organizationId = grants.first?.organizationId,
              try await WebhookEvents(tx: tx).isWanted(type, organizationId: organizationId) else { return }
        let details = try await Self.details(of: grants, known: known, tx: tx)
        for detail in details {
            try await WebhookEvents(tx: tx).emit(type, data: Wire.benefitGrant(detail), organizationId: organizationId, at: now)
        }
    }

    /// Grants with what their answers embed, read in three queries however many grants; the
    /// benefits in `known` are not read again.
    static func details(of grants: [BenefitGrant], known: [Benefit] = [], tx: SQLSession) async throws -> [BenefitGrantDetails] {
        var benefits = Dictionary(known.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let missing = Set(grants.map(\.benefitId)).subtracting(benefits.keys)
        benefits.merge(try await tx.benefits.findIncludingDeleted(ids: missing)) { first, _ in first }
        let customers = try await tx.customers.findIncludingDeleted(ids: Set(grants.map(\.customerId)))
        let members = try await tx.members.findIncludingDeleted(ids: Set(grants.compactMap(\.memberId)))
        return try grants.map { grant in
            guard let benefit = benefits[grant.benefitId], let customer = customers[grant.customerId] else {
                throw DatabaseError.unexpected("grant \(grant.id.wire) names a missing benefit or customer")
            }
            return BenefitGrantDetails(grant: grant, benefit: benefit, customer: customer,
                                       member: grant.memberId.flatMap { members[$0] })
        }
    }
}
