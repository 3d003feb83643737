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

    @Sendable func create(_ request: Request, context: MerchantContext) async throws -> Response {
        let organizationId = context.organizationId
        var body = try await BodyFields.read(request)
        let name = body.requiredString("name", maxLength: 256)
        let description = body.string("description")
        let interval = body.choice("recurring_interval", Product.RecurringInterval.self)
        let metadata = body.metadata()
        let now = now()
        var prices: [ProductPrice] = []
        if let items = body.array("prices") {
            prices = Self.prices(items, body: &body, now: now)
        } else {
            body.missing("prices")
        }
        try body.validate()
        let product = Product(
            id: UUID(), organizationId: organizationId, name: name ?? "", description: description,
            recurringInterval: interval, prices: prices, metadata: metadata ?? [:], isArchived: false, createdAt: now,
            modifiedAt: nil)
        try await database.transaction { try await $0.products.insert(product) }
        return .json(Wire.product(product), status: .created)
    }

    @Sendable func list(_ request: Request, context: MerchantContext) async throws -> Response {
        let organizationId = context.organizationId
        var query = QueryFields(request)
        let page = query.page()
        try query.validate()
        let result = try await database.withConnection { try await $0.products.list(organizationId: organizationId, page: page) }
        return .json(Wire.list(result, request: page, item: Wire.product))
    }

    @Sendable func get(_ request: Request, context: MerchantContext) async throws -> Response {
        let organizationId = context.organizationId
        let id = try context.pathUUID("id")
        let product = try await database.withConnection { try await $0.products.require(id: id, organizationId: organizationId) }
        return .json(Wire.product(product))
    }

    @Sendable func update(_ request: Request, context: MerchantContext) async throws -> Response {
        let organizationId = context.organizationId
        let id = try context.pathUUID("id")
        var body = try await BodyFields.read(request)
        let name = body.string("name", maxLength: 256)
        let description = body.string("description")
        let metadata = body.metadata()
        let isArchived = body.bool("is_archived")
        let now = now()
        let prices = body.array("prices").map { Self.prices($0, body: &body, now: now) }
        try body.validate()
        let product = try await database.transaction { tx in
            var product = try await tx.products.require(id: id, organizationId: organizationId)
            if let name { product.name = name }
            if body.has("description") { product.description = description }
            if let metadata { product.metadata = metadata }
            if let isArchived { product.isArchived = isArchived }
            if let prices { product.prices = prices }
            product.modifiedAt = now
            try await tx.products.update(product)
            return product
        }
        return .json(Wire.product(product))
    }

    /// Parses the `prices` array, reporting problems at `["body", "prices", index, …]`.
    static func prices(_ items: [JSONValue], body: inout BodyFields, now: Date) -> [ProductPrice] {
        var prices: [ProductPrice] = []
        for (index, item) in items.enumerated() {
            let loc: [ValidationIssue.LocationPart] = [.key("body"), .key("prices"), .index(index)]
            func problem(_ message: String) {
                body.appendIssue(.valueError(loc, message, input: item))
            }
            guard let amountType = item["amount_type"]?.stringValue else {
                problem("amount_type must be one of 'seat_based', 'fixed', 'free'")
                continue
            }
            let currencyValue = item["price_currency"] ?? .null
            guard currencyValue.isNull || currencyValue.stringValue.map({ (3...8).contains(TextRules.length(of: $0)) }) == true
            else {
                problem("price_currency must be a currency code such as 'usd'")
                continue
            }
            let currency = currencyValue.stringValue ?? "usd"
            switch amountType {
            case "free":
                prices.append(ProductPrice(id: UUID(), kind: .free, createdAt: now))
            case "fixed":
                guard let amount = item["price_amount"]?.intValue, (0...SeatTiers.maximumPricePerSeat).contains(amount) else {
                    problem("price_amount must be a whole number of cents from 0 to \(SeatTiers.maximumPricePerSeat)")
                    continue
                }
                prices.append(ProductPrice(id: UUID(), kind: .fixed(currency: currency, amount: amount), createdAt: now))
            case "seat_based":
                guard let tiersObject = item["seat_tiers"], let tierItems = tiersObject["tiers"].flatMap({
                    if case .array(let array) = $0 { return array } else { return nil }
                }) else {
                    problem("seat_tiers with a list of tiers is required for a seat-based price")
                    continue
                }
                let typeValue = tiersObject["seat_tier_type"] ?? .null
                guard let type = SeatTiers.TierType(rawValue: typeValue.isNull ? "volume" : typeValue.stringValue ?? "") else {
                    problem("seat_tier_type must be 'volume' or 'graduated'")
                    continue
                }
                var tiers: [SeatTiers.Tier] = []
                var valid = true
                for tier in tierItems {
                    guard let min = tier["min_seats"]?.intValue, let price = tier["price_per_seat"]?.intValue,
                          tier["max_seats"].map({ $0.isNull || $0.intValue != nil }) ?? true else {
                        problem("each tier needs whole-number min_seats and price_per_seat (cents), and max_seats a whole number or null")
                        valid = false
                        break
                    }
                    tiers.append(SeatTiers.Tier(minSeats: min, maxSeats: tier["max_seats"]?.intValue, pricePerSeat: price))
                }
                guard valid else { continue }
                let seatTiers = SeatTiers(type: type, tiers: tiers)
                if let message = seatTiers.problem {
                    problem(message)
                    continue
                }
                prices.append(ProductPrice(id: UUID(), kind: .seatBased(currency: currency, tiers: seatTiers), createdAt: now))
            default:
                problem("amount_type must be one of 'seat_based', 'fixed', 'free'")
            }
        }
        if prices.filter({ if case .seatBased = $0.kind { true } else { false } }).count > 1 {
            body.appendIssue(.valueError([.key("body"), .key("prices")], "A product can have only one seat-based price",
                                            input: .array(items)))
        }
        return prices
    }
}

