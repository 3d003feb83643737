import Foundation

/// A string enum of the wire that keeps values it does not know.
///
/// Servers add values over time (Polar adds statuses and event types; Tessera may too), so
/// every enum the SDK decodes has an `unknown(String)` case instead of failing the whole
/// response. `rawValue` is the wire string, known or not, and encoding writes it back.
public protocol OpenEnum: RawRepresentable, Codable, Hashable, Sendable, CustomStringConvertible
where RawValue == String {
    /// The case for `rawValue`: a known case, or `unknown(rawValue)`.
    init(rawValue: String)
    /// Every case this version of the SDK knows by name.
    static var knownCases: [Self] { get }
}

extension OpenEnum {
    public init(from decoder: any Decoder) throws {
        self.init(rawValue: try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public var description: String { rawValue }

    /// Whether this is a value the SDK knows by name.
    public var isKnown: Bool { Self.knownCases.contains(self) }
}

/// Where a seat is in its life: `pending` (invited) → `claimed`; either → `revoked`.
public enum SeatStatus: OpenEnum {
    /// Assigned and invited; not yet claimed.
    case pending
    /// Claimed: the holder has the product's benefits.
    case claimed
    /// Revoked: the seat is free for the next assignment.
    case revoked
    /// A value this version of the SDK does not know.
    case unknown(String)

    public static let knownCases: [Self] = [.pending, .claimed, .revoked]

    public init(rawValue: String) {
        switch rawValue {
        case "pending": self = .pending
        case "claimed": self = .claimed
        case "revoked": self = .revoked
        default: self = .unknown(rawValue)
        }
    }

    public var rawValue: String {
        switch self {
        case .pending: "pending"
        case .claimed: "claimed"
        case .revoked: "revoked"
        case .unknown(let value): value
        }
    }
}

/// A member's role within their customer.
public enum MemberRole: OpenEnum {
    case owner
    case billingManager
    case member
    /// A value this version of the SDK does not know.
    case unknown(String)

    public static let knownCases: [Self] = [.owner, .billingManager, .member]

    public init(rawValue: String) {
        switch rawValue {
        case "owner": self = .owner
        case "billing_manager": self = .billingManager
        case "member": self = .member
        default: self = .unknown(rawValue)
        }
    }

    public var rawValue: String {
        switch self {
        case .owner: "owner"
        case .billingManager: "billing_manager"
        case .member: "member"
        case .unknown(let value): value
        }
    }
}

/// A subscription's status, as Polar names it.
public enum SubscriptionStatus: OpenEnum {
    case incomplete
    case incompleteExpired
    case trialing
    case active
    case pastDue
    case canceled
    case unpaid
    case paused
    /// A value this version of the SDK does not know.
    case unknown(String)

    public static let knownCases: [Self] = [.incomplete, .incompleteExpired, .trialing, .active, .pastDue, .canceled, .unpaid, .paused]

    public init(rawValue: String) {
        switch rawValue {
        case "incomplete": self = .incomplete
        case "incomplete_expired": self = .incompleteExpired
        case "trialing": self = .trialing
        case "active": self = .active
        case "past_due": self = .pastDue
        case "canceled": self = .canceled
        case "unpaid": self = .unpaid
        case "paused": self = .paused
        default: self = .unknown(rawValue)
        }
    }

    public var rawValue: String {
        switch self {
        case .incomplete: "incomplete"
        case .incompleteExpired: "incomplete_expired"
        case .trialing: "trialing"
        case .active: "active"
        case .pastDue: "past_due"
        case .canceled: "canceled"
        case .unpaid: "unpaid"
        case .paused: "paused"
        case .unknown(let value): value
        }
    }
}

/// An order's status, as Polar names it.
public enum OrderStatus: OpenEnum {
    case draft
    case pending
    case paid
    case refunded
    case partiallyRefunded
    case void
    /// A value this version of the SDK does not know.
    case unknown(String)

    public static let knownCases: [Self] = [.draft, .pending, .paid, .refunded, .partiallyRefunded, .void]

    public init(rawValue: String) {
        switch rawValue {
        case "draft": self = .draft
        case "pending": self = .pending
        case "paid": self = .paid
        case "refunded": self = .refunded
        case "partially_refunded": self = .partiallyRefunded
        case "void": self = .void
        default: self = .unknown(rawValue)
        }
    }

    public var rawValue: String {
        switch self {
        case .draft: "draft"
        case .pending: "pending"
        case .paid: "paid"
        case .refunded: "refunded"
        case .partiallyRefunded: "partially_refunded"
        case .void: "void"
        case .unknown(let value): value
        }
    }
}

/// How often a product or subscription renews.
public enum RecurringInterval: OpenEnum {
    case day
    case week
    case month
    case year
    /// A value this version of the SDK does not know.
    case unknown(String)

    public static let knownCases: [Self] = [.day, .week, .month, .year]

    public init(rawValue: String) {
        switch rawValue {
        case "day": self = .day
        case "week": self = .week
        case "month": self = .month
        case "year": self = .year
        default: self = .unknown(rawValue)
        }
    }

    public var rawValue: String {
        switch self {
        case .day: "day"
        case .week: "week"
        case .month: "month"
        case .year: "year"
        case .unknown(let value): value
        }
    }
}

/// How a price is computed.
public enum AmountType: OpenEnum {
    /// Per seat, from seat tiers.
    case seatBased
    case fixed
    case free
    case custom
    case meteredUnit
    /// A value this version of the SDK does not know.
    case unknown(String)

    public static let knownCases: [Self] = [.seatBased, .fixed, .free, .custom, .meteredUnit]

    public init(rawValue: String) {
        switch rawValue {
        case "seat_based": self = .seatBased
        case "fixed": self = .fixed
        case "free": self = .free
        case "custom": self = .custom
        case "metered_unit": self = .meteredUnit
        default: self = .unknown(rawValue)
        }
    }

    public var rawValue: String {
        switch self {
        case .seatBased: "seat_based"
        case .fixed: "fixed"
        case .free: "free"
        case .custom: "custom"
        case .meteredUnit: "metered_unit"
        case .unknown(let value): value
        }
    }
}

/// How seat tiers price a seat count.
public enum SeatTierType: OpenEnum {
    /// Every seat costs the price of the tier the count falls in.
    case volume
    /// Each seat costs the price of its own tier.
    case graduated
    /// A value this version of the SDK does not know.
    case unknown(String)

    public static let knownCases: [Self] = [.volume, .graduated]

    public init(rawValue: String) {
        switch rawValue {
        case "volume": self = .volume
        case "graduated": self = .graduated
        default: self = .unknown(rawValue)
        }
    }

    public var rawValue: String {
        switch self {
        case .volume: "volume"
        case .graduated: "graduated"
        case .unknown(let value): value
        }
    }
}

/// Whether a customer is a person or a team.
public enum CustomerType: OpenEnum {
    case individual
    case team
    /// A value this version of the SDK does not know.
    case unknown(String)

    public static let knownCases: [Self] = [.individual, .team]

    public init(rawValue: String) {
        switch rawValue {
        case "individual": self = .individual
        case "team": self = .team
        default: self = .unknown(rawValue)
        }
    }

    public var rawValue: String {
        switch self {
        case .individual: "individual"
        case .team: "team"
        case .unknown(let value): value
        }
    }
}

/// The payload format of a webhook endpoint (Tessera sends `raw` only).
public enum WebhookFormat: OpenEnum {
    case raw
    case discord
    case slack
    /// A value this version of the SDK does not know.
    case unknown(String)

    public static let knownCases: [Self] = [.raw, .discord, .slack]

    public init(rawValue: String) {
        switch rawValue {
        case "raw": self = .raw
        case "discord": self = .discord
        case "slack": self = .slack
        default: self = .unknown(rawValue)
        }
    }

    public var rawValue: String {
        switch self {
        case .raw: "raw"
        case .discord: "discord"
        case .slack: "slack"
        case .unknown(let value): value
        }
    }
}

/// How Polar bills a change in seats (Tessera charges nobody and accepts any).
public enum ProrationBehavior: OpenEnum {
    case invoice
    case prorate
    /// No proration: `none` on the wire.
    case noProration
    /// A value this version of the SDK does not know.
    case unknown(String)

    public static let knownCases: [Self] = [.invoice, .prorate, .noProration]

    public init(rawValue: String) {
        switch rawValue {
        case "invoice": self = .invoice
        case "prorate": self = .prorate
        case "none": self = .noProration
        default: self = .unknown(rawValue)
        }
    }

    public var rawValue: String {
        switch self {
        case .invoice: "invoice"
        case .prorate: "prorate"
        case .noProration: "none"
        case .unknown(let value): value
        }
    }
}

/// The type of a webhook event, as Polar names it.
public enum WebhookEventType: OpenEnum {
    case customerSeatAssigned
    case customerSeatClaimed
    case customerSeatRevoked
    case subscriptionCreated
    case subscriptionUpdated
    case subscriptionActive
    case subscriptionCanceled
    case subscriptionUncanceled
    case subscriptionRevoked
    case orderCreated
    case orderUpdated
    case orderPaid
    case orderRefunded
    case customerCreated
    case customerUpdated
    case customerDeleted
    case customerStateChanged
    case memberCreated
    case memberUpdated
    case memberDeleted
    case productCreated
    case productUpdated
    case benefitCreated
    case benefitUpdated
    /// A value this version of the SDK does not know.
    case unknown(String)

    public static let knownCases: [Self] = [.customerSeatAssigned, .customerSeatClaimed, .customerSeatRevoked, .subscriptionCreated, .subscriptionUpdated, .subscriptionActive, .subscriptionCanceled, .subscriptionUncanceled, .subscriptionRevoked, .orderCreated, .orderUpdated, .orderPaid, .orderRefunded, .customerCreated, .customerUpdated, .customerDeleted, .customerStateChanged, .memberCreated, .memberUpdated, .memberDeleted, .productCreated, .productUpdated, .benefitCreated, .benefitUpdated]

    public init(rawValue: String) {
        switch rawValue {
        case "customer_seat.assigned": self = .customerSeatAssigned
        case "customer_seat.claimed": self = .customerSeatClaimed
        case "customer_seat.revoked": self = .customerSeatRevoked
        case "subscription.created": self = .subscriptionCreated
        case "subscription.updated": self = .subscriptionUpdated
        case "subscription.active": self = .subscriptionActive
        case "subscription.canceled": self = .subscriptionCanceled
        case "subscription.uncanceled": self = .subscriptionUncanceled
        case "subscription.revoked": self = .subscriptionRevoked
        case "order.created": self = .orderCreated
        case "order.updated": self = .orderUpdated
        case "order.paid": self = .orderPaid
        case "order.refunded": self = .orderRefunded
        case "customer.created": self = .customerCreated
        case "customer.updated": self = .customerUpdated
        case "customer.deleted": self = .customerDeleted
        case "customer.state_changed": self = .customerStateChanged
        case "member.created": self = .memberCreated
        case "member.updated": self = .memberUpdated
        case "member.deleted": self = .memberDeleted
        case "product.created": self = .productCreated
        case "product.updated": self = .productUpdated
        case "benefit.created": self = .benefitCreated
        case "benefit.updated": self = .benefitUpdated
        default: self = .unknown(rawValue)
        }
    }

    public var rawValue: String {
        switch self {
        case .customerSeatAssigned: "customer_seat.assigned"
        case .customerSeatClaimed: "customer_seat.claimed"
        case .customerSeatRevoked: "customer_seat.revoked"
        case .subscriptionCreated: "subscription.created"
        case .subscriptionUpdated: "subscription.updated"
        case .subscriptionActive: "subscription.active"
        case .subscriptionCanceled: "subscription.canceled"
        case .subscriptionUncanceled: "subscription.uncanceled"
        case .subscriptionRevoked: "subscription.revoked"
        case .orderCreated: "order.created"
        case .orderUpdated: "order.updated"
        case .orderPaid: "order.paid"
        case .orderRefunded: "order.refunded"
        case .customerCreated: "customer.created"
        case .customerUpdated: "customer.updated"
        case .customerDeleted: "customer.deleted"
        case .customerStateChanged: "customer.state_changed"
        case .memberCreated: "member.created"
        case .memberUpdated: "member.updated"
        case .memberDeleted: "member.deleted"
        case .productCreated: "product.created"
        case .productUpdated: "product.updated"
        case .benefitCreated: "benefit.created"
        case .benefitUpdated: "benefit.updated"
        case .unknown(let value): value
        }
    }
}

/// An organization access token scope. A write scope grants its read scope too.
public enum AccessTokenScope: OpenEnum {
    case customerSeatsRead
    case customerSeatsWrite
    case customersRead
    case customersWrite
    case membersRead
    case membersWrite
    case productsRead
    case productsWrite
    case subscriptionsRead
    case subscriptionsWrite
    case ordersRead
    case ordersWrite
    case customerSessionsWrite
    case webhooksRead
    case webhooksWrite
    case benefitsRead
    case benefitsWrite
    case licenseKeysRead
    case licenseKeysWrite
    /// A value this version of the SDK does not know.
    case unknown(String)

    public static let knownCases: [Self] = [.customerSeatsRead, .customerSeatsWrite, .customersRead, .customersWrite, .membersRead, .membersWrite, .productsRead, .productsWrite, .subscriptionsRead, .subscriptionsWrite, .ordersRead, .ordersWrite, .customerSessionsWrite, .webhooksRead, .webhooksWrite, .benefitsRead, .benefitsWrite, .licenseKeysRead, .licenseKeysWrite]

    public init(rawValue: String) {
        switch rawValue {
        case "customer_seats:read": self = .customerSeatsRead
        case "customer_seats:write": self = .customerSeatsWrite
        case "customers:read": self = .customersRead
        case "customers:write": self = .customersWrite
        case "members:read": self = .membersRead
        case "members:write": self = .membersWrite
        case "products:read": self = .productsRead
        case "products:write": self = .productsWrite
        case "subscriptions:read": self = .subscriptionsRead
        case "subscriptions:write": self = .subscriptionsWrite
        case "orders:read": self = .ordersRead
        case "orders:write": self = .ordersWrite
        case "customer_sessions:write": self = .customerSessionsWrite
        case "webhooks:read": self = .webhooksRead
        case "webhooks:write": self = .webhooksWrite
        case "benefits:read": self = .benefitsRead
        case "benefits:write": self = .benefitsWrite
        case "license_keys:read": self = .licenseKeysRead
        case "license_keys:write": self = .licenseKeysWrite
        default: self = .unknown(rawValue)
        }
    }

    public var rawValue: String {
        switch self {
        case .customerSeatsRead: "customer_seats:read"
        case .customerSeatsWrite: "customer_seats:write"
        case .customersRead: "customers:read"
        case .customersWrite: "customers:write"
        case .membersRead: "members:read"
        case .membersWrite: "members:write"
        case .productsRead: "products:read"
        case .productsWrite: "products:write"
        case .subscriptionsRead: "subscriptions:read"
        case .subscriptionsWrite: "subscriptions:write"
        case .ordersRead: "orders:read"
        case .ordersWrite: "orders:write"
        case .customerSessionsWrite: "customer_sessions:write"
        case .webhooksRead: "webhooks:read"
        case .webhooksWrite: "webhooks:write"
        case .benefitsRead: "benefits:read"
        case .benefitsWrite: "benefits:write"
        case .licenseKeysRead: "license_keys:read"
        case .licenseKeysWrite: "license_keys:write"
        case .unknown(let value): value
        }
    }
}

/// The benefit types Tessera supports.
public enum BenefitType: OpenEnum {
    case custom
    case featureFlag
    case licenseKeys
    /// A value this version of the SDK does not know.
    case unknown(String)

    public static let knownCases: [Self] = [.custom, .featureFlag, .licenseKeys]

    public init(rawValue: String) {
        switch rawValue {
        case "custom": self = .custom
        case "feature_flag": self = .featureFlag
        case "license_keys": self = .licenseKeys
        default: self = .unknown(rawValue)
        }
    }

    public var rawValue: String {
        switch self {
        case .custom: "custom"
        case .featureFlag: "feature_flag"
        case .licenseKeys: "license_keys"
        case .unknown(let value): value
        }
    }
}

/// Where the customer portal shows a benefit.
public enum BenefitVisibility: OpenEnum {
    case draft
    case `private`
    case `public`
    /// A value this version of the SDK does not know.
    case unknown(String)

    public static let knownCases: [Self] = [.draft, .private, .public]

    public init(rawValue: String) {
        switch rawValue {
        case "draft": self = .draft
        case "private": self = .private
        case "public": self = .public
        default: self = .unknown(rawValue)
        }
    }

    public var rawValue: String {
        switch self {
        case .draft: "draft"
        case .private: "private"
        case .public: "public"
        case .unknown(let value): value
        }
    }
}

/// Only a `granted` license key validates; a key is `revoked` with its seat, or `disabled` by you.
public enum LicenseKeyStatus: OpenEnum {
    case granted
    case revoked
    case disabled
    /// A value this version of the SDK does not know.
    case unknown(String)

    public static let knownCases: [Self] = [.granted, .revoked, .disabled]

    public init(rawValue: String) {
        switch rawValue {
        case "granted": self = .granted
        case "revoked": self = .revoked
        case "disabled": self = .disabled
        default: self = .unknown(rawValue)
        }
    }

    public var rawValue: String {
        switch self {
        case .granted: "granted"
        case .revoked: "revoked"
        case .disabled: "disabled"
        case .unknown(let value): value
        }
    }
}

/// What happened to a seat, in its history.
public enum SeatEventType: OpenEnum {
    case assigned
    case invitationSent
    case invitationResent
    case claimed
    case revoked
    case transferred
    case expired
    /// A value this version of the SDK does not know.
    case unknown(String)

    public static let knownCases: [Self] = [
        .assigned, .invitationSent, .invitationResent, .claimed, .revoked, .transferred, .expired,
    ]

    public init(rawValue: String) {
        switch rawValue {
        case "assigned": self = .assigned
        case "invitation_sent": self = .invitationSent
        case "invitation_resent": self = .invitationResent
        case "claimed": self = .claimed
        case "revoked": self = .revoked
        case "transferred": self = .transferred
        case "expired": self = .expired
        default: self = .unknown(rawValue)
        }
    }

    public var rawValue: String {
        switch self {
        case .assigned: "assigned"
        case .invitationSent: "invitation_sent"
        case .invitationResent: "invitation_resent"
        case .claimed: "claimed"
        case .revoked: "revoked"
        case .transferred: "transferred"
        case .expired: "expired"
        case .unknown(let value): value
        }
    }
}

/// Who changed a seat: the merchant's token, the operator, a portal customer or member, the
/// person who claimed it, or Tessera itself.
public enum SeatActorType: OpenEnum {
    case organizationAccessToken
    case `operator`
    case customer
    case member
    case claimer
    case system
    /// A value this version of the SDK does not know.
    case unknown(String)

    public static let knownCases: [Self] = [.organizationAccessToken, .operator, .customer, .member, .claimer, .system]

    public init(rawValue: String) {
        switch rawValue {
        case "organization_access_token": self = .organizationAccessToken
        case "operator": self = .operator
        case "customer": self = .customer
        case "member": self = .member
        case "claimer": self = .claimer
        case "system": self = .system
        default: self = .unknown(rawValue)
        }
    }

    public var rawValue: String {
        switch self {
        case .organizationAccessToken: "organization_access_token"
        case .operator: "operator"
        case .customer: "customer"
        case .member: "member"
        case .claimer: "claimer"
        case .system: "system"
        case .unknown(let value): value
        }
    }
}

/// One recipient's outcome in a bulk assignment (Tessera).
public enum BulkSeatStatus: OpenEnum {
    /// Given a seat by this request.
    case assigned
    /// Already held an active seat of the pool; nothing changed.
    case alreadyAssigned
    /// Refused; the result's `error` says why.
    case failed
    /// An atomic request was refused because of another row: this one would have been assigned.
    case notAssigned
    /// A value this version of the SDK does not know.
    case unknown(String)

    public static let knownCases: [Self] = [.assigned, .alreadyAssigned, .failed, .notAssigned]

    public init(rawValue: String) {
        switch rawValue {
        case "assigned": self = .assigned
        case "already_assigned": self = .alreadyAssigned
        case "failed": self = .failed
        case "not_assigned": self = .notAssigned
        default: self = .unknown(rawValue)
        }
    }

    public var rawValue: String {
        switch self {
        case .assigned: "assigned"
        case .alreadyAssigned: "already_assigned"
        case .failed: "failed"
        case .notAssigned: "not_assigned"
        case .unknown(let value): value
        }
    }
}
