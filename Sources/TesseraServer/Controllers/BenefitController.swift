import Foundation
import Hummingbird
import TesseraCore
import TesseraStore

/// `/v1/benefits` and `/v1/products/{id}/benefits`: what a product grants to the holders of
/// its seats, in Polar's shapes for the `custom`, `feature_flag` and `license_keys` types.
struct BenefitController {
    let database: TesseraDatabase
    let now: @Sendable () -> Date

    func register(on merchant: MerchantRoutes) {
        merchant.add(.post, "/benefits", anyOf: .benefitsWrite, use: create)
        merchant.add(.get, "/benefits", anyOf: .benefitsRead, use: list)
        merchant.add(.get, "/benefits/:id", anyOf: .benefitsRead, use: get)
        merchant.add(.patch, "/benefits/:id", anyOf: .benefitsWrite, use: update)
        merchant.add(.delete, "/benefits/:id", anyOf: .benefitsWrite, use: delete)
        merchant.add(.get, "/benefits/:id/grants", anyOf: .benefitsRead, use: benefitGrants)
        merchant.add(.get, "/benefit-grants", anyOf: .benefitsRead, use: grants)
        merchant.add(.post, "/products/:id/benefits", anyOf: .productsWrite, use: setProductBenefits)
    }

    var operations: BenefitOperations { BenefitOperations(database: database, now: now) }

    @Sendable func create(_ request: Request, context: MerchantContext) async throws -> Response {
        var body = try await BodyFields.read(request)
        let kind = try Self.kind(&body)
        let description = body.requiredString("description", minLength: Benefit.descriptionLength.lowerBound,
                                              maxLength: Benefit.descriptionLength.upperBound)
        let visibility = body.choice("visibility", Benefit.Visibility.self)
        let metadata = body.metadata()
        let properties = Self.properties(of: kind, in: &body, required: true)
        try body.validate()
        guard let description, let properties else { throw ValidationFailure([]) }
        let benefit = try await operations.create(
            description: description, visibility: visibility ?? .public, properties: properties,
            metadata: metadata ?? [:], organizationId: context.organizationId)
        return .json(Wire.benefit(benefit), status: .created)
    }

    @Sendable func list(_ request: Request, context: MerchantContext) async throws -> Response {
        var query = QueryFields(request)
        let page = query.page()
        let kind = query.choice("type", Benefit.Kind.self)
        try query.validate()
        let result = try await operations.list(organizationId: context.organizationId, kind: kind,
                                               text: query.string("query"), page: page)
        return .json(Wire.list(result, request: page, item: Wire.benefit))
    }

    @Sendable func get(_ request: Request, context: MerchantContext) async throws -> Response {
        let id = try context.pathUUID("id")
        return .json(Wire.benefit(try await operations.get(id: id, organizationId: context.organizationId)))
    }

    @Sendable func update(_ request: Request, context: MerchantContext) async throws -> Response {
        let id = try context.pathUUID("id")
        var body = try await BodyFields.read(request)
        let kind = try Self.kind(&body)
        let description = body.string("description", maxLength: Benefit.descriptionLength.upperBound)
        if let description, TextRules.length(of: description) < Benefit.descriptionLength.lowerBound {
            body.invalid("description", "string_too_short",
                         "String should have at least \(Benefit.descriptionLength.lowerBound) characters")
        }
        let visibility = body.choice("visibility", Benefit.Visibility.self)
        let metadata = body.metadata()
        let properties = Self.properties(of: kind, in: &body, required: false)
        try body.validate()
        let update = BenefitUpdate(description: description, visibility: visibility, properties: properties,
                                   metadata: metadata)
        return .json(Wire.benefit(try await operations.update(id: id, organizationId: context.organizationId,
                                                              kind: kind, with: update)))
    }

    /// `GET /v1/benefit-grants/`: the organization's grants, by customer and state.
    @Sendable func grants(_ request: Request, context: MerchantContext) async throws -> Response {
        var query = QueryFields(request)
        let page = query.page()
        let filter = BenefitOperations.GrantFilter(
            customerId: query.uuid("customer_id"), externalCustomerId: query.string("external_customer_id"),
            isGranted: query.bool("is_granted"))
        try query.validate()
        let result = try await operations.grants(organizationId: context.organizationId, filter: filter, page: page)
        return .json(Wire.list(result, request: page, item: Wire.benefitGrant))
    }

    /// `GET /v1/benefits/{id}/grants`: one benefit's grants, by customer, member and state.
    @Sendable func benefitGrants(_ request: Request, context: MerchantContext) async throws -> Response {
        let id = try context.pathUUID("id")
        var query = QueryFields(request)
        let page = query.page()
        let filter = BenefitOperations.GrantFilter(
            benefitId: id, customerId: query.uuid("customer_id"), memberId: query.uuid("member_id"),
            isGranted: query.bool("is_granted"))
        try query.validate()
        let result = try await operations.grants(organizationId: context.organizationId, filter: filter, page: page)
        return .json(Wire.list(result, request: page, item: Wire.benefitGrant))
    }

    /// Deletes the benefit: it leaves every product, and no lookup finds it again.
    @Sendable func delete(_ request: Request, context: MerchantContext) async throws -> Response {
        let id = try context.pathUUID("id")
        try await operations.delete(id: id, organizationId: context.organizationId)
        return .noContent
    }

    /// `POST /v1/products/{id}/benefits` with `{"benefits": [ids]}`: the product's benefits,
    /// replaced as a whole, in the order given.
    @Sendable func setProductBenefits(_ request: Request, context: MerchantContext) async throws -> Response {
        let id = try context.pathUUID("id")
        var body = try await BodyFields.read(request)
        var benefitIds: [UUID] = []
        if let items = body.array("benefits") {
            for (index, item) in items.enumerated() {
                guard let id = item.stringValue.flatMap(UUID.init(wire:)) else {
                    body.appendIssue(ValidationIssue(type: "uuid_parsing", loc: [.key("body"), .key("benefits"), .index(index)],
                                                     msg: "Input should be a valid UUID", input: item))
                    continue
                }
                benefitIds.append(id)
            }
        } else {
            body.missing("benefits")
        }
        try body.validate()
        let product = try await operations.setBenefits(benefitIds, ofProduct: id, organizationId: context.organizationId)
        return .json(Wire.product(product))
    }

    /// The `type` that picks the body's shape, as Polar's tagged union reads it: a missing or
    /// unknown tag fails the whole body; Polar's types that Tessera lacks are refused by name.
    static func kind(_ body: inout BodyFields) throws(ValidationFailure) -> Benefit.Kind {
        guard case .string(let tag) = body.whole.objectValue?["type"] ?? .null else {
            throw ValidationFailure([ValidationIssue(
                type: "union_tag_not_found", loc: [.key("body")],
                msg: "Unable to extract tag using discriminator 'type'", input: body.whole)])
        }
        if let kind = Benefit.Kind(rawValue: tag) { return kind }
        // A NUL in the tag is refused on the field itself, as in every other field.
        if TextRules.containsNUL(tag) { try body.validate() }
        if Benefit.Kind.unsupportedPolarTypes.contains(tag) {
            throw ValidationFailure([.valueError(
                [.key("body"), .key("type")],
                "Tessera does not support \(tag) benefits; it supports \(supportedTypes).", input: .string(tag))])
        }
        let expected = (Benefit.Kind.allCases.map(\.rawValue) + Benefit.Kind.unsupportedPolarTypes).map { "'\($0)'" }
        throw ValidationFailure([ValidationIssue(
            type: "union_tag_invalid", loc: [.key("body")],
            msg: "Input tag '\(tag)' found using 'type' does not match any of the expected tags: \(expected.joined(separator: ", "))",
            input: body.whole)])
    }

    private static var supportedTypes: String { Benefit.Kind.allCases.map(\.rawValue).joined(separator: ", ") }

    /// The `properties` of a benefit of `kind`, each problem reported where it is.
    static func properties(of kind: Benefit.Kind, in body: inout BodyFields, required: Bool) -> Benefit.Properties? {
        guard body.has("properties"), body.whole.objectValue?["properties"] != .null else {
            if required { body.missing("properties") }
            return nil
        }
        guard var fields = body.nested("properties") else { return nil }  // not an object: reported
        defer { body.merge(fields) }
        switch kind {
        case .custom:
            return .custom(note: fields.string("note"))
        case .featureFlag:
            return .featureFlag
        case .licenseKeys:
            let prefix = fields.string("prefix", maxLength: 64)
            var expires: LicenseKeyRules.Expiry?
            if var expiry = fields.nested("expires") {
                let ttl = expiry.requiredInt("ttl", minimum: 1, maximum: Int(Int32.max))
                let timeframe = expiry.requiredChoice("timeframe", LicenseKeyRules.Expiry.Timeframe.self)
                if let ttl, let timeframe { expires = .init(ttl: ttl, timeframe: timeframe) }
                fields.merge(expiry)
            }
            var activations: LicenseKeyRules.Activations?
            if var activation = fields.nested("activations") {
                let limit = activation.requiredInt("limit", minimum: 1, maximum: Int(Int32.max))
                let admin = activation.has("enable_customer_admin") ? activation.bool("enable_customer_admin", nullable: false) : nil
                if !activation.has("enable_customer_admin") { activation.missing("enable_customer_admin") }
                if let limit, let admin { activations = .init(limit: limit, enableCustomerAdmin: admin) }
                fields.merge(activation)
            }
            let limitUsage = fields.int("limit_usage", minimum: 1, maximum: Int(Int32.max))
            return .licenseKeys(LicenseKeyRules(prefix: prefix, expires: expires, activations: activations,
                                                limitUsage: limitUsage))
        }
    }
}
