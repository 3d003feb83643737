import Foundation
import TesseraCore
import TesseraStore

extension Wire {
    static func organization(_ organization: Organization) -> JSONValue {
        .object([
            "id": JSONValue(organization.id),
            "created_at": JSONValue(organization.createdAt),
            "modified_at": JSONValue(organization.modifiedAt),
            "name": .string(organization.name),
            "slug": .string(organization.slug),
            "avatar_url": JSONValue(organization.branding.logoURL),
            "email": .null,
            "website": .null,
            "socials": [],
            "status": "active",
            "feature_settings": .object([
                "seat_based_pricing_enabled": JSONValue(organization.seatBasedPricingEnabled),
                "member_model_enabled": JSONValue(organization.memberModelEnabled),
                // Tessera's own setting; Polar's SDKs ignore a field they do not know.
                "seat_invitation_emails_enabled": JSONValue(organization.seatInvitationEmailsEnabled),
            ]),
            // Tessera's own: how the claim page, the portal and invitation emails show it.
            "branding": branding(organization.branding),
        ])
    }

    static func branding(_ branding: Branding) -> JSONValue {
        [
            "display_name": JSONValue(branding.displayName),
            "logo_url": JSONValue(branding.logoURL),
            "accent_color": JSONValue(branding.accentColor),
        ]
    }

    static func accessToken(_ token: AccessToken) -> JSONValue {
        .object([
            "id": JSONValue(token.id),
            "created_at": JSONValue(token.createdAt),
            "modified_at": JSONValue(token.modifiedAt),
            "organization_id": JSONValue(token.organizationId),
            "comment": .string(token.comment),
            "scopes": .array(token.scopes.map(JSONValue.string)),
            "expires_at": JSONValue(token.expiresAt),
            "last_used_at": JSONValue(token.lastUsedAt),
        ])
    }

    /// The answer to creating an organization access token: the token, and its secret value,
    /// shown this once.
    static func organizationAccessTokenCreated(_ token: AccessToken, secret: SecretToken) -> JSONValue {
        ["organization_access_token": accessToken(token), "token": .string(secret.value)]
    }

    /// Polar's `CustomerOrganization`: the merchant as its customers see it.
    static func customerOrganization(_ organization: Organization) -> JSONValue {
        [
            "id": JSONValue(organization.id),
            "created_at": JSONValue(organization.createdAt),
            "modified_at": JSONValue(organization.modifiedAt),
            // The name and logo its branding gives customers, when it has one.
            "name": .string(organization.customerFacingName),
            "slug": .string(organization.slug),
            "avatar_url": JSONValue(organization.branding.logoURL),
            "proration_behavior": "prorate",
            // The portal lets a customer change their seat count, nothing else of the plan.
            "allow_customer_updates": true,
            "customer_portal_settings": [
                "usage": ["show": false],
                "subscription": ["update_seats": true, "update_plan": false],
            ],
            "organization_features": ["member_model_enabled": JSONValue(organization.memberModelEnabled)],
        ]
    }
}
