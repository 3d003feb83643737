import ArgumentParser
import Foundation
import TesseraClient

/// `tessera tokens …`: organization access tokens (operator token).
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
            try await options.show({ client in
                try await client.organizationAccessTokens.create(OrganizationAccessTokenCreate(
                    organizationId: organizationId, comment: comment,
                    scopes: scopes.map(AccessTokenScope.init(rawValue:)), expiresIn: expiresIn))
            }) { created in
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

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete (revoke) an organization access token.",
            discussion: "Example:\n  tessera tokens delete $TOKEN_ID")

        @OptionGroup var options: ClientOptions
        @Argument(help: "The token's id (not the token itself).") var id: String

        func run() async throws {
            try await options.showDeleted(id: id, { try await $0.organizationAccessTokens.delete(id: id) },
                                          human: "Deleted token \(id).")
        }
    }
}
