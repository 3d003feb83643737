import Foundation
import Hummingbird
import TesseraCore
import TesseraStore

/// Operator routes: organizations and their access tokens.
struct OrganizationController {
    /// Organizations and their tokens (deleting one also tells authentication).
    let operations: OrganizationOperations

    func register(on operatorRoutes: Routes<OperatorContext>) {
        operatorRoutes.add(.post, "/organizations", create)
        operatorRoutes.add(.get, "/organizations/:id", get)
        operatorRoutes.add(.patch, "/organizations/:id", update)
        operatorRoutes.add(.post, "/organization-access-tokens", createToken)
        operatorRoutes.add(.delete, "/organization-access-tokens/:id", deleteToken)
    }

    @Sendable func create(_ request: Request, context: OperatorContext) async throws -> Response {
        var body = try await BodyFields.read(request)
        let name = body.requiredString("name", maxLength: 200)
        let slug = body.requiredString("slug", maxLength: 64)
        var features = Self.featureSettings(&body)
        features.branding = Self.branding(&body)
        Self.checkSlug(slug, in: &body)
        try body.validate()
        let organization = try await operations.create(name: name ?? "", slug: slug ?? "", features: features)
        return .json(Wire.organization(organization), status: .created)
    }

    /// `feature_settings`: each flag a boolean, or absent/null for "unchanged" (422 otherwise),
    /// read into an update that sets only them.
    private static func featureSettings(_ body: inout BodyFields) -> OrganizationUpdate {
        guard var features = body.nested("feature_settings") else { return OrganizationUpdate() }
        let settings = OrganizationUpdate(
            seatBasedPricingEnabled: features.bool("seat_based_pricing_enabled", nullable: false),
            memberModelEnabled: features.bool("member_model_enabled", nullable: false),
            seatInvitationEmailsEnabled: features.bool("seat_invitation_emails_enabled", nullable: false))
        body.merge(features)
        return settings
    }

    /// Tessera's `branding`: `display_name`, `logo_url` and `accent_color`, each a string that
    /// keeps `Branding`'s rule (422 otherwise), null to clear it, or absent to leave it.
    private static func branding(_ body: inout BodyFields) -> BrandingUpdate {
        guard var fields = body.nested("branding") else { return BrandingUpdate() }
        func read(_ field: Branding.Field) -> String?? {
            guard fields.has(field.rawValue) else { return nil }
            guard let text = fields.string(field.rawValue, maxLength: field.maximumLength) else { return .some(nil) }
            guard let value = field.accepted(text) else {
                fields.invalid(field.rawValue, "value_error", "Value error, \(field.rule)")
                return nil
            }
            return .some(value)
        }
        let update = BrandingUpdate(displayName: read(.displayName), logoURL: read(.logoURL),
                                    accentColor: read(.accentColor))
        body.merge(fields)
        return update
    }

    /// A given slug must keep `OrganizationSlug`'s rule (422 otherwise).
    private static func checkSlug(_ slug: String?, in body: inout BodyFields) {
        if let slug, !OrganizationSlug.isValid(slug) {
            body.invalid("slug", "value_error", "Value error, \(OrganizationSlug.rule)")
        }
    }

    @Sendable func get(_ request: Request, context: OperatorContext) async throws -> Response {
        let id = try context.pathUUID("id")
        return .json(Wire.organization(try await operations.get(id: id)))
    }

    @Sendable func update(_ request: Request, context: OperatorContext) async throws -> Response {
        let id = try context.pathUUID("id")
        var body = try await BodyFields.read(request)
        let name = body.string("name", maxLength: 200)
        let slug = body.string("slug", maxLength: 64)
        var features = Self.featureSettings(&body)
        features.branding = Self.branding(&body)
        Self.checkSlug(slug, in: &body)
        try body.validate()
        var update = features
        update.name = name
        update.slug = slug
        return .json(Wire.organization(try await operations.update(id: id, with: update)))
    }

    @Sendable func createToken(_ request: Request, context: OperatorContext) async throws -> Response {
        var body = try await BodyFields.read(request)
        let organizationId = body.requiredUUID("organization_id")
        let comment = body.requiredString("comment", minLength: 0, maxLength: 500)
        let expiresIn = body.int("expires_in", minimum: 1, maximum: SecretLifetime.maximumAccessTokenSeconds)
        var scopes: [Scope] = []
        if let items = body.array("scopes") {
            for item in items {
                guard let scope = item.stringValue.flatMap(Scope.init(rawValue:)) else {
                    body.invalid("scopes", "enum", "Unknown scope \(item.serialized())")
                    continue
                }
                scopes.append(scope)
            }
        } else if !body.has("scopes") {
            body.missing("scopes")
        }
        try body.validate()
        // Both are present once the body is valid.
        let (token, secret) = try await operations.createToken(
            organizationId: organizationId ?? UUID.timeOrdered(), comment: comment ?? "", scopes: scopes, expiresIn: expiresIn)
        return .json(Wire.organizationAccessTokenCreated(token, secret: secret), status: .created)
    }

    @Sendable func deleteToken(_ request: Request, context: OperatorContext) async throws -> Response {
        let id = try context.pathUUID("id")
        try await operations.deleteToken(id: id)
        return .noContent
    }
}
