import ArgumentParser
import Foundation
import TesseraClient

/// `tessera organizations …`: the merchants (operator token).
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
            try await options.show({ client in
                try await client.organizations.create(OrganizationCreate(
                    name: name, slug: slug,
                    featureSettings: OrganizationFeatureSettings(seatBasedPricingEnabled: true,
                                                                 memberModelEnabled: memberModel)))
            }) { organization in
                Output.table(["ID", "NAME", "SLUG", "MEMBER MODEL"], [[
                    organization.id, organization.name, organization.slug,
                    organization.featureSettings?.memberModelEnabled == true ? "on" : "off",
                ]])
            }
        }
    }
}
