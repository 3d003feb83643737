import Foundation
import TesseraCore
import TesseraStore

/// Turns the recipient named in an assignment into a seat holder, creating the customer
/// (legacy mode) or member (member model) for an email Tessera has not seen, as Polar does.
///
/// - Legacy mode: the holder is a customer of the organization; a member with the holder's
///   email is also kept under the billing customer, so seats carry a `member`.
/// - Member model: the holder is a member of the billing customer; the seat's `customer_id`
///   is the billing customer.
struct SeatRecipientResolver {
    let tx: SQLSession
    let organization: Organization
    let pool: SeatPool
    let now: Date

    struct Resolved {
        var holder: SeatHolder
        /// Where the invitation goes.
        var email: String
        /// The holder's member, as written.
        var member: Member
        /// The holder's own customer (legacy mode); nil when it is the pool's billing customer.
        var customer: Customer?
        /// Whether the holder's member was created by this resolution: then it holds no seat
        /// yet, and assigning need not look for one.
        var memberIsNew = false
    }

    /// Resolves the recipient of `assignment` as `scope` may name it. From the portal, Core's
    /// `PortalSeatRule` applies: the recipient kinds were checked before the transaction
    /// (`Scope.checkRecipient(of:)`), members resolve within the pool's billing customer (the
    /// session's own, as the scope reaches only its pools), and `immediate_claim` must name the
    /// signed-in person. A refusal throws before anything is written, or rolls back what was.
    func resolve(_ assignment: SeatAssignment, scope: SeatOperations.Scope) async throws -> Resolved {
        let resolved = try await resolve(assignment.recipient)
        if scope.isPortal && assignment.immediateClaim {
            let signedIn: PortalSeatRule.SignedInPerson
            if let memberId = scope.memberId {
                signedIn = .member(memberId)
            } else {
                // A customer session reaches only its own pools: the billing customer is the session's.
                let customer = try await tx.customers.find(id: pool.customerId, organizationId: organization.id)
                signedIn = .customer(email: customer?.email)
            }
            try PortalSeatRule.checkImmediateClaim(
                true, recipientMemberId: resolved.holder.memberId, recipientEmail: resolved.email, signedIn: signedIn)
        }
        return resolved
    }

    func resolve(_ recipient: SeatRecipient) async throws -> Resolved {
        organization.memberModelEnabled ? try await resolveMember(recipient) : try await resolveLegacy(recipient)
    }

    private func resolveLegacy(_ recipient: SeatRecipient) async throws -> Resolved {
        // The customer and the member are both looked up before either is written: on
        // PostgreSQL the writes then go with the seat's in one statement (`HeldWrites`).
        let (email, found, foundMember) = try await legacyHolder(recipient)
        let customer: Customer
        if let found { customer = found } else { customer = try await createCustomer(email: email) }
        let (member, memberIsNew): (Member, Bool)
        if let foundMember {
            (member, memberIsNew) = (foundMember, false)
        } else {
            (member, memberIsNew) = (try await createMember(email: customer.email, name: customer.name, externalId: nil), true)
        }
        return Resolved(holder: SeatHolder(customerId: customer.id, memberId: member.id, email: nil), email: customer.email,
                        member: member, customer: customer, memberIsNew: memberIsNew)
    }

    /// The email of a legacy-mode holder, with their customer and their member of the billing
    /// customer where those exist.
    private func legacyHolder(_ recipient: SeatRecipient) async throws
        -> (email: String, customer: Customer?, member: Member?)
    {
        let (email, known): (String, Customer?)
        switch recipient {
        case .email(let address):
            (email, known) = (address, nil)
        case .customerId(let id):
            guard let found = try await tx.customers.find(id: id, organizationId: organization.id) else {
                throw TesseraError.customerNotFound(id.wire)
            }
            (email, known) = (found.email, found)
        case .externalCustomerId(let externalId):
            guard let found = try await tx.customers.find(externalId: externalId, organizationId: organization.id) else {
                throw TesseraError.customerNotFound(externalId)
            }
            (email, known) = (found.email, found)
        case .memberId(let id):
            (email, known) = (try await member(id: id).email, nil)
        case .externalMemberId(let externalId, let address):
            (email, known) = (try await member(externalId: externalId, email: address).member.email, nil)
        }
        if let known {
            return (email, known, try await tx.members.find(email: email, customerId: pool.customerId))
        }
        // Known only by email: the customer and the member in one statement.
        let (customer, member) = try await tx.customers.find(
            email: email, organizationId: organization.id, withMemberOf: pool.customerId)
        return (email, customer, member)
    }

    private func resolveMember(_ recipient: SeatRecipient) async throws -> Resolved {
        let (member, memberIsNew): (Member, Bool)
        switch recipient {
        case .email(let email):
            (member, memberIsNew) = try await memberOrCreate(email: email, name: nil, externalId: nil)
        case .customerId(let id):
            guard let customer = try await tx.customers.find(id: id, organizationId: organization.id) else {
                throw TesseraError.invalidSeatAssignmentRequest
            }
            (member, memberIsNew) = try await memberOrCreate(email: customer.email, name: customer.name, externalId: nil)
        case .externalCustomerId(let externalId):
            guard let customer = try await tx.customers.find(externalId: externalId, organizationId: organization.id) else {
                throw TesseraError.invalidSeatAssignmentRequest
            }
            (member, memberIsNew) = try await memberOrCreate(email: customer.email, name: customer.name, externalId: nil)
        case .memberId(let id):
            (member, memberIsNew) = (try await self.member(id: id), false)
        case .externalMemberId(let externalId, let email):
            (member, memberIsNew) = try await self.member(externalId: externalId, email: email)
        }
        return Resolved(
            holder: SeatHolder(customerId: pool.customerId, memberId: member.id, email: member.email), email: member.email,
            member: member, customer: nil, memberIsNew: memberIsNew)
    }

    /// Who a recipient is, found without creating or changing anyone.
    enum Known {
        /// The member a seat of this pool would be held by.
        case member(UUID)
        /// Resolving would create them; `key` tells one new person from another.
        case new(key: String)
        /// The named customer or member does not exist: resolving fails.
        case unknown
    }

    /// Looks the recipient up as `resolve` would find them, reading only (the bulk seat count).
    /// In both member modes the holder's member is the billing customer's member with the
    /// recipient's email.
    func lookUp(_ recipient: SeatRecipient) async throws -> Known {
        let email: String
        switch recipient {
        case .email(let address):
            email = address
        case .customerId(let id):
            guard let customer = try await tx.customers.find(id: id, organizationId: organization.id) else { return .unknown }
            email = customer.email
        case .externalCustomerId(let externalId):
            guard let customer = try await tx.customers.find(externalId: externalId, organizationId: organization.id) else {
                return .unknown
            }
            email = customer.email
        case .memberId(let id):
            guard let member = try await tx.members.find(id: id, organizationId: organization.id),
                  member.customerId == pool.customerId else { return .unknown }
            return .member(member.id)
        case .externalMemberId(let externalId, let address):
            if let member = try await tx.members.find(externalId: externalId, customerId: pool.customerId) {
                return .member(member.id)
            }
            guard let address else { return .unknown }
            email = address
        }
        if let member = try await tx.members.find(email: email, customerId: pool.customerId) { return .member(member.id) }
        return .new(key: EmailAddress.normalized(email))
    }

    /// A member of the billing customer, by id.
    private func member(id: UUID) async throws -> Member {
        guard let member = try await tx.members.find(id: id, organizationId: organization.id),
              member.customerId == pool.customerId else { throw TesseraError.memberNotFound(id.wire) }
        return member
    }

    /// A member of the billing customer, by external id. With an email, the member is created
    /// when neither is known (`isNew`), and must agree with what is known.
    private func member(externalId: String, email: String?) async throws -> (member: Member, isNew: Bool) {
        let byExternalId = try await tx.members.find(externalId: externalId, customerId: pool.customerId)
        guard let email else {
            guard let byExternalId else { throw TesseraError.memberNotFound(externalId) }
            return (byExternalId, false)
        }
        if let byExternalId {
            guard EmailAddress.normalized(byExternalId.email) == EmailAddress.normalized(email) else {
                throw TesseraError.memberEmailMismatch(externalId: externalId, email: email)
            }
            return (byExternalId, false)
        }
        if let byEmail = try await tx.members.find(email: email, customerId: pool.customerId) {
            guard byEmail.externalId == nil else {
                throw TesseraError.memberExternalIdMismatch(email: email)
            }
            var updated = byEmail
            updated.externalId = externalId
            updated.modifiedAt = now
            try await tx.members.update(updated)
            try await WebhookEvents(tx: tx).emit(.memberUpdated, data: Wire.member(updated), organizationId: organization.id, at: now)
            return (updated, false)
        }
        return try await memberOrCreate(email: email, name: nil, externalId: externalId)
    }

    private func createCustomer(email: String) async throws -> Customer {
        let customer = Customer(
            id: UUID.timeOrdered(), organizationId: organization.id, email: email, name: nil, externalId: nil, metadata: [:],
            createdAt: now, modifiedAt: nil)
        try await tx.customers.insert(customer)
        try await WebhookEvents(tx: tx).emit(.customerCreated, data: Wire.customer(customer), organizationId: organization.id, at: now)
        return customer
    }

    /// The billing customer's member with `email`, created (`isNew`) when there is none.
    private func memberOrCreate(email: String, name: String?, externalId: String?) async throws -> (member: Member, isNew: Bool) {
        if let existing = try await tx.members.find(email: email, customerId: pool.customerId) {
            return (existing, false)
        }
        return (try await createMember(email: email, name: name, externalId: externalId), true)
    }

    private func createMember(email: String, name: String?, externalId: String?) async throws -> Member {
        let member = Member(
            id: UUID.timeOrdered(), organizationId: organization.id, customerId: pool.customerId, email: email, name: name,
            externalId: externalId, role: .member, createdAt: now, modifiedAt: nil)
        try await tx.members.insert(member)
        try await WebhookEvents(tx: tx).emit(.memberCreated, data: Wire.member(member), organizationId: organization.id, at: now)
        return member
    }
}

extension SeatOperations.Scope {
    /// A portal session's scope (a merchant's reaches every customer).
    var isPortal: Bool { customerId != nil }

    /// The recipient kinds `PortalSeatRule` refuses from the portal: a 422 before anything is read,
    /// so it says nothing about whether the named customer exists.
    func checkRecipient(of assignment: SeatAssignment) throws(ValidationFailure) {
        guard isPortal else { return }
        try PortalSeatRule.checkRecipient(assignment.recipient)
    }
}
