import Foundation
import Hummingbird
import TesseraCore
import TesseraStore

/// `/v1/license-keys` (scopes `license_keys:read`/`license_keys:write`), the portal's
/// `/v1/customer-portal/license-keys` for a signed-in customer, and the public
/// `/v1/customer-portal/license-keys/validate|activate|deactivate`, which a desktop app calls
/// with no token (limited per client address, as claims are).
struct LicenseKeyController {
    let database: TesseraDatabase
    let now: @Sendable () -> Date

    func register(merchant: MerchantRoutes, portal: Routes<PortalContext>, public publicRoutes: Routes<TesseraRequestContext>) {
        merchant.add(.get, "/license-keys", anyOf: .licenseKeysRead, use: list)
        merchant.add(.post, "/license-keys/validate", anyOf: .licenseKeysWrite, use: validate)
        merchant.add(.post, "/license-keys/activate", anyOf: .licenseKeysWrite, use: activate)
        merchant.add(.post, "/license-keys/deactivate", anyOf: .licenseKeysWrite, use: deactivate)
        merchant.add(.get, "/license-keys/:id", anyOf: .licenseKeysRead, use: get)
        merchant.add(.patch, "/license-keys/:id", anyOf: .licenseKeysWrite, use: update)
        merchant.add(.get, "/license-keys/:id/activations/:activation_id", anyOf: .licenseKeysRead, use: getActivation)
        portal.add(.get, "/customer-portal/license-keys", portalList)
        portal.add(.get, "/customer-portal/license-keys/:id", portalGet)
        publicRoutes.add(.post, "/customer-portal/license-keys/validate") { request, _ in
            let (validation, organizationId) = try await Self.validation(request)
            return try await validate(validation, organizationId: organizationId)
        }
        publicRoutes.add(.post, "/customer-portal/license-keys/activate") { request, _ in
            let (activation, organizationId) = try await Self.activation(request)
            return try await activate(activation, organizationId: organizationId)
        }
        publicRoutes.add(.post, "/customer-portal/license-keys/deactivate") { request, _ in
            let (deactivation, organizationId) = try await Self.deactivation(request)
            return try await deactivate(deactivation, organizationId: organizationId)
        }
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

    /// Polar's `LicenseKeyUpdate`: only the fields sent change; `null` removes a limit or the expiry.
    @Sendable func update(_ request: Request, context: MerchantContext) async throws -> Response {
        let id = try context.pathUUID("id")
        var body = try await BodyFields.read(request)
        let int32 = Int(Int32.max)
        let status = body.choice("status", LicenseKey.Status.self)
        let usage = body.int("usage", minimum: 0, maximum: int32)
        let limitActivations = body.int("limit_activations", minimum: 1, maximum: int32)
        let limitUsage = body.int("limit_usage", minimum: 1, maximum: int32)
        let expiresAt = body.date("expires_at")
        try body.validate()
        let update = LicenseKeyUpdate(
            status: status, usage: usage,
            limitActivations: body.has("limit_activations") ? .some(limitActivations) : nil,
            limitUsage: body.has("limit_usage") ? .some(limitUsage) : nil,
            expiresAt: body.has("expires_at") ? .some(expiresAt) : nil)
        return .json(Wire.licenseKey(try await operations.update(id: id, with: update, organizationId: context.organizationId)))
    }

    /// The signed-in customer's keys (a member's own, for a member session).
    @Sendable func portalList(_ request: Request, context: PortalContext) async throws -> Response {
        var query = QueryFields(request)
        let page = query.page()
        let benefitId = query.uuid("benefit_id")
        try query.validate()
        let result = try await operations.list(caller: context.caller, benefitId: benefitId, page: page)
        return .json(Wire.list(result, request: page, item: Wire.licenseKey))
    }

    @Sendable func portalGet(_ request: Request, context: PortalContext) async throws -> Response {
        let id = try context.pathUUID("id")
        return .json(Wire.licenseKeyWithActivations(try await operations.get(id: id, caller: context.caller)))
    }

    @Sendable func getActivation(_ request: Request, context: MerchantContext) async throws -> Response {
        let keyId = try context.pathUUID("id"), activationId = try context.pathUUID("activation_id")
        let (activation, key) = try await operations.activation(id: activationId, keyId: keyId,
                                                                organizationId: context.organizationId)
        return .json(Wire.activation(activation, of: key))
    }

    // With an organization token the body's `organization_id` must be the token's; with none
    // (the customer-portal routes) it says whose key it is.

    @Sendable func validate(_ request: Request, context: MerchantContext) async throws -> Response {
        let (validation, organizationId) = try await Self.validation(request)
        guard organizationId == context.organizationId else { throw TesseraError.notFound(.licenseKey) }
        return try await validate(validation, organizationId: organizationId)
    }

    @Sendable func activate(_ request: Request, context: MerchantContext) async throws -> Response {
        let (activation, organizationId) = try await Self.activation(request)
        guard organizationId == context.organizationId else { throw TesseraError.notFound(.licenseKey) }
        return try await activate(activation, organizationId: organizationId)
    }

    @Sendable func deactivate(_ request: Request, context: MerchantContext) async throws -> Response {
        let (deactivation, organizationId) = try await Self.deactivation(request)
        guard organizationId == context.organizationId else { throw TesseraError.notFound(.licenseKey) }
        return try await deactivate(deactivation, organizationId: organizationId)
    }

    private func validate(_ validation: LicenseKeyOperations.Validation, organizationId: UUID) async throws -> Response {
        let (key, activation) = try await operations.validate(validation, organizationId: organizationId)
        return .json(Wire.validatedLicenseKey(key, activation: activation))
    }

    private func activate(_ activation: Activation, organizationId: UUID) async throws -> Response {
        let (made, key) = try await operations.activate(key: activation.key, label: activation.label, meta: activation.meta,
                                                        conditions: activation.conditions, organizationId: organizationId)
        return .json(Wire.activation(made, of: key))
    }

    private func deactivate(_ deactivation: Deactivation, organizationId: UUID) async throws -> Response {
        try await operations.deactivate(key: deactivation.key, activationId: deactivation.activationId,
                                        organizationId: organizationId)
        return .noContent
    }

    /// Polar's `LicenseKeyActivate` body.
    struct Activation {
        var key: String
        var label: String
        var meta: [String: JSONValue]
        var conditions: [String: JSONValue]
    }

    static func activation(_ request: Request) async throws -> (Activation, UUID) {
        var body = try await BodyFields.read(request)
        let key = body.requiredString("key", maxLength: 256)
        let organizationId = body.requiredUUID("organization_id")
        let label = body.requiredString("label", maxLength: 256)
        let conditions = body.metadata("conditions")
        let meta = body.metadata("meta")
        try body.validate()
        guard let key, let organizationId, let label else { throw ValidationFailure([]) }
        return (Activation(key: key, label: label, meta: meta ?? [:], conditions: conditions ?? [:]), organizationId)
    }

    /// Polar's `LicenseKeyDeactivate` body.
    struct Deactivation {
        var key: String
        var activationId: UUID
    }

    static func deactivation(_ request: Request) async throws -> (Deactivation, UUID) {
        var body = try await BodyFields.read(request)
        let key = body.requiredString("key", maxLength: 256)
        let organizationId = body.requiredUUID("organization_id")
        let activationId = body.requiredUUID("activation_id")
        try body.validate()
        guard let key, let organizationId, let activationId else { throw ValidationFailure([]) }
        return (Deactivation(key: key, activationId: activationId), organizationId)
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
        let conditions = body.metadata("conditions")
        try body.validate()
        guard let key, let organizationId else { throw ValidationFailure([]) }
        return (LicenseKeyOperations.Validation(key: key, activationId: activationId, benefitId: benefitId,
                                                customerId: customerId, incrementUsage: increment ?? 0,
                                                conditions: conditions ?? [:]), organizationId)
    }
}
