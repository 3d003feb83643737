import ArgumentParser
import Foundation
import TesseraClient

// The setup a seat workflow needs before `tessera seats assign`: organizations and their
// tokens (operator token), customers, products, subscriptions and orders (organization token).

// MARK: - Organizations

struct OrganizationsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "organizations",
        abstract: "Create organizations (the merchants); needs the operator token.",
        discussion: """
            Example:
              tessera organizations create --name Acme --slug acme \\
                --token "$TESSERA_ADMIN_TOKEN"
            """,
        subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an organization, with seat-based pricing on.",
            discussion: """
                The token must be the operator token (TESSERA_ADMIN_TOKEN, or the one `tessera serve` \
                printed on its first start).

                Example:
                  tessera organizations create --name Acme --slug acme \\
                    --token "$TESSERA_ADMIN_TOKEN"
                """)

        @OptionGroup var options: ClientOptions
        @Option(help: "The organization's name.") var name: String
        @Option(help: "Its slug, used in claim links ({public-url}/{slug}/portal/claim?token=…).") var slug: String
        @Flag(name: .customLong("member-model"),
              help: "Turn the member model on: seats go to members of the billing customer.")
        var memberModel = false

        func run() async throws {
            try await options.execute { client in
                let organization = try await client.organizations.create(OrganizationCreate(
                    name: name, slug: slug,
                    featureSettings: OrganizationFeatureSettings(seatBasedPricingEnabled: true,
                                                                 memberModelEnabled: memberModel)))
                try Output.emit(organization, json: options.json) {
                    Output.table(["ID", "NAME", "SLUG", "MEMBER MODEL"], [[
                        organization.id, organization.name, organization.slug,
                        organization.featureSettings?.memberModelEnabled == true ? "on" : "off",
                    ]])
                }
            }
        }
    }
}

// MARK: - Organization access tokens

struct TokensCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokens",
        abstract: "Create and delete organization access tokens; needs the operator token.",
        discussion: """
            Example:
              TOKEN=$(tessera tokens create --organization-id $ORG \\
                --scope customer_seats:write --scope customers:write \\
                --scope products:write --scope subscriptions:write | tail -n 1)
            """,
        subcommands: [Create.self, Delete.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an access token for an organization and print it (alone on the last line).",
            discussion: """
                Scopes: customer_seats:read|write, customers:read|write, members:read|write, \
                products:read|write, subscriptions:read|write, orders:read|write, customer_sessions:write, \
                webhooks:read|write (a write scope grants its read scope). The token is shown once.

                Example:
                  TOKEN=$(tessera tokens create --organization-id $ORG \\
                    --scope customer_seats:write --scope customers:write \\
                    --scope products:write --scope subscriptions:write | tail -n 1)
                """)

        @OptionGroup var options: ClientOptions
        @Option(name: .customLong("organization-id"), help: "The organization the token acts for.")
        var organizationId: String
        @Option(name: .customLong("scope"), parsing: .singleValue,
                help: ArgumentHelp("A scope the token carries (repeatable).", valueName: "scope"))
        var scopes: [String] = []
        @Option(help: "A note about what the token is for.")
        var comment: String = "tessera command line"
        @Option(name: .customLong("expires-in"), help: ArgumentHelp("Lifetime in seconds; none by default.",
                                                                    valueName: "seconds"))
        var expiresIn: Int?

        func validate() throws {
            guard !scopes.isEmpty else { throw ValidationError("give at least one --scope, such as customer_seats:write") }
            if let expiresIn, expiresIn <= 0 { throw ValidationError("--expires-in must be a positive number of seconds") }
        }

        func run() async throws {
            try await options.execute { client in
                let created = try await client.organizationAccessTokens.create(OrganizationAccessTokenCreate(
                    organizationId: organizationId, comment: comment,
                    scopes: scopes.map(AccessTokenScope.init(rawValue:)), expiresIn: expiresIn))
                try Output.emit(created, json: options.json) {
                    let token = created.organizationAccessToken
                    return Output.fields([
                        ("Token id", token.id),
                        ("Organization", token.organizationId),
                        ("Scopes", token.scopes.map(\.rawValue).joined(separator: " ")),
                        ("Expires", token.expiresAt.map { Output.date($0) } ?? "never"),
                    ]) + "\nAccess token (shown once, keep it safe):\n\(created.token)"
                }
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete (revoke) an organization access token.",
            discussion: "Example:\n  tessera tokens delete $TOKEN_ID")

        @OptionGroup var options: ClientOptions
        @Argument(help: "The token's id (not the token itself).") var id: String

        func run() async throws {
            try await options.execute { client in
                try await client.organizationAccessTokens.delete(id: id)
                try Output.emit(DeletedResult(id: id), json: options.json) { "Deleted token \(id)." }
            }
        }
    }
}

// MARK: - Customers

struct CustomersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "customers",
        abstract: "Create, list, show and delete customers (buyers of seat pools, and seat holders).",
        discussion: """
            Example:
              CUSTOMER=$(tessera customers create --email billing@bigco.example \\
                --json | jq -r .id)
            """,
        subcommands: [Create.self, List.self, Get.self, Delete.self])

    static func table(_ customers: [Customer]) -> String {
        Output.table(["ID", "EMAIL", "NAME", "EXTERNAL ID"],
                     customers.map { [$0.id, $0.email, Output.or($0.name), Output.or($0.externalId)] })
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a customer. Scope customers:write.",
            discussion: "Example:\n  tessera customers create --email billing@bigco.example \\\n    --name BigCo --external-id bigco")

        @OptionGroup var options: ClientOptions
        @Option(help: "The customer's email.") var email: String
        @Option(help: "The customer's name.") var name: String?
        @Option(name: .customLong("external-id"), help: "Your own id for the customer.") var externalId: String?

        func run() async throws {
            try await options.execute { client in
                let customer = try await client.customers.create(
                    CustomerCreate(email: email, name: name, externalId: externalId))
                try Output.emit(customer, json: options.json) { CustomersCommand.table([customer]) }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List customers, optionally by email. Scope customers:read.",
            discussion: "Example:\n  tessera customers list --email billing@bigco.example")

        @OptionGroup var options: ClientOptions
        @Option(help: "Only the customer with this email.") var email: String?
        @OptionGroup var pages: PageOptions

        func run() async throws {
            try await options.execute { client in
                let list = try await client.customers.list(email: email, page: pages.page, limit: pages.limit)
                try Output.emit(list, json: options.json) {
                    CustomersCommand.table(list.items) + "\n" + Output.pagination(list.pagination, page: pages.page, noun: "customer")
                }
            }
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a customer. Scope customers:read.",
            discussion: "Example:\n  tessera customers get $CUSTOMER")

        @OptionGroup var options: ClientOptions
        @Argument(help: "The customer's id.") var id: String

        func run() async throws {
            try await options.execute { client in
                let customer = try await client.customers.get(id: id)
                try Output.emit(customer, json: options.json) { CustomersCommand.table([customer]) }
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete a customer. Scope customers:write.",
            discussion: "Example:\n  tessera customers delete $CUSTOMER")

        @OptionGroup var options: ClientOptions
        @Argument(help: "The customer's id.") var id: String

        func run() async throws {
            try await options.execute { client in
                try await client.customers.delete(id: id)
                try Output.emit(DeletedResult(id: id), json: options.json) { "Deleted customer \(id)." }
            }
        }
    }
}

// MARK: - Products

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
            try await options.execute { client in
                let interval: RecurringInterval? = switch recurring {
                case .month: .month
                case .year: .year
                case nil: nil
                }
                let product = try await client.products.create(ProductCreate(
                    name: name, recurringInterval: interval,
                    prices: [.seatBased(SeatTiers(tiers: [SeatTier(minSeats: minSeats, maxSeats: maxSeats,
                                                                   pricePerSeat: seatPrice)]),
                                        currency: currency)]))
                try Output.emit(product, json: options.json) { ProductsCommand.table([product]) }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List products. Scope products:read.",
            discussion: "Example:\n  tessera products list")

        @OptionGroup var options: ClientOptions
        @OptionGroup var pages: PageOptions

        func run() async throws {
            try await options.execute { client in
                let list = try await client.products.list(page: pages.page, limit: pages.limit)
                try Output.emit(list, json: options.json) {
                    ProductsCommand.table(list.items) + "\n" + Output.pagination(list.pagination, page: pages.page, noun: "product")
                }
            }
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a product. Scope products:read.",
            discussion: "Example:\n  tessera products get $PRODUCT")

        @OptionGroup var options: ClientOptions
        @Argument(help: "The product's id.") var id: String

        func run() async throws {
            try await options.execute { client in
                let product = try await client.products.get(id: id)
                try Output.emit(product, json: options.json) { ProductsCommand.table([product]) }
            }
        }
    }
}

// MARK: - Subscriptions

struct SubscriptionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "subscriptions",
        abstract: "Create, list, resize and revoke subscriptions: seat pools that renew.",
        discussion: """
            Example, 5 seats of a monthly product for a customer:
              tessera subscriptions create --customer-id $CUSTOMER \\
                --product-id $PRODUCT --seats 5
            """,
        subcommands: [Create.self, List.self, Get.self, SetSeats.self, Revoke.self])

    static func table(_ subscriptions: [Subscription]) -> String {
        Output.table(["ID", "STATUS", "SEATS", "CUSTOMER", "PRODUCT", "PERIOD END"], subscriptions.map {
            [$0.id, $0.status.rawValue, $0.seats.map(String.init) ?? "-", $0.customerId, $0.productId,
             Output.date($0.currentPeriodEnd)]
        })
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a subscription of a recurring product with a pool of seats. Scope subscriptions:write.",
            discussion: "Example:\n  tessera subscriptions create --customer-id $CUSTOMER \\\n    --product-id $PRODUCT --seats 5")

        @OptionGroup var options: ClientOptions
        @Option(name: .customLong("customer-id"), help: "The billing customer.") var customerId: String
        @Option(name: .customLong("product-id"), help: "A recurring product with a seat-based price.") var productId: String
        @Option(help: "The pool's size, within the product's seat tiers.") var seats: Int

        func run() async throws {
            try await options.execute { client in
                let subscription = try await client.subscriptions.create(
                    SubscriptionCreate(productId: productId, customerId: customerId, seats: seats))
                try Output.emit(subscription, json: options.json) { SubscriptionsCommand.table([subscription]) }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List subscriptions. Scope subscriptions:read.",
            discussion: "Example:\n  tessera subscriptions list --customer-id $CUSTOMER")

        @OptionGroup var options: ClientOptions
        @Option(name: .customLong("customer-id"), help: "Only this customer's.") var customerId: String?
        @Option(name: .customLong("product-id"), help: "Only this product's.") var productId: String?
        @OptionGroup var pages: PageOptions

        func run() async throws {
            try await options.execute { client in
                let list = try await client.subscriptions.list(customerId: customerId, productId: productId,
                                                               page: pages.page, limit: pages.limit)
                try Output.emit(list, json: options.json) {
                    SubscriptionsCommand.table(list.items) + "\n"
                        + Output.pagination(list.pagination, page: pages.page, noun: "subscription")
                }
            }
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a subscription. Scope subscriptions:read.",
            discussion: "Example:\n  tessera subscriptions get $SUBSCRIPTION")

        @OptionGroup var options: ClientOptions
        @Argument(help: "The subscription's id.") var id: String

        func run() async throws {
            try await options.execute { client in
                let subscription = try await client.subscriptions.get(id: id)
                try Output.emit(subscription, json: options.json) { SubscriptionsCommand.table([subscription]) }
            }
        }
    }

    struct SetSeats: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-seats",
            abstract: "Resize a subscription's pool. Scope subscriptions:write.",
            discussion: """
                The new size must be within the product's tiers and not below the seats in use.

                Example:
                  tessera subscriptions set-seats $SUBSCRIPTION 10
                """)

        @OptionGroup var options: ClientOptions
        @Argument(help: "The subscription's id.") var id: String
        @Argument(help: "The new number of seats.") var seats: Int

        func validate() throws {
            guard seats >= 1 else { throw ValidationError("the number of seats must be 1 or more") }
        }

        func run() async throws {
            try await options.execute { client in
                let subscription = try await client.subscriptions.updateSeats(id: id, seats: seats)
                try Output.emit(subscription, json: options.json) { SubscriptionsCommand.table([subscription]) }
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "End a subscription now; its seats lose access. Scope subscriptions:write.",
            discussion: "Example:\n  tessera subscriptions revoke $SUBSCRIPTION")

        @OptionGroup var options: ClientOptions
        @Argument(help: "The subscription's id.") var id: String

        func run() async throws {
            try await options.execute { client in
                let subscription = try await client.subscriptions.revoke(id: id)
                try Output.emit(subscription, json: options.json) { SubscriptionsCommand.table([subscription]) }
            }
        }
    }
}

// MARK: - Orders

struct OrdersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "orders",
        abstract: "Create, list and mark paid orders: one-time seat pools.",
        discussion: """
            Example, 10 seats of a one-time product:
              tessera orders create --customer-id $CUSTOMER --product-id $PRODUCT \\
                --seats 10
            """,
        subcommands: [Create.self, List.self, Get.self, MarkPaid.self])

    static func table(_ orders: [Order]) -> String {
        Output.table(["ID", "STATUS", "SEATS", "CUSTOMER", "PRODUCT", "TOTAL"], orders.map {
            [$0.id, $0.status.rawValue, $0.seats.map(String.init) ?? "-", $0.customerId, Output.or($0.productId),
             Output.money($0.totalAmount, $0.currency)]
        })
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record an order of a one-time product with a pool of seats. Scope orders:write.",
            discussion: """
                Orders are paid unless --pending is given; a pending order's seats cannot be assigned \
                until it is marked paid.

                Example:
                  tessera orders create --customer-id $CUSTOMER --product-id $PRODUCT \\
                    --seats 10
                """)

        @OptionGroup var options: ClientOptions
        @Option(name: .customLong("customer-id"), help: "The billing customer.") var customerId: String
        @Option(name: .customLong("product-id"), help: "A one-time product with a seat-based price.") var productId: String
        @Option(help: "The pool's size, within the product's seat tiers.") var seats: Int
        @Flag(help: "Record the order as pending (not paid yet).") var pending = false

        func run() async throws {
            try await options.execute { client in
                let order = try await client.orders.create(OrderCreate(
                    productId: productId, customerId: customerId, seats: seats, status: pending ? .pending : nil))
                try Output.emit(order, json: options.json) { OrdersCommand.table([order]) }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List orders. Scope orders:read.",
            discussion: "Example:\n  tessera orders list --customer-id $CUSTOMER")

        @OptionGroup var options: ClientOptions
        @Option(name: .customLong("customer-id"), help: "Only this customer's.") var customerId: String?
        @Option(name: .customLong("product-id"), help: "Only this product's.") var productId: String?
        @OptionGroup var pages: PageOptions

        func run() async throws {
            try await options.execute { client in
                let list = try await client.orders.list(customerId: customerId, productId: productId,
                                                        page: pages.page, limit: pages.limit)
                try Output.emit(list, json: options.json) {
                    OrdersCommand.table(list.items) + "\n" + Output.pagination(list.pagination, page: pages.page, noun: "order")
                }
            }
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show an order. Scope orders:read.",
            discussion: "Example:\n  tessera orders get $ORDER")

        @OptionGroup var options: ClientOptions
        @Argument(help: "The order's id.") var id: String

        func run() async throws {
            try await options.execute { client in
                let order = try await client.orders.get(id: id)
                try Output.emit(order, json: options.json) { OrdersCommand.table([order]) }
            }
        }
    }

    struct MarkPaid: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "mark-paid",
            abstract: "Mark a pending order paid, so its seats can be assigned. Scope orders:write.",
            discussion: "Example:\n  tessera orders mark-paid $ORDER")

        @OptionGroup var options: ClientOptions
        @Argument(help: "The order's id.") var id: String

        func run() async throws {
            try await options.execute { client in
                let order = try await client.orders.markPaid(id: id)
                try Output.emit(order, json: options.json) { OrdersCommand.table([order]) }
            }
        }
    }
}
