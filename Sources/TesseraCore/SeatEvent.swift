import Foundation

/// One change in a seat's life, recorded in the transaction that made it: what happened, who
/// did it, and who held the seat before and after.
public struct SeatEvent: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case assigned
        /// A new invitation: emailed, or handed to the merchant (`send_invitation: false`).
        case invitationSent = "invitation_sent"
        case invitationResent = "invitation_resent"
        case claimed
        case revoked
        case transferred
        case expired
    }

    public var id: UUID
    public var organizationId: UUID
    public var seatId: UUID
    public var pool: SeatPoolReference
    public var kind: Kind
    public var actor: SeatActor
    /// The holder before the change (nil for a free seat), with their email.
    public var holderBefore: SeatHolder?
    /// The holder after it (nil once revoked).
    public var holderAfter: SeatHolder?
    public var createdAt: Date

    public init(id: UUID = UUID.timeOrdered(), organizationId: UUID, seatId: UUID, pool: SeatPoolReference, kind: Kind,
                actor: SeatActor, holderBefore: SeatHolder?, holderAfter: SeatHolder?, createdAt: Date) {
        self.id = id
        self.organizationId = organizationId
        self.seatId = seatId
        self.pool = pool
        self.kind = kind
        self.actor = actor
        self.holderBefore = holderBefore
        self.holderAfter = holderAfter
        self.createdAt = createdAt
    }
}

/// Who changed a seat.
public enum SeatActor: Sendable, Equatable {
    /// The merchant, through an organization access token (its id).
    case organizationToken(UUID)
    /// Tessera's operator.
    case `operator`
    /// A customer signed into the portal (the customer's id).
    case customer(UUID)
    /// A member signed into the portal (the member's id).
    case member(UUID)
    /// The person who claimed the seat with its invitation (the member's id).
    case claimer(UUID)
    /// Tessera itself: a subscription that ended, a seat that expired.
    case system

    /// How the actor is stored and shown.
    public enum Kind: String, Sendable, CaseIterable {
        case organizationAccessToken = "organization_access_token"
        case `operator`
        case customer
        case member
        case claimer
        case system
    }

    public var kind: Kind {
        switch self {
        case .organizationToken: .organizationAccessToken
        case .operator: .operator
        case .customer: .customer
        case .member: .member
        case .claimer: .claimer
        case .system: .system
        }
    }

    /// The id of whoever acted, when the kind has one.
    public var id: UUID? {
        switch self {
        case .organizationToken(let id), .customer(let id), .member(let id), .claimer(let id): id
        case .operator, .system: nil
        }
    }

    /// The actor stored as `kind` and `id`; nil for a kind that needs an id and has none.
    public init?(kind: Kind, id: UUID?) {
        switch (kind, id) {
        case (.organizationAccessToken, let id?): self = .organizationToken(id)
        case (.customer, let id?): self = .customer(id)
        case (.member, let id?): self = .member(id)
        case (.claimer, let id?): self = .claimer(id)
        case (.operator, _): self = .operator
        case (.system, _): self = .system
        default: return nil
        }
    }
}
