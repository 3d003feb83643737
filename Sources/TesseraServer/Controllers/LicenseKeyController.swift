import Foundation
import Hummingbird
import TesseraCore
import TesseraStore

/// `/v1/license-keys` (scopes `license_keys:read`/`license_keys:write`) and the public
/// `/v1/customer-portal/license-keys/validate`, which a desktop app calls with no token
/// (limited per client address, as claims are).
struct LicenseKeyController {
    let database: TesseraDatabase
    let now: @Sendable () -> Date

    func register(merchant: MerchantRoutes, public publicRoutes: Routes<TesseraRequestContext>) {
        merchant.add(.get, "/license-keys", anyOf: .licenseKeysRead, use: list)
        merchant.add(.post, "/license-keys/validate", anyOf: .licenseKeysWrite, use: validate)
        merchant.add(.get, "/license-keys/:id", anyOf: .licenseKeysRead, use: get)
        publicRoutes.add(.post, "/customer-portal/license-keys/validate", validatePublicly)
    }

    var operations: LicenseKeyOperations { LicenseKeyOperations(database: database, now: now) }

    @Sendable func list(_ request: Request, context: MerchantContext) async throws -> Response {
        var query = QueryFields(request)
        let page = query.page()
        let benefitId = query.uuid("benefit_id")
        let status = query.choice("status", LicenseKey.Status.self)
        try query.validate()
        let result = try await operations.list(organizationId: context.organizationId, benefitId: benefitId,
                                               status: status, page: page)
        return .json(Wire.list(result, request: page, item: Wire.licenseKey))
    }

    @Sendable func get(_ request: Request, context: MerchantContext) async throws -> Response {
        let id = try context.pathUUID("id")
        return .json(Wire.licenseKeyWithActivations(try await operations.get(id: id, organizationId: context.organizationId)))
    }

    /// With an organization token: the body's `organization_id` must be the token's.
    @Sendable func validate(_ request: Request, context: MerchantContext) async throws -> Response {
        let (validation, organizationId) = try await Self.validation(request)
        guard organizationId == context.organizationId else { throw TesseraError.notFound(.licenseKey) }
        return .json(Wire.validatedLicenseKey(try await operations.validate(validation, organizationId: organizationId)))
    }

    /// With no token: the body's `organization_id` says whose key it is.
    @Sendable func validatePublicly(_ request: Request, context: TesseraRequestContext) async throws -> Response {
        let (validation, organizationId) = try await Self.validation(request)
        return .json(Wire.validatedLicenseKey(try await operations.validate(validation, organizationId: organizationId)))
    }

    /// Polar's `LicenseKeyValidate` body.
    static func validation(_ request: Request) async throws -> (LicenseKeyOperations.Validation, UUID) {
        var body = try await BodyFields.read(request)
        let key = body.requiredString("key", maxLength: 256)
        let organizationId = body.requiredUUID("organization_id")
        let activationId = body.uuid("activation_id")
        let benefitId = body.uuid("benefit_id")
        let customerId = body.uuid("customer_id")
        let increment = body.int("increment_usage", minimum: 0, maximum: Int(Int32.max))
        _ = body.object("conditions")
        try body.validate()
        guard let key, let organizationId else { throw ValidationFailure([]) }
        return (LicenseKeyOperations.Validation(key: key, activationId: activationId, benefitId: benefitId,
                                                customerId: customerId, incrementUsage: increment ?? 0), organizationId)
    }
}
