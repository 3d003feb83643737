import ArgumentParser
import Foundation
import TesseraClient

/// `tessera orders …`: one-time seat pools.
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
            try await options.show({ try await $0.orders.create(OrderCreate(
                productId: productId, customerId: customerId, seats: seats, status: pending ? .pending : nil)) }
            ) { OrdersCommand.table([$0]) }
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
            try await options.showPage(pages, noun: "order", {
                try await $0.orders.list(customerId: customerId, productId: productId, page: $1, limit: $2)
            }, table: OrdersCommand.table)
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show an order. Scope orders:read.",
            discussion: "Example:\n  tessera orders get $ORDER")

        @OptionGroup var options: ClientOptions
        @Argument(help: "The order's id.") var id: String

        func run() async throws {
            try await options.show({ try await $0.orders.get(id: id) }) { OrdersCommand.table([$0]) }
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
            try await options.show({ try await $0.orders.markPaid(id: id) }) { OrdersCommand.table([$0]) }
        }
    }
}
