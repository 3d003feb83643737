import Foundation
import Hummingbird
import TesseraCore
import TesseraStore

/// `/v1/products`: what a merchant sells, with seat tiers that bound pool sizes.
struct ProductController {
    let database: TesseraDatabase
    let now: @Sendable () -> Date

    func register(on merchant: MerchantRoutes) {
        merchant.add(.post, "/products", anyOf: .productsWrite, use: create)
        merchant.add(.get, "/products", anyOf: .productsRead, use: list)
        merchant.add(.get, "/products/:id", anyOf: .productsRead, use: get)
        merchant.add(.patch, "/products/:id", anyOf: .productsWrite, use: update)
    }

    /// Products, with this controller's database and clock.
    var operations: ProductOperations { ProductOperations(database: database, now: now) }

    @Sendable func create(_ request: Request, context: MerchantContext) async throws -> Response {
        var body = try await BodyFields.read(request)
        let name = body.requiredString("name", maxLength: 256)
        let description = body.string("description")
        let interval = body.choice("recurring_interval", Product.RecurringInterval.self)
        let metadata = body.metadata()
        var prices: [ProductPrice.Kind] = []
        if let items = body.array("prices") {
            prices = Self.prices(items, body: &body)
        } else {
            body.missing("prices")
        }
        try body.validate()
        let product = try await operations.create(
            name: name ?? "", description: description, recurringInterval: interval, prices: prices,
            metadata: metadata ?? [:], organizationId: context.organizationId)
        return .json(Wire.product(product), status: .created)
    }

    @Sendable func list(_ request: Request, context: MerchantContext) async throws -> Response {
        var query = QueryFields(request)
        let page = query.page()
        try query.validate()
        let result = try await operations.list(organizationId: context.organizationId, page: page)
        return .json(Wire.list(result, request: page, item: Wire.product))
    }

    @Sendable func get(_ request: Request, context: MerchantContext) async throws -> Response {
        let id = try context.pathUUID("id")
        return .json(Wire.product(try await operations.get(id: id, organizationId: context.organizationId)))
    }

    @Sendable func update(_ request: Request, context: MerchantContext) async throws -> Response {
        let id = try context.pathUUID("id")
        var body = try await BodyFields.read(request)
        let name = body.string("name", maxLength: 256)
        let description = body.string("description")
        let metadata = body.metadata()
        let isArchived = body.bool("is_archived")
        let prices = body.array("prices").map { Self.prices($0, body: &body) }
        try body.validate()
        let update = ProductUpdate(name: name, description: body.has("description") ? .some(description) : nil,
                                   metadata: metadata, isArchived: isArchived, prices: prices)
        return .json(Wire.product(try await operations.update(id: id, organizationId: context.organizationId,
                                                              with: update)))
    }

    /// Reads the `prices` array (Core's price rules, `ProductPrice.read`), reporting each
    /// problem at `["body", "prices", index]` with the price as input, or at `["body", "prices"]`
    /// with the whole list for a problem of the list.
    static func prices(_ items: [JSONValue], body: inout BodyFields) -> [ProductPrice.Kind] {
        let (kinds, problems) = ProductPrice.read(items)
        for problem in problems {
            var loc: [ValidationIssue.LocationPart] = [.key("body"), .key("prices")]
            var input = JSONValue.array(items)
            if let index = problem.index {
                loc.append(.index(index))
                input = items[index]
            }
            body.appendIssue(.valueError(loc, problem.message, input: input))
        }
        return kinds
    }
}
