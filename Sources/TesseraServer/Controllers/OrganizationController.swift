import Foundation
import Hummingbird
import TesseraCore
import TesseraStore

/// Operator routes: organizations and their access tokens.
struct OrganizationController {
    let database: TesseraDatabase
    let now: @Sendable () -> Date

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
        let features = Self.featureSettings(&body)
        let seats = features.seatBasedPricing ?? true
        let members = features.memberModel ?? false
        if let slug, !OrganizationSlug.isValid(slug) {
            body.invalid("slug", "value_error",
                         "Value error, \(OrganizationSlug.rule)")
        }
        try body.validate()
        let organization = Organization(
            id: UUID(), name: name ?? "", slug: slug ?? "", seatBasedPricingEnabled: seats,
            memberModelEnabled: members, createdAt: now(), modifiedAt: nil)
        try await database.transaction { tx in
            if try await tx.organizations.slugExists(organization.slug) {
                throw TesseraError.slugTaken(organization.slug)
            }
            try await tx.organizations.insert(organization)
        }
        return .json(Wire.organization(organization), status: .created)
    }

    /// `feature_settings`: each flag a boolean, or absent/null for "unchanged" (422 otherwise).
    private static func featureSettings(_ body: inout BodyFields) -> (seatBasedPricing: Bool?, memberModel: Bool?) {
        guard var features = body.nested("feature_settings") else { return (nil, nil) }
        let settings = (features.bool("seat_based_pricing_enabled", nullable: false),
                        features.bool("member_model_enabled", nullable: false))
        body.merge(features)
        return settings
    }

    @Sendable func get(_ request: Request, context: OperatorContext) async throws -> Response {
        let id = try context.pathUUID("id")
        let organization = try await database.withConnection { try await $0.organizations.require(id: id) }
        return .json(Wire.organization(organization))
    }

    @Sendable func update(_ request: Request, context: OperatorContext) async throws -> Response {
        let id = try context.pathUUID("id")
        var body = try await BodyFields.read(request)
        let name = body.string("name", maxLength: 200)
        let slug = body.string("slug", maxLength: 64)
        let features = Self.featureSettings(&body)
        if let slug, !OrganizationSlug.isValid(slug) {
            body.invalid("slug", "value_error",
                         "Value error, \(OrganizationSlug.rule)")
        }
        try body.validate()
        let now = now()
        let organization = try await database.transaction { tx in
            var organization = try await tx.organizations.require(id: id)
            if let slug, slug != organization.slug {
                if try await tx.organizations.slugExists(slug, except: id) {
                    throw TesseraError.slugTaken(slug)
                }
                organization.slug = slug
            }
            if let name { organization.name = name }
            if let enabled = features.seatBasedPricing { organization.seatBasedPricingEnabled = enabled }
            if let enabled = features.memberModel { organization.memberModelEnabled = enabled }
            organization.modifiedAt = now
            try await tx.organizations.update(organization)
            return organization
        }
        return .json(Wire.organization(organization))
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
                if !scopes.contains(scope) { scopes.append(scope) }
            }
        } else if !body.has("scopes") {
            body.missing("scopes")
        }
        try body.validate()
        let now = now()
        let secret = SecretToken.generate(.organizationAccess)
        let token = AccessToken(
            id: UUID(), kind: .organization, organizationId: organizationId, customerId: nil, memberId: nil,
            comment: comment ?? "", scopes: scopes.map(\.rawValue),
            expiresAt: expiresIn.map { now.addingTimeInterval(TimeInterval($0)) }, lastUsedAt: nil, createdAt: now,
            modifiedAt: nil)
        try await database.transaction { tx in
            _ = try await tx.organizations.require(id: organizationId ?? UUID())
            try await tx.accessTokens.insert(token, hash: secret.hash)
        }
        return .json(["organization_access_token": Wire.accessToken(token), "token": .string(secret.value)],
                     status: .created)
    }

    @Sendable func deleteToken(_ request: Request, context: OperatorContext) async throws -> Response {
        let id = try context.pathUUID("id")
        try await database.transaction { tx in
            guard try await tx.accessTokens.find(id: id, kind: .organization) != nil else {
                throw TesseraError.notFound(.accessToken)
            }
            try await tx.accessTokens.delete(id: id)
        }
        return .noContent
    }
}
