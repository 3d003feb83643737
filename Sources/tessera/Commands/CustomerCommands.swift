import ArgumentParser
import Foundation
import TesseraClient

/// `tessera customers …`: buyers of seat pools, and seat holders.
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
            try await options.show({ try await $0.customers.create(
                CustomerCreate(email: email, name: name, externalId: externalId)) }
            ) { CustomersCommand.table([$0]) }
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
            try await options.showPage(pages, noun: "customer", {
                try await $0.customers.list(email: email, page: $1, limit: $2)
            }, table: CustomersCommand.table)
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a customer. Scope customers:read.",
            discussion: "Example:\n  tessera customers get $CUSTOMER")

        @OptionGroup var options: ClientOptions
        @Argument(help: "The customer's id.") var id: String

        func run() async throws {
            try await options.show({ try await $0.customers.get(id: id) }) { CustomersCommand.table([$0]) }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete a customer. Scope customers:write.",
            discussion: "Example:\n  tessera customers delete $CUSTOMER")

        @OptionGroup var options: ClientOptions
        @Argument(help: "The customer's id.") var id: String

        func run() async throws {
            try await options.showDeleted(id: id, { try await $0.customers.delete(id: id) },
                                          human: "Deleted customer \(id).")
        }
    }
}
