import Foundation
import TesseraCore
import TesseraStore

extension Wire {
    /// Polar's `Product`, with the benefits it grants in the merchant's order.
    static func product(_ product: Product, benefits: [Benefit]) -> JSONValue {
        .object(productFields(product).merging([
            "prices": .array(product.prices.map { price(for: $0, productId: product.id) }),
            "benefits": .array(benefits.map(Wire.benefit)),
            "medias": [],
            "attached_custom_fields": [],
        ]) { _, new in new })
    }

    static func product(_ product: ProductWithBenefits) -> JSONValue {
        Self.product(product.product, benefits: product.benefits)
    }

    /// The fields shared by a full product, the product embedded in an order, and the portal's product.
    static func productFields(_ product: Product) -> [String: JSONValue] {
        [
            "id": JSONValue(product.id),
            "created_at": JSONValue(product.createdAt),
            "modified_at": JSONValue(product.modifiedAt),
            "trial_interval": .null,
            "trial_interval_count": .null,
            "name": .string(product.name),
            "description": JSONValue(product.description),
            "visibility": "public",
            "recurring_interval": JSONValue(product.recurringInterval?.rawValue),
            "recurring_interval_count": product.isRecurring ? 1 : .null,
            "meter_interval": .null,
            "meter_interval_count": .null,
            "is_recurring": JSONValue(product.isRecurring),
            "is_archived": JSONValue(product.isArchived),
            "organization_id": JSONValue(product.organizationId),
            "metadata": .object(product.metadata),
        ]
    }

    static func price(for price: ProductPrice, productId: UUID) -> JSONValue {
        var fields: [String: JSONValue] = [
            "id": JSONValue(price.id),
            "created_at": JSONValue(price.createdAt),
            "modified_at": .null,
            "source": "catalog",
            "amount_type": .string(price.amountType),
            "tax_behavior": .null,
            "is_archived": false,
            "product_id": JSONValue(productId),
        ]
        switch price.kind {
        case .seatBased(let currency, let tiers):
            fields["price_currency"] = .string(currency)
            fields["seat_tiers"] = .object([
                "seat_tier_type": .string(tiers.type.rawValue),
                "tiers": .array(tiers.tiers.map { tier in
                    .object([
                        "min_seats": JSONValue(tier.minSeats),
                        "max_seats": JSONValue(tier.maxSeats),
                        "price_per_seat": JSONValue(tier.pricePerSeat),
                    ])
                }),
                "minimum_seats": JSONValue(tiers.minimumSeats),
                "maximum_seats": JSONValue(tiers.maximumSeats),
            ])
        case .fixed(let currency, let amount):
            fields["price_currency"] = .string(currency)
            fields["price_amount"] = JSONValue(amount)
        case .free:
            fields["price_currency"] = .string(ProductPrice.defaultCurrency)
        }
        return .object(fields)
    }
}
