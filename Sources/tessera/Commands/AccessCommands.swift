import ArgumentParser
import Foundation
import TesseraClient

/// `tessera access check …`: may this person in, through a claimed seat?
struct AccessCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "access",
        abstract: "Ask whether a person holds a benefit or a product through a claimed seat.",
        subcommands: [Check.self])

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check one person against one benefit or product. Scope customers:read.",
            discussion: """
                Exits 0 when allowed, 3 when not (so scripts can branch on it).
                Example:
                  tessera access check --benefit-id $BENEFIT --email ada@bigco.example
                """)

        @OptionGroup var options: ClientOptions
        @Option(name: .customLong("benefit-id"), help: "The benefit asked about.") var benefitId: String?
        @Option(name: .customLong("product-id"), help: "The product asked about.") var productId: String?
        @Option(help: "The person, by email.") var email: String?
        @Option(name: .customLong("external-customer-id"), help: "The person, by your id for their customer.")
        var externalCustomerId: String?
        @Option(name: .customLong("external-member-id"), help: "The person, by your id for their member.")
        var externalMemberId: String?

        func validate() throws {
            guard [benefitId, productId].compactMap({ $0 }).count == 1 else {
                throw ValidationError("give exactly one of --benefit-id and --product-id")
            }
            guard [email, externalCustomerId, externalMemberId].compactMap({ $0 }).count == 1 else {
                throw ValidationError("give exactly one of --email, --external-customer-id and --external-member-id")
            }
        }

        func run() async throws {
            let target: Access.Target = benefitId.map { .benefit(id: $0) } ?? .product(id: productId ?? "")
            let person: Access.Person = email.map { .email($0) }
                ?? externalCustomerId.map { .externalCustomerId($0) } ?? .externalMemberId(externalMemberId ?? "")
            var allowed = false
            try await options.execute { client in
                let answer = try await client.withRawResponse { try await $0.access.check(target, for: person) }
                allowed = answer.value.allowed
                if options.json {
                    Output.raw(answer.body)
                } else {
                    print(Self.human(answer.value))
                }
            }
            if !allowed { throw ExitCode(3) }
        }

        static func human(_ decision: AccessDecision) -> String {
            guard decision.allowed else { return "Not allowed: \(decision.reason ?? "unknown reason")" }
            return Output.fields([
                ("Allowed", "yes"),
                ("Seat", Output.or(decision.seatId)),
                ("Pool", Output.or(decision.subscriptionId ?? decision.orderId)),
                ("Member", Output.or(decision.memberId)),
                ("Grant", Output.or(decision.grant?.id)),
            ])
        }
    }
}
