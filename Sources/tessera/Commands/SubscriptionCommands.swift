import ArgumentParser
import Foundation
import TesseraClient

/// `tessera subscriptions …`: seat pools that renew.
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
            try await options.show({ try await $0.subscriptions.create(
                SubscriptionCreate(productId: productId, customerId: customerId, seats: seats)) }
            ) { SubscriptionsCommand.table([$0]) }
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
            try await options.showPage(pages, noun: "subscription", {
                try await $0.subscriptions.list(customerId: customerId, productId: productId, page: $1, limit: $2)
            }, table: SubscriptionsCommand.table)
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a subscription. Scope subscriptions:read.",
            discussion: "Example:\n  tessera subscriptions get $SUBSCRIPTION")

        @OptionGroup var options: ClientOptions
        @Argument(help: "The subscription's id.") var id: String

        func run() async throws {
            try await options.show({ try await $0.subscriptions.get(id: id) }) { SubscriptionsCommand.table([$0]) }
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
            try await options.show({ try await $0.subscriptions.updateSeats(id: id, seats: seats) }) {
                SubscriptionsCommand.table([$0])
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
            try await options.show({ try await $0.subscriptions.revoke(id: id) }) { SubscriptionsCommand.table([$0]) }
        }
    }
}
