import ArgumentParser
import Foundation
import TesseraClient

/// `tessera products …`: products with a price per seat.
struct ProductsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "products",
        abstract: "Create, list and show products with a price per seat.",
        discussion: """
            Example, a monthly plan at 15.00 USD a seat:
              tessera products create --name 'Team plan' --recurring month \\
                --seat-price 1500
            """,
        subcommands: [Create.self, List.self, Get.self])

    static func table(_ products: [Product]) -> String {
        Output.table(["ID", "NAME", "BILLING", "SEAT PRICE", "SEATS"], products.map { product in
            let billing = product.recurringInterval.map { "every \($0.rawValue)" } ?? "one-time"
            let price = product.prices.first { $0.seatTiers != nil }
            let tier = price?.seatTiers?.tiers.first
            let seatPrice = tier.map { Output.money($0.pricePerSeat, price?.priceCurrency) } ?? "-"
            var seats = "-"
            if let tiers = price?.seatTiers {
                let low = tiers.minimumSeats ?? tiers.tiers.first?.minSeats ?? 1
                let high = tiers.maximumSeats ?? tiers.tiers.last?.maxSeats
                seats = high.map { "\(low)–\($0)" } ?? "\(low)+"
            }
            return [product.id, product.name, billing, seatPrice, seats]
        })
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a product with a seat-based price of one volume tier. Scope products:write.",
            discussion: """
                --recurring month|year makes a product sold by subscriptions; --one-time one sold by orders. \
                --seat-price is in cents; --min-seats and --max-seats bound the size of its pools.

                Example:
                  tessera products create --name 'Team plan' --recurring month \\
                    --seat-price 1500 --max-seats 50
                """)

        enum Interval: String, ExpressibleByArgument, CaseIterable {
            case month, year
        }

        @OptionGroup var options: ClientOptions
        @Option(help: "The product's name.") var name: String
        @Option(help: "Sold by subscription, renewing every month or year.") var recurring: Interval?
        @Flag(name: .customLong("one-time"), help: "Sold once, by orders.") var oneTime = false
        @Option(name: .customLong("seat-price"), help: ArgumentHelp("Price of a seat, in cents.", valueName: "cents"))
        var seatPrice: Int
        @Option(name: .customLong("min-seats"), help: "The smallest pool allowed.") var minSeats: Int = 1
        @Option(name: .customLong("max-seats"), help: "The largest pool allowed; no limit by default.") var maxSeats: Int?
        @Option(help: "Lower-case ISO 4217 currency.") var currency: String = "usd"

        func validate() throws {
            guard (recurring != nil) != oneTime else { throw ValidationError("give exactly one of --recurring and --one-time") }
            guard seatPrice >= 0 else { throw ValidationError("--seat-price must be 0 or more cents") }
            guard minSeats >= 1 else { throw ValidationError("--min-seats must be 1 or more") }
            if let maxSeats, maxSeats < minSeats { throw ValidationError("--max-seats must not be below --min-seats") }
        }

        func run() async throws {
            let interval: RecurringInterval? = switch recurring {
            case .month: .month
            case .year: .year
            case nil: nil
            }
            try await options.show({ client in
                try await client.products.create(ProductCreate(
                    name: name, recurringInterval: interval,
                    prices: [.seatBased(SeatTiers(tiers: [SeatTier(minSeats: minSeats, maxSeats: maxSeats,
                                                                   pricePerSeat: seatPrice)]),
                                        currency: currency)]))
            }) { ProductsCommand.table([$0]) }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List products. Scope products:read.",
            discussion: "Example:\n  tessera products list")

        @OptionGroup var options: ClientOptions
        @OptionGroup var pages: PageOptions

        func run() async throws {
            try await options.showPage(pages, noun: "product", { try await $0.products.list(page: $1, limit: $2) },
                                       table: ProductsCommand.table)
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a product. Scope products:read.",
            discussion: "Example:\n  tessera products get $PRODUCT")

        @OptionGroup var options: ClientOptions
        @Argument(help: "The product's id.") var id: String

        func run() async throws {
            try await options.show({ try await $0.products.get(id: id) }) { ProductsCommand.table([$0]) }
        }
    }
}
