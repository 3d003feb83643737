import Foundation
import TesseraCore

/// The invitation sent when a seat is assigned or its invitation resent.
struct InvitationEmail {
    /// The name the organization's customers see (its branding's display name, if any).
    var organizationName: String
    var organizationSlug: String
    /// The logo and accent colour of the HTML part, when the organization has them.
    var branding = Branding()
    var productName: String
    var inviterEmail: String
    var recipientEmail: String
    var token: SecretToken
    var publicURL: String

    var claimLink: String { Self.claimLink(publicURL: publicURL, organizationSlug: organizationSlug, token: token) }

    /// `{public_url}/{organization slug}/portal/claim?token={token}`: the claim page's link.
    static func claimLink(publicURL: String, organizationSlug: String, token: SecretToken) -> String {
        let slug = organizationSlug.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? organizationSlug
        return "\(publicURL)/\(slug)/portal/claim?token=\(token.value)"
    }

    var message: MailMessage {
        let subject = "You've been invited to access \(Self.singleLine(productName))"
        let text = """
            Hello,

            \(inviterEmail) has given you a seat for \(productName) from \(organizationName).

            Claim your seat here:
            \(claimLink)

            This link expires in 24 hours and can be used once. If it has expired, ask \(inviterEmail) to send a new invitation.
            """
        // Checked by `Branding`: an https URL (escaped here like any text) and a #rrggbb colour.
        let logo = branding.logoURL.map { "<p><img src=\"\(HTMLText.escape($0))\" alt=\"\(HTMLText.escape(organizationName))\" height=\"40\"></p>\n" } ?? ""
        let buttonStyle = if let accent = branding.accentColor, let ink = branding.accentInk {
            " style=\"display: inline-block; padding: 0.6em 1.2em; border-radius: 6px; background: \(accent); color: \(ink); text-decoration: none;\""
        } else { "" }
        let html = """
            <!DOCTYPE html>
            <html><body style="font-family: sans-serif; line-height: 1.5;">
            <p>Hello,</p>
            <p>\(HTMLText.escape(inviterEmail)) has given you a seat for <strong>\(HTMLText.escape(productName))</strong> from \(HTMLText.escape(organizationName)).</p>
            \(logo)<p><a href="\(HTMLText.escape(claimLink))"\(buttonStyle)>Claim your seat</a></p>
            <p>Or copy this link into your browser:<br>\(HTMLText.escape(claimLink))</p>
            <p>This link expires in 24 hours and can be used once. If it has expired, ask \(HTMLText.escape(inviterEmail)) to send a new invitation.</p>
            </body></html>
            """
        return MailMessage(to: recipientEmail, subject: subject, text: text, html: html)
    }

    /// Names go into the subject header: control characters become spaces.
    static func singleLine(_ text: String) -> String {
        String(text.unicodeScalars.map { $0.properties.generalCategory == .control ? " " : Character($0) })
    }
}
