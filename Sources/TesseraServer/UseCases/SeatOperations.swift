import Foundation
import TesseraCore
import TesseraStore

/// The six seat operations. Each write runs as one transaction that locks the seat pool
/// first, applies the domain rules, writes, and enqueues its email in the same transaction.
struct SeatOperations: Sendable {
    /// Whose seats a caller may touch: a merchant token reaches every pool of its organization,
    /// a portal session only the pools its customer bought (others are 404, as if absent).
    struct Scope: Sendable {
        var organizationId: UUID
        /// The billing customer whose pools are reachable; nil for the merchant.
        var customerId: UUID?
        /// A member session's member (portal only): who `immediate_claim` may name.
        var memberId: UUID? = nil
        /// Who acts through this scope, as seat history names them.
        var actor: SeatActor

        static func merchant(_ organizationId: UUID, actor: SeatActor) -> Scope {
            Scope(organizationId: organizationId, customerId: nil, actor: actor)
        }

        /// The merchant API, rather than a customer's portal.
        var isMerchant: Bool { customerId == nil }

        func reaches(_ pool: SeatPool) -> Bool { customerId.map { $0 == pool.customerId } ?? true }
    }

    let database: TesseraDatabase
    let publicURL: String
    let now: @Sendable () -> Date
    /// Counts each write operation by its outcome.
    let metrics: TesseraMetrics

    // MARK: Assign

    /// Assigns a seat. The invitation is emailed, or (`send_invitation: false` through the
    /// merchant API) handed back once as `HandedInvitation`.
    func assign(_ assignment: SeatAssignment, scope: Scope) async throws -> (SeatDetails, HandedInvitation?) {
        try await metrics.count(.assign) {
            let now = now()
            try scope.checkRecipient(of: assignment)
            try Seat.checkExpiry(assignment.expiresAt, at: now)
            return try await database.transaction { tx in
                var locked = try await lockPool(assignment.pool, scope: scope, tx: tx)
                try locked.pool.requireFreeSeat()
                let assigned: (SeatDetails, HandedInvitation?)
                do {
                    assigned = try await assign(assignment, into: &locked, scope: scope, tx: tx, now: now)
                } catch is SeatAlreadyHeld {
                    throw TesseraError.seatAlreadyAssigned(assignment.recipient.identifier)
                }
                try await tx.seats.adjustActiveSeats(locked.pool.reference, by: 1)
                return assigned
            }
        }
    }

    /// A pool locked for assignments, with what every assignment into it reads once.
    struct LockedPool {
        var pool: SeatPool
        var organization: Organization
        /// The billing customer: the invitation's sender, and a member seat's `customer_email`.
        var billing: Customer?
        /// The name of the pool's product, for invitation emails (read with the pool).
        var productName: String?
        /// Set once the pool was found to hold no revoked seat to reuse: assigning never revokes
        /// one, so the later rows of a bulk assignment do not look again.
        var holdsNoRevokedSeat = false
    }

    /// Locks a pool the scope reaches (else not found) of an organization with seats on.
    func lockPool(_ reference: SeatPoolReference, scope: Scope, tx: SQLSession) async throws -> LockedPool {
        guard let (pool, organization, billing, productName) = try await tx.seats.poolWithOrganization(
                  reference, organizationId: scope.organizationId, lock: true),
              scope.reaches(pool) else {
            throw reference.notFound
        }
        try organization.requireSeatFeature()
        return LockedPool(pool: pool, organization: organization, billing: billing, productName: productName)
    }

    /// The recipient already holds a pending or claimed seat of the pool.
    struct SeatAlreadyHeld: Error {
        var seat: Seat
    }

    /// Assigns a seat in a pool locked in `tx`: the steps a single and a bulk assignment share.
    /// Throws `SeatAlreadyHeld` when the recipient has a seat. The caller adds the seat to the
    /// pool's stored count: a bulk assignment adds all of its seats in one update, since on
    /// PostgreSQL every update of one row in one transaction leaves a version that each later
    /// update, and each check of a key referring to the row, walks past (so 1,000 rows took 45
    /// times as long as 100).
    func assign(_ assignment: SeatAssignment, into locked: inout LockedPool, scope: Scope, tx: SQLSession, now: Date)
        async throws -> (SeatDetails, HandedInvitation?)
    {
        try Seat.checkExpiry(assignment.expiresAt, at: now)
        // Everything assigning reads is read before the recipient's customer and member are
        // written, so that on PostgreSQL those writes go with the seat's in one statement
        // (`HeldWrites`): the revoked seat to reuse here (the webhook endpoints came with the
        // pool's locking read).
        let revoked = locked.holdsNoRevokedSeat ? nil : try await tx.seats.firstRevoked(in: locked.pool.reference)
        if revoked == nil { locked.holdsNoRevokedSeat = true }
        let recipient = try await SeatRecipientResolver(tx: tx, organization: locked.organization, pool: locked.pool, now: now)
            .resolve(assignment, scope: scope)
        // A member created just now holds nothing yet: only a known one is looked up.
        if !recipient.memberIsNew,
           let held = try await tx.seats.activeSeat(in: locked.pool.reference, memberId: recipient.holder.memberId) {
            throw SeatAlreadyHeld(seat: held)
        }
        // Checked again here, after the holder: a bulk row of someone holding a seat is answered
        // even in a full pool, and no path ever assigns past the pool's size.
        try locked.pool.requireFreeSeat()
        return try await give(revoked, to: recipient, as: assignment,
                              recording: .assigned, before: nil, locked: locked, scope: scope, tx: tx, now: now)
    }

    /// Gives a seat to a resolved recipient: a new row, or `row` (a revoked seat reused, or the
    /// seat a transfer hands on) written over. Then what the seat grants, the invitation, the
    /// webhook and the history, `kind` first. The caller keeps the pool's count.
    private func give(_ row: Seat?, to recipient: SeatRecipientResolver.Resolved, as assignment: SeatAssignment,
                      recording kind: SeatEvent.Kind, before: SeatDetails?, locked: LockedPool, scope: Scope,
                      tx: SQLSession, now: Date) async throws -> (SeatDetails, HandedInvitation?)
    {
        let pool = locked.pool
        let (seat, invitation) = Seat.assigning(
            reusing: row, id: UUID.timeOrdered(), pool: pool.reference, organizationId: pool.organizationId, holder: recipient.holder,
            metadata: assignment.metadata, immediateClaim: assignment.immediateClaim, expiresAt: assignment.expiresAt,
            now: now)
        if row == nil { try await tx.seats.insert(seat) } else { try await tx.seats.update(seat) }
        if seat.status == .claimed {
            try await BenefitGrants(tx: tx, now: now).grant(through: seat, productId: pool.productId)
        }
        let handed = try await deliver(invitation, asked: assignment.sendInvitation, scope: scope, tx: tx,
                                       locked: locked, recipientEmail: recipient.email, now: now)
        // The answer is built from what was just written rather than read back.
        let details = SeatDetails(seat: seat, member: recipient.member,
                                  customerEmail: (recipient.customer ?? locked.billing)?.email)
        // An immediate claim sends only `customer_seat.claimed`, as Polar does.
        try await WebhookEvents(tx: tx).emit(assignment.immediateClaim ? .customerSeatClaimed : .customerSeatAssigned,
                                             data: Wire.seat(details), organizationId: pool.organizationId, at: now)
        try await SeatHistory(tx: tx, now: now, actor: scope.actor).record(
            [kind, assignment.immediateClaim ? .claimed : .invitationSent], seat: seat, before: before, after: details)
        return (details, handed)
    }

    // MARK: Transfer

    /// Hands a pending or claimed seat to someone else in one transaction: the former holder
    /// loses it (what it granted, and `customer_seat.revoked` naming them) and the same row goes
    /// to the new recipient as an assignment does. The pool's count never moves, so the pool
    /// shows no free seat in between and a full pool can change hands.
    func transfer(seatId: UUID, _ transfer: SeatTransfer, scope: Scope) async throws -> (SeatDetails, HandedInvitation?) {
        try await metrics.count(.transfer) {
            let now = now()
            try Seat.checkExpiry(transfer.expiresAt, at: now)
            return try await database.transaction { tx in
                let (locked, before) = try await lockSeat(seatId, scope: scope, tx: tx)
                let (pool, organization) = (locked.pool, locked.organization)
                guard before.seat.status != .revoked else { throw TesseraError.seatNotActive }
                let assignment = transfer.assignment(into: pool.reference, currentMetadata: before.seat.metadata)
                let recipient = try await SeatRecipientResolver(tx: tx, organization: organization, pool: pool, now: now)
                    .resolve(assignment, scope: scope)
                if try await tx.seats.activeSeat(in: pool.reference, memberId: recipient.holder.memberId) != nil {
                    throw TesseraError.seatAlreadyAssigned(assignment.recipient.identifier)
                }
                guard let handedOn = try await SeatRevocation(tx: tx, now: now, actor: scope.actor).takeBack(before) else {
                    throw TesseraError.seatNotActive
                }
                return try await give(handedOn.seat, to: recipient, as: assignment, recording: .transferred, before: before,
                                      locked: locked, scope: scope, tx: tx, now: now)
            }
        }
    }

    // MARK: List

    func list(_ reference: SeatPoolReference, scope: Scope) async throws -> (SeatPool, [SeatDetails]) {
        try await database.read { session in
            let pool = try await listedPool(reference, scope: scope, session)
            return (pool, try await session.seats.details(in: reference, billingCustomerId: pool.customerId))
        }
    }

    /// The pool a list reads: one the scope reaches (else not found), of an organization with seats on.
    private func listedPool(_ reference: SeatPoolReference, scope: Scope, _ session: SQLSession) async throws -> SeatPool {
        guard let (pool, organization, _, _) = try await session.seats.poolWithOrganization(
                  reference, organizationId: scope.organizationId, lock: false),
              scope.reaches(pool) else {
            throw reference.notFound
        }
        try organization.requireSeatFeature()
        return pool
    }

    /// Tessera's filters and paging of the seat list (all optional; none gives Polar's list).
    struct ListFilter: Sendable {
        var status: SeatStatus?
        var emailPrefix: String?
        var limit: Int
        var cursor: ListCursor?
    }

    /// A page of a pool's seats as `filter` narrows it (oldest first; with an email prefix, in
    /// email order); the pool for its counts.
    func list(_ reference: SeatPoolReference, filter: ListFilter, scope: Scope) async throws
        -> (SeatPool, CursorPage<SeatDetails>)
    {
        try await database.read { session in
            let pool = try await listedPool(reference, scope: scope, session)
            // A cursor of the other order (time, or email) is not one of this list's.
            if let cursor = filter.cursor, (cursor.sortKey != nil) != (filter.emailPrefix != nil) {
                throw ValidationFailure([.valueError([.key("query"), .key("cursor")],
                                                     "This cursor belongs to a list with another email filter",
                                                     input: .string(cursor.text))])
            }
            return (pool, try await session.seats.details(
                in: reference, billingCustomerId: pool.customerId, status: filter.status,
                emailPrefix: filter.emailPrefix, limit: filter.limit, after: filter.cursor))
        }
    }

    // MARK: Revoke

    /// Revokes a seat. The answer of the revoking call still names the former holder
    /// (`member`, `customer_email`) so its receiver knows whom to cut off; revoking again
    /// changes nothing.
    func revoke(seatId: UUID, scope: Scope) async throws -> SeatDetails {
        try await metrics.count(.revoke) {
            let now = now()
            return try await database.transaction { tx in
                let (_, before) = try await lockSeat(seatId, scope: scope, tx: tx)
                guard let revoked = try await SeatRevocation(tx: tx, now: now, actor: scope.actor).revoke(before) else {
                    return before
                }
                try await tx.seats.adjustActiveSeats(before.seat.pool, by: -1)
                return revoked
            }
        }
    }

    // MARK: Resend

    /// Issues a fresh invitation (new token, fresh 24 hours) and emails it, or hands it back as
    /// `assign` does; the old link stops working.
    func resend(seatId: UUID, sendInvitation: Bool? = nil, scope: Scope) async throws -> (SeatDetails, HandedInvitation?) {
        try await metrics.count(.resend) {
            let now = now()
            return try await database.transaction { tx in
                let (locked, details) = try await lockSeat(seatId, scope: scope, tx: tx)
                var seat = details.seat
                let token = try seat.reissueInvitation(at: now)
                try await tx.seats.update(seat)
                let handed = try await deliver(token, asked: sendInvitation, scope: scope, tx: tx, locked: locked,
                                               recipientEmail: details.recipientEmail, now: now)
                let resent = SeatDetails(seat: seat, member: details.member, customerEmail: details.customerEmail)
                try await SeatHistory(tx: tx, now: now, actor: scope.actor).record([.invitationResent], seat: seat,
                                                                                   before: details, after: resent)
                return (resent, handed)
            }
        }
    }

    // MARK: Claim

    /// What an invitation is for. Reads only: mail scanners that follow links change nothing.
    /// One statement: the seat with its holder, its pool's organization and product.
    func claimInfo(token: String) async throws -> ClaimInfo {
        try await database.read { session in
            guard let (details, offer) = try await session.seats.invitation(tokenHash: SecretToken.hash(token)),
                  details.seat.invitationIsUsable(at: now()), let offer
            else { throw TesseraError.notFound(.invitation) }
            try offer.organization.requireSeatFeature()
            return ClaimInfo(offer: offer, email: details.recipientEmail)
        }
    }

    struct ClaimInfo: Sendable {
        var offer: PoolOffer
        var email: String
    }

    /// Claims a seat with its invitation token (single use) and opens a portal session for
    /// the new holder.
    func claim(token: String) async throws -> (SeatDetails, SecretToken) {
        try await metrics.count(.claim) {
            let now = now()
            let tokenHash = SecretToken.hash(token)
            return try await database.transaction { tx in
                guard let found = try await tx.seats.find(invitationTokenHash: tokenHash) else {
                    throw TesseraError.invalidInvitationToken
                }
                let (locked, details) = try await lockSeat(found, scope: .merchant(found.organizationId, actor: .system), tx: tx)
                let (pool, organization) = (locked.pool, locked.organization)
                var seat = details.seat
                try seat.claim(tokenHash: tokenHash, at: now)
                // Read before anything is written, so that on PostgreSQL the writes go together
                // (`HeldWrites`): what the seat grants (the webhook endpoints came with the pool).
                let grants = BenefitGrants(tx: tx, now: now)
                let benefits = try await grants.benefits(ofProduct: pool.productId)
                try await tx.seats.update(seat)
                try await grants.grant(benefits, through: seat)
                guard let holder = seat.holder else { throw TesseraError.invalidInvitationToken }
                // A member session for the claimer, as Polar mints one whenever the seat has a member
                // (every seat here): the claimer is signed in as themselves, a member of the billing
                // customer, never as the billing customer. Without a member, a customer session.
                let (_, sessionToken) = try await PortalSessions.open(
                    tx: tx, organizationId: organization.id, customerId: holder.customerId, member: details.member,
                    comment: "seat claim", now: now)
                let claimed = SeatDetails(seat: seat, member: details.member, customerEmail: details.customerEmail)
                try await WebhookEvents(tx: tx).emit(.customerSeatClaimed, data: Wire.seat(claimed),
                                                     organizationId: organization.id, at: now)
                try await SeatHistory(tx: tx, now: now, actor: .claimer(holder.memberId)).record(
                    [.claimed], seat: seat, before: details, after: claimed)
                return (claimed, sessionToken)
            }
        }
    }

    // MARK: Shared steps

    /// Emails a new invitation, or hands it back when the merchant asked for that
    /// (`Organization.emailsSeatInvitation`). Nothing to do without one (an immediate claim).
    private func deliver(_ invitation: SecretToken?, asked: Bool?, scope: Scope, tx: SQLSession, locked: LockedPool,
                         recipientEmail: String, now: Date) async throws -> HandedInvitation? {
        guard let invitation else { return nil }
        let organization = locked.organization
        guard organization.emailsSeatInvitation(asked: asked, byMerchant: scope.isMerchant) else {
            return HandedInvitation(token: invitation, url: InvitationEmail.claimLink(
                publicURL: publicURL, organizationSlug: organization.slug, token: invitation))
        }
        let email = InvitationEmail(
            organizationName: organization.customerFacingName, organizationSlug: organization.slug,
            branding: organization.branding,
            productName: locked.productName ?? "your team's plan", inviterEmail: locked.billing?.email ?? organization.name,
            recipientEmail: recipientEmail, token: invitation, publicURL: publicURL)
        try await tx.outbox.enqueue(OutboxMessage(
            id: UUID.timeOrdered(), kind: .email, payload: email.message.payload, nextAttemptAt: now, createdAt: now,
            organizationId: organization.id))
        return nil
    }

    /// Finds a seat the scope reaches, checks the feature, locks its pool and re-reads the
    /// seat under that lock. Returns the organization too, read once for the whole operation.
    private func lockSeat(_ id: UUID, scope: Scope, tx: SQLSession) async throws -> (LockedPool, SeatDetails) {
        guard let seat = try await tx.seats.find(id: id, organizationId: scope.organizationId) else {
            throw TesseraError.notFound(.seat)
        }
        return try await lockSeat(seat, scope: scope, tx: tx)
    }

    /// As above, for a seat already found (before the lock: it is read again under it).
    private func lockSeat(_ seat: Seat, scope: Scope, tx: SQLSession) async throws -> (LockedPool, SeatDetails) {
        guard let (pool, organization, billing, productName) = try await tx.seats.poolWithOrganization(
                  seat.pool, organizationId: scope.organizationId, lock: true) else {
            throw TesseraError.notFound(.seat)
        }
        try organization.requireSeatFeature()
        guard scope.reaches(pool) else { throw TesseraError.notFound(.seat) }
        return (LockedPool(pool: pool, organization: organization, billing: billing, productName: productName),
                try await tx.seats.requireDetails(id: seat.id))
    }
}

/// An invitation given to the merchant rather than emailed: the token and its claim link.
/// Only the token's hash is stored, so this is the one time anyone sees them.
struct HandedInvitation: Sendable {
    var token: SecretToken
    var url: String
}

extension SeatDetails {
    /// Where the invitation goes: the holder's address.
    var recipientEmail: String { holderEmail ?? "" }
}

