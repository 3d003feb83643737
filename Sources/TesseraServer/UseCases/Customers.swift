import Foundation
import TesseraCore
import TesseraStore

/// Customers and their members, within one organization. Each write is one transaction that
/// applies Core's rules, checks uniqueness against the store, writes and emits its webhook;
/// deleting a customer or member revokes the seats they hold in that same transaction.
struct CustomerOperations: Sendable {
    let database: TesseraDatabase
    let now: @Sendable () -> Date

    // MARK: Customers

    func create(email: String, name: String?, externalId: String?, metadata: [String: JSONValue],
                organizationId: UUID) async throws -> Customer {
        let now = now()
        let customer = Customer(
            id: UUID.timeOrdered(), organizationId: organizationId, email: email, name: name, externalId: externalId,
            metadata: metadata, createdAt: now, modifiedAt: nil)
        try await database.transaction { tx in
            try await requireUnique(customer, tx: tx)
            try await tx.customers.insert(customer)
            try await WebhookEvents(tx: tx).emit(.customerCreated, data: Wire.customer(customer), organizationId: organizationId,
                                       at: now)
        }
        return customer
    }

    func list(organizationId: UUID, email: String?, page: PageRequest) async throws -> Page<Customer> {
        try await database.read {
            try await $0.customers.list(organizationId: organizationId, email: email, page: page)
        }
    }

    func get(id: UUID, organizationId: UUID) async throws -> Customer {
        try await database.read { try await $0.customers.require(id: id, organizationId: organizationId) }
    }

    /// What the customer has now: active subscriptions and live grants (held through seats).
    /// By id, or by external id when `externalId` is given.
    func state(id: UUID?, externalId: String?, organizationId: UUID) async throws -> CustomerState {
        try await database.read { session in
            let found: Customer?
            if let id {
                found = try await session.customers.find(id: id, organizationId: organizationId)
            } else {
                found = try await session.customers.find(externalId: externalId ?? "", organizationId: organizationId)
            }
            guard let customer = found else { throw TesseraError.notFound(.customer) }
            let subscriptions = try await session.subscriptions.active(customerId: customer.id, organizationId: organizationId)
            let grants = try await session.benefitGrants.live(customerId: customer.id, organizationId: organizationId)
            let benefits = try await session.benefits.findIncludingDeleted(ids: Set(grants.map(\.benefitId)))
            return CustomerState(customer: customer, activeSubscriptions: subscriptions,
                                 grants: grants.compactMap { grant in benefits[grant.benefitId].map { (grant, $0) } })
        }
    }

    /// The customer with this external id; `notFound(.customer)` when there is none.
    func get(externalId: String, organizationId: UUID) async throws -> Customer {
        let customer = try await database.read {
            try await $0.customers.find(externalId: externalId, organizationId: organizationId)
        }
        guard let customer else { throw TesseraError.notFound(.customer) }
        return customer
    }

    func update(id: UUID, organizationId: UUID, with update: CustomerUpdate) async throws -> Customer {
        let now = now()
        return try await database.transaction { tx in
            var customer = try await tx.customers.require(id: id, organizationId: organizationId)
            try customer.apply(update, at: now)
            try await requireUnique(customer, tx: tx)
            try await tx.customers.update(customer)
            try await WebhookEvents(tx: tx).emit(.customerUpdated, data: Wire.customer(customer), organizationId: organizationId,
                                       at: now)
            return customer
        }
    }

    /// Deletes the customer and their members, revoking every seat they hold and ending their
    /// portal sessions (API and pages) in the same transaction.
    func delete(id: UUID, organizationId: UUID, actor: SeatActor) async throws {
        let now = now()
        try await database.transaction { tx in
            let customer = try await tx.customers.require(id: id, organizationId: organizationId)
            try await SeatRevocation(tx: tx, now: now, actor: actor)
                .revoke(try await tx.seats.activeSeats(heldByCustomerOrItsMembers: id))
            let memberIds = try await tx.members.ids(customerId: id)
            for memberId in memberIds {
                guard let member = try await tx.members.find(id: memberId, organizationId: organizationId) else { continue }
                try await tx.members.softDelete(id: memberId, at: now)
                try await WebhookEvents(tx: tx).emit(.memberDeleted, data: Wire.member(member), organizationId: organizationId, at: now)
            }
            try await tx.customers.softDelete(id: id, at: now)
            // Member sessions carry their customer too, so this ends those of every member above.
            try await tx.accessTokens.deleteSessions(customerId: id)
            try await WebhookEvents(tx: tx).emit(.customerDeleted, data: Wire.customer(customer, deletedAt: now),
                                       organizationId: organizationId, at: now)
        }
    }

    /// Email (case-insensitive) and external id are each unique among an organization's live
    /// customers; the customer itself does not count.
    private func requireUnique(_ customer: Customer, tx: SQLSession) async throws {
        if let other = try await tx.customers.find(email: customer.email, organizationId: customer.organizationId),
           other.id != customer.id {
            throw ValidationFailure([.valueError([.key("body"), .key("email")],
                                                 "A customer with this email address already exists.",
                                                 input: .string(customer.email))])
        }
        if let externalId = customer.externalId,
           let other = try await tx.customers.find(externalId: externalId, organizationId: customer.organizationId),
           other.id != customer.id {
            throw ValidationFailure([.valueError([.key("body"), .key("external_id")],
                                                 "A customer with this external ID already exists.",
                                                 input: .string(externalId))])
        }
    }

    // MARK: Members

    /// Adds a member to a customer. Email (case-insensitive) and external id are each unique
    /// among the customer's live members.
    func createMember(email: String, name: String?, externalId: String?, role: Member.Role, customerId: UUID,
                      organizationId: UUID) async throws -> Member {
        let member = Member(
            id: UUID.timeOrdered(), organizationId: organizationId, customerId: customerId, email: email, name: name,
            externalId: externalId, role: role, createdAt: now(), modifiedAt: nil)
        try await database.transaction { tx in
            _ = try await tx.customers.require(id: customerId, organizationId: organizationId)
            if try await tx.members.find(email: member.email, customerId: customerId) != nil {
                throw ValidationFailure([.valueError([.key("body"), .key("email")],
                                                     "A member with this email already exists for this customer.",
                                                     input: .string(member.email))])
            }
            if let externalId, try await tx.members.find(externalId: externalId, customerId: customerId) != nil {
                throw ValidationFailure([.valueError([.key("body"), .key("external_id")],
                                                     "A member with this external ID already exists for this customer.",
                                                     input: .string(externalId))])
            }
            try await tx.members.insert(member)
            try await WebhookEvents(tx: tx).emit(.memberCreated, data: Wire.member(member), organizationId: organizationId,
                                       at: member.createdAt)
        }
        return member
    }

    func listMembers(organizationId: UUID, customerId: UUID?, page: PageRequest) async throws -> Page<Member> {
        try await database.read {
            try await $0.members.list(organizationId: organizationId, customerId: customerId, page: page)
        }
    }

    /// Deletes a member, revoking the seats they hold and ending their portal sessions in the
    /// same transaction.
    func deleteMember(id: UUID, customerId: UUID, organizationId: UUID, actor: SeatActor) async throws {
        let now = now()
        try await database.transaction { tx in
            let member = try await tx.members.require(id: id, customerId: customerId, organizationId: organizationId)
            try await SeatRevocation(tx: tx, now: now, actor: actor).revoke(try await tx.seats.activeSeats(heldByMember: id))
            try await tx.members.softDelete(id: id, at: now)
            try await tx.accessTokens.deleteSessions(memberId: id)
            try await WebhookEvents(tx: tx).emit(.memberDeleted, data: Wire.member(member), organizationId: organizationId, at: now)
        }
    }
}

/// A customer with what they have now, as `GET /v1/customers/{id}/state` shows it.
struct CustomerState: Sendable {
    var customer: Customer
    var activeSubscriptions: [Subscription]
    /// Live grants, each with its benefit.
    var grants: [(grant: BenefitGrant, benefit: Benefit)]
}
