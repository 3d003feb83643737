import Foundation

/// A merchant: the tenant that owns customers, products, pools and seats.
public struct Organization: Sendable, Equatable {
    public var id: UUID
    public var name: String
    public var slug: String
    public var seatBasedPricingEnabled: Bool
    public var memberModelEnabled: Bool
    /// Whether Tessera emails seat invitations by default (Tessera's setting, on unless turned
    /// off). Off, the merchant API hands each new invitation's link to the caller instead, once.
    public var seatInvitationEmailsEnabled: Bool
    /// How its pages and invitation emails look to its customers (Tessera's own).
    public var branding: Branding
    public var createdAt: Date
    public var modifiedAt: Date?

    public init(id: UUID, name: String, slug: String, seatBasedPricingEnabled: Bool,
                memberModelEnabled: Bool, seatInvitationEmailsEnabled: Bool = true, branding: Branding = Branding(),
                createdAt: Date, modifiedAt: Date?) {
        self.id = id
        self.name = name
        self.slug = slug
        self.seatBasedPricingEnabled = seatBasedPricingEnabled
        self.memberModelEnabled = memberModelEnabled
        self.seatInvitationEmailsEnabled = seatInvitationEmailsEnabled
        self.branding = branding
        self.createdAt = createdAt
        self.modifiedAt = modifiedAt
    }

    /// The name its customers see: the branding's display name, else its own.
    public var customerFacingName: String { branding.displayName ?? name }

    /// Every seat operation starts here: a merchant without the feature gets 403.
    public func requireSeatFeature() throws {
        guard seatBasedPricingEnabled else { throw TesseraError.featureNotEnabled }
    }

    /// Whether a new seat invitation is emailed: through the merchant API as the request asks
    /// (`send_invitation`), else as the organization's setting says. Through the portal always:
    /// only the merchant may take a claim link in hand, since only hashes are kept and a link
    /// neither emailed nor handed back would be lost.
    public func emailsSeatInvitation(asked: Bool?, byMerchant: Bool) -> Bool {
        guard byMerchant else { return true }
        return asked ?? seatInvitationEmailsEnabled
    }

    /// Applies an operator's change. Whether another organization has the new slug is the
    /// caller's check (it needs the store), made before this.
    public mutating func apply(_ update: OrganizationUpdate, at now: Date) {
        if let slug = update.slug { self.slug = slug }
        if let name = update.name { self.name = name }
        if let enabled = update.seatBasedPricingEnabled { seatBasedPricingEnabled = enabled }
        if let enabled = update.memberModelEnabled { memberModelEnabled = enabled }
        if let enabled = update.seatInvitationEmailsEnabled { seatInvitationEmailsEnabled = enabled }
        branding.apply(update.branding)
        modifiedAt = now
    }
}

/// An operator's change to an organization (PATCH): a nil field stays as it is.
public struct OrganizationUpdate: Sendable, Equatable {
    public var name: String?
    public var slug: String?
    public var seatBasedPricingEnabled: Bool?
    public var memberModelEnabled: Bool?
    public var seatInvitationEmailsEnabled: Bool?
    public var branding: BrandingUpdate

    public init(name: String? = nil, slug: String? = nil, seatBasedPricingEnabled: Bool? = nil,
                memberModelEnabled: Bool? = nil, seatInvitationEmailsEnabled: Bool? = nil,
                branding: BrandingUpdate = BrandingUpdate()) {
        self.name = name
        self.slug = slug
        self.seatBasedPricingEnabled = seatBasedPricingEnabled
        self.memberModelEnabled = memberModelEnabled
        self.seatInvitationEmailsEnabled = seatInvitationEmailsEnabled
        self.branding = branding
    }
}

/// Slugs appear in claim links: lower-case letters, digits and single dashes.
public enum OrganizationSlug {
    /// First path segments Tessera's own routes use: an organization with one of these slugs
    /// would have unreachable pages.
    public static let reserved: Set<String> = ["v1", "healthz", "dashboard"]

    /// What `isValid` checks, in words, for error messages.
    public static let rule = "a slug has 3 to 64 lower-case letters, digits and single dashes, and is not v1, healthz or dashboard"

    public static func isValid(_ slug: String) -> Bool {
        guard (3...64).contains(slug.count), !slug.hasPrefix("-"), !slug.hasSuffix("-"),
              !slug.contains("--"), !reserved.contains(slug) else { return false }
        return slug.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
    }
}

/// The billing customer (a company or a person) of an organization.
public struct Customer: Sendable, Equatable {
    public var id: UUID
    public var organizationId: UUID
    public var email: String
    public var name: String?
    public var externalId: String?
    public var metadata: [String: JSONValue]
    public var createdAt: Date
    public var modifiedAt: Date?

    public init(id: UUID, organizationId: UUID, email: String, name: String?, externalId: String?,
                metadata: [String: JSONValue], createdAt: Date, modifiedAt: Date?) {
        self.id = id
        self.organizationId = organizationId
        self.email = email
        self.name = name
        self.externalId = externalId
        self.metadata = metadata
        self.createdAt = createdAt
        self.modifiedAt = modifiedAt
    }

    /// Sets the external id. As in Polar, it can be set once and then never changed: setting
    /// the same value again is accepted, another value is a 422. It cannot be cleared either,
    /// which the non-optional parameter says (a PATCH with `null` leaves it as it is).
    public mutating func setExternalId(_ externalId: String) throws(ValidationFailure) {
        if let existing = self.externalId, existing != externalId {
            throw ValidationFailure([.valueError([.key("body"), .key("external_id")],
                                                 "external_id cannot be updated once set",
                                                 input: .string(externalId))])
        }
        self.externalId = externalId
    }

    /// Applies a merchant's change. Whether another customer of the organization has the new
    /// email or external id is the caller's check (it needs the store), made after this.
    public mutating func apply(_ update: CustomerUpdate, at now: Date) throws(ValidationFailure) {
        if let email = update.email { self.email = email }
        if let name = update.name { self.name = name }
        if let externalId = update.externalId { try setExternalId(externalId) }
        if let metadata = update.metadata { self.metadata = metadata }
        modifiedAt = now
    }
}

/// A merchant's change to a customer (PATCH): a nil field stays as it is.
public struct CustomerUpdate: Sendable, Equatable {
    public var email: String?
    /// `.some(nil)` clears the name (the field sent as `null`); nil leaves it.
    public var name: String??
    /// Set once, never changed or cleared (`Customer.setExternalId`).
    public var externalId: String?
    /// Replaces the metadata as a whole.
    public var metadata: [String: JSONValue]?

    public init(email: String? = nil, name: String?? = nil, externalId: String? = nil,
                metadata: [String: JSONValue]? = nil) {
        self.email = email
        self.name = name
        self.externalId = externalId
        self.metadata = metadata
    }
}

/// A person who belongs to a customer and may hold seats.
public struct Member: Sendable, Equatable {
    public enum Role: String, Sendable, CaseIterable {
        case owner
        case billingManager = "billing_manager"
        case member

        /// Owners and billing managers may hand out seats in the portal.
        public var managesSeats: Bool { self != .member }
    }

    public var id: UUID
    public var organizationId: UUID
    public var customerId: UUID
    public var email: String
    public var name: String?
    public var externalId: String?
    public var role: Role
    public var createdAt: Date
    public var modifiedAt: Date?

    public init(id: UUID, organizationId: UUID, customerId: UUID, email: String, name: String?,
                externalId: String?, role: Role, createdAt: Date, modifiedAt: Date?) {
        self.id = id
        self.organizationId = organizationId
        self.customerId = customerId
        self.email = email
        self.name = name
        self.externalId = externalId
        self.role = role
        self.createdAt = createdAt
        self.modifiedAt = modifiedAt
    }
}
