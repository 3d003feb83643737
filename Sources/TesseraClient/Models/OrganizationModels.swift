import Foundation

/// A merchant: the owner of products, customers and seat pools.
public struct Organization: Codable, Sendable, Hashable, Identifiable {
    public var id: String
    public var createdAt: Date
    public var modifiedAt: Date?
    public var name: String
    /// Used in claim links: `{public_url}/{slug}/portal/claim?token=…`.
    public var slug: String
    public var featureSettings: OrganizationFeatureSettings?
    /// Tessera: what its claim page, portal and invitation emails show instead of Tessera's mark.
    public var branding: OrganizationBranding?

    enum CodingKeys: String, CodingKey {
        case id
        case createdAt = "created_at"
        case modifiedAt = "modified_at"
        case name, slug
        case featureSettings = "feature_settings"
        case branding
    }
}

/// Tessera's branding of an organization, each part unset (nil) until the operator sets it.
public struct OrganizationBranding: Codable, Sendable, Hashable {
    /// The name customers see instead of the organization's `name`.
    public var displayName: String?
    /// An https URL of the logo, shown as given.
    public var logoURL: String?
    /// `#rrggbb`, in lower case.
    public var accentColor: String?

    enum CodingKeys: String, CodingKey {
        case displayName = "display_name"
        case logoURL = "logo_url"
        case accentColor = "accent_color"
    }

    public init(displayName: String? = nil, logoURL: String? = nil, accentColor: String? = nil) {
        self.displayName = displayName
        self.logoURL = logoURL
        self.accentColor = accentColor
    }
}

/// A change to an organization's branding: parts left nil are not sent (and stay as they
/// are); `.remove` clears one. The server refuses (422) a colour other than `#rrggbb`, a logo
/// that is not an https URL, and a display name over 100 characters.
public struct OrganizationBrandingChange: Encodable, Sendable, Hashable {
    public var displayName: FieldChange<String>?
    public var logoURL: FieldChange<String>?
    public var accentColor: FieldChange<String>?

    public init(displayName: FieldChange<String>? = nil, logoURL: FieldChange<String>? = nil,
                accentColor: FieldChange<String>? = nil) {
        self.displayName = displayName
        self.logoURL = logoURL
        self.accentColor = accentColor
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: OrganizationBranding.CodingKeys.self)
        try container.encode(displayName, forKey: .displayName)
        try container.encode(logoURL, forKey: .logoURL)
        try container.encode(accentColor, forKey: .accentColor)
    }
}

/// The organization settings that change how seats work. In a request, nil leaves a
/// setting as it is.
public struct OrganizationFeatureSettings: Codable, Sendable, Hashable {
    /// Whether seat-based products can be sold (Tessera's default: on).
    public var seatBasedPricingEnabled: Bool?
    /// Whether seat holders are members of the billing customer (default: off, Polar's legacy mode).
    public var memberModelEnabled: Bool?
    /// Tessera: whether seat invitations are emailed by default (default: on). Off, the merchant
    /// API hands each invitation's link back instead, unless a call sets `sendInvitation: true`.
    public var seatInvitationEmailsEnabled: Bool?

    enum CodingKeys: String, CodingKey {
        case seatBasedPricingEnabled = "seat_based_pricing_enabled"
        case memberModelEnabled = "member_model_enabled"
        case seatInvitationEmailsEnabled = "seat_invitation_emails_enabled"
    }

    /// Creates the value; optional fields left nil are not sent.
    public init(seatBasedPricingEnabled: Bool? = nil, memberModelEnabled: Bool? = nil,
                seatInvitationEmailsEnabled: Bool? = nil) {
        self.seatBasedPricingEnabled = seatBasedPricingEnabled
        self.memberModelEnabled = memberModelEnabled
        self.seatInvitationEmailsEnabled = seatInvitationEmailsEnabled
    }
}

/// The body of ``Organizations/create(_:idempotencyKey:retries:)``.
public struct OrganizationCreate: Encodable, Sendable, Hashable {
    public var name: String
    /// 3 to 64 lower-case letters, digits and single dashes; unique on the server.
    public var slug: String
    public var featureSettings: OrganizationFeatureSettings?
    public var branding: OrganizationBrandingChange?

    enum CodingKeys: String, CodingKey {
        case name, slug
        case featureSettings = "feature_settings"
        case branding
    }

    /// Creates the value; optional fields left nil are not sent.
    public init(name: String, slug: String, featureSettings: OrganizationFeatureSettings? = nil,
                branding: OrganizationBrandingChange? = nil) {
        self.name = name
        self.slug = slug
        self.featureSettings = featureSettings
        self.branding = branding
    }
}

/// The body of ``Organizations/update(id:_:retries:)``: only the fields that are set change.
public struct OrganizationUpdate: Encodable, Sendable, Hashable {
    public var name: String?
    public var slug: String?
    public var featureSettings: OrganizationFeatureSettings?
    public var branding: OrganizationBrandingChange?

    enum CodingKeys: String, CodingKey {
        case name, slug
        case featureSettings = "feature_settings"
        case branding
    }

    /// Creates the value; optional fields left nil are not sent.
    public init(name: String? = nil, slug: String? = nil, featureSettings: OrganizationFeatureSettings? = nil,
                branding: OrganizationBrandingChange? = nil) {
        self.name = name
        self.slug = slug
        self.featureSettings = featureSettings
        self.branding = branding
    }
}

/// An organization access token's record (its secret value is shown only once, at creation).
public struct OrganizationAccessToken: Codable, Sendable, Hashable, Identifiable {
    public var id: String
    public var createdAt: Date
    public var modifiedAt: Date?
    public var organizationId: String
    public var comment: String
    public var scopes: [AccessTokenScope]
    public var expiresAt: Date?
    public var lastUsedAt: Date?

    enum CodingKeys: String, CodingKey {
        case id
        case createdAt = "created_at"
        case modifiedAt = "modified_at"
        case organizationId = "organization_id"
        case comment, scopes
        case expiresAt = "expires_at"
        case lastUsedAt = "last_used_at"
    }
}

/// The body of ``OrganizationAccessTokens/create(_:idempotencyKey:retries:)`` (Tessera's operator API).
public struct OrganizationAccessTokenCreate: Codable, Sendable, Hashable {
    public var organizationId: String
    /// What the token is for, for people reading the list later.
    public var comment: String
    public var scopes: [AccessTokenScope]
    /// Lifetime in seconds; nil for a token that does not expire.
    public var expiresIn: Int?

    enum CodingKeys: String, CodingKey {
        case organizationId = "organization_id"
        case comment, scopes
        case expiresIn = "expires_in"
    }

    /// Creates the value; optional fields left nil are not sent.
    public init(organizationId: String, comment: String, scopes: [AccessTokenScope], expiresIn: Int? = nil) {
        self.organizationId = organizationId
        self.comment = comment
        self.scopes = scopes
        self.expiresIn = expiresIn
    }
}

/// A new token: its record and, once only, its secret value.
public struct OrganizationAccessTokenCreateResponse: Codable, Sendable, Hashable {
    public var organizationAccessToken: OrganizationAccessToken
    /// The bearer token (`tsr_oat_…`). Not retrievable later: keep it.
    public var token: String

    enum CodingKeys: String, CodingKey {
        case organizationAccessToken = "organization_access_token"
        case token
    }
}
