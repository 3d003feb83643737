import Foundation
import TesseraCore
import TesseraStore

extension Wire {
    /// Polar's `CustomerSession`: the answer of `POST /v1/customer-sessions`, the one place the
    /// session token is shown.
    static func customerSession(_ session: AccessToken, token: SecretToken, customer: Customer,
                                organization: Organization, publicURL: String, returnURL: String?) -> JSONValue {
        .object([
            "id": JSONValue(session.id),
            "created_at": JSONValue(session.createdAt),
            "modified_at": .null,
            "token": .string(token.value),
            "expires_at": JSONValue(session.expiresAt),
            "return_url": JSONValue(returnURL),
            "customer_portal_url": .string(portalURL(publicURL: publicURL, slug: organization.slug, token: token)),
            "customer_id": JSONValue(customer.id),
            "customer": Wire.customer(customer),
        ])
    }

    /// `{public_url}/{slug}/portal?customer_session_token=…`: the link that signs into the portal page.
    static func portalURL(publicURL: String, slug: String, token: SecretToken) -> String {
        "\(publicURL)/\(slug)/portal?customer_session_token=\(token.value)"
    }
}
