import ArgumentParser
import Foundation
import TesseraClient

/// `tessera seats …`: Polar's six Customer Seats operations and Tessera's import, transfer and history.
struct SeatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seats",
        abstract: "Assign, list, revoke and claim seats (the Customer Seats API).",
        discussion: """
            Example, assigning a seat of a subscription by email and listing the pool:
              export TESSERA_SERVER_URL=http://127.0.0.1:8000
              export TESSERA_ACCESS_TOKEN=tsr_oat_…
              tessera seats assign --subscription-id $SUBSCRIPTION \\
                --email ada@bigco.example
              tessera seats list --subscription-id $SUBSCRIPTION
            """,
        subcommands: [Assign.self, Import.self, List.self, Transfer.self, Revoke.self, Resend.self, History.self,
                      ClaimInfo.self, Claim.self])

    /// What became of a new invitation: `sent` when emailed, else the link handed back, which
    /// the server shows only this once.
    static func invitationLine(_ seat: CustomerSeat, sent: String) -> String {
        guard let url = seat.invitationUrl else { return sent }
        return "No email sent. Give \(Output.or(seat.email ?? seat.customerEmail)) this link (shown only now):\n\(url)"
    }

    /// What the command prints for a seat just given to someone: the seat, its expiry, and
    /// `claimed` or `sent` followed by the person (or the handed-back link).
    static func given(_ seat: CustomerSeat, claimed: String, sent: String) -> String {
        let who = Output.or(seat.email ?? seat.customerEmail)
        let what = seat.status == .claimed ? "\(claimed) \(who)." : invitationLine(seat, sent: "\(sent) \(who).")
        return table([seat]) + expiryLine(seat) + "\n" + what
    }

    /// `\nExpires: …` for a seat that has an expiry, else nothing (put before the invitation
    /// line, so that a handed-back link stays alone on the last line).
    static func expiryLine(_ seat: CustomerSeat) -> String {
        seat.expiresAt.map { "\nExpires: \(Output.date($0)) (the seat is revoked then)" } ?? ""
    }

    static func table(_ seats: [CustomerSeat]) -> String {
        Output.table(
            ["ID", "STATUS", "EMAIL", "CLAIMED/REVOKED"],
            seats.map { seat in
                let when: String
                switch seat.status {
                case .claimed: when = Output.date(seat.claimedAt)
                case .revoked: when = Output.date(seat.revokedAt)
                default: when = "-"
                }
                return [seat.id, seat.status.rawValue, Output.or(seat.email ?? seat.customerEmail), when]
            })
    }

    struct Assign: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Assign a seat of a pool to a person, who is emailed an invitation to claim it.",
            discussion: """
                Give the pool (--subscription-id or --order-id) and the person (--email, --customer-id, \
                --external-customer-id, --member-id or --external-member-id). With --expires-at, \
                Tessera revokes the seat at that date. Scope customer_seats:write.

                Example:
                  tessera seats assign --subscription-id $SUBSCRIPTION \\
                    --email ada@bigco.example --metadata team=data
                """)

        @OptionGroup var options: ClientOptions

        @Option(name: .customLong("subscription-id"), help: "The subscription whose pool the seat is in.")
        var subscriptionId: String?
        @Option(name: .customLong("order-id"), help: "The order whose pool the seat is in.")
        var orderId: String?

        @OptionGroup var recipient: RecipientOptions

        func validate() throws {
            let pools = [subscriptionId, orderId].compactMap { $0 }
            guard pools.count == 1 else { throw ValidationError("give exactly one of --subscription-id and --order-id") }
        }

        func run() async throws {
            let assignment = SeatAssign(subscriptionId: subscriptionId, orderId: orderId,
                                        recipient: try recipient.recipient())
            try await options.show({ try await $0.customerSeats.assignSeat(assignment) }) { seat in
                SeatsCommand.given(seat, claimed: "Seat claimed for", sent: "Seat assigned; invitation sent to")
            }
        }
    }

    struct Transfer: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Hand a seat to another person: its holder loses access, the new person is invited.",
            discussion: """
                The seat keeps its id and pool. Give the new person as for `seats assign` (--email, \
                --customer-id, …); --metadata replaces the seat's metadata, which is kept otherwise. \
                Scope customer_seats:write.

                Example:
                  tessera seats transfer $SEAT --email bo@bigco.example
                """)

        @OptionGroup var options: ClientOptions
        @Argument(help: "The seat's id.") var seatId: String
        @OptionGroup var recipient: RecipientOptions

        func run() async throws {
            let recipient = try recipient.recipient()
            try await options.show({ try await $0.customerSeats.transfer(seatId: seatId, to: recipient) }) { seat in
                SeatsCommand.given(seat, claimed: "Seat transferred and claimed for", sent: "Seat transferred; invitation sent to")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List a pool's seats (revoked ones too) and how many are free.",
            discussion: """
                Scope customer_seats:read or customer_seats:write.

                Example:
                  tessera seats list --subscription-id $SUBSCRIPTION
                """)

        @OptionGroup var options: ClientOptions

        @Option(name: .customLong("subscription-id"), help: "The subscription whose pool to list.")
        var subscriptionId: String?
        @Option(name: .customLong("order-id"), help: "The order whose pool to list.")
        var orderId: String?

        func validate() throws {
            guard [subscriptionId, orderId].compactMap({ $0 }).count == 1 else {
                throw ValidationError("give exactly one of --subscription-id and --order-id")
            }
        }

        func run() async throws {
            try await options.show({
                try await $0.customerSeats.listSeats(subscriptionId: subscriptionId, orderId: orderId)
            }) { list in
                let summary = "\(list.availableSeats) of \(list.totalSeats) seats available"
                return list.seats.isEmpty ? "No seats assigned.\n\(summary)" : SeatsCommand.table(list.seats) + "\n" + summary
            }
        }
    }

    struct History: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a seat's history, or a pool's: who assigned, invited, claimed and revoked, newest first.",
            discussion: """
                Give a seat id, or the pool (--subscription-id or --order-id). Prints one page; the \
                last line names the --cursor of the next. Scope customer_seats:read.

                Example:
                  tessera seats history $SEAT
                  tessera seats history --subscription-id $SUBSCRIPTION --limit 50
                """)

        @OptionGroup var options: ClientOptions
        @Argument(help: "The seat's id (or give the pool instead).") var seatId: String?
        @Option(name: .customLong("subscription-id"), help: "The subscription whose seats' history to show.")
        var subscriptionId: String?
        @Option(name: .customLong("order-id"), help: "The order whose seats' history to show.")
        var orderId: String?
        @Option(help: "Events per page (1-100, default 10).") var limit: Int?
        @Option(help: "Where the previous page ended (its last line says).") var cursor: String?

        func validate() throws {
            guard [seatId, subscriptionId, orderId].compactMap({ $0 }).count == 1 else {
                throw ValidationError("give exactly one of a seat id, --subscription-id and --order-id")
            }
        }

        func run() async throws {
            try await options.show({ client in
                if let seatId {
                    return try await client.customerSeats.history(seatId: seatId, limit: limit, cursor: cursor)
                }
                return try await client.customerSeats.poolHistory(subscriptionId: subscriptionId, orderId: orderId,
                                                                   limit: limit, cursor: cursor)
            }) { page in
                guard !page.items.isEmpty else { return "No seat events." }
                let rows = page.items.map { event in
                    [Output.date(event.createdAt), event.seatId, event.type.rawValue,
                     event.actor.type.rawValue + (event.actor.id.map { " " + $0 } ?? ""),
                     Output.or(event.holderBefore?.email), Output.or(event.holderAfter?.email)]
                }
                let table = Output.table(["WHEN", "SEAT", "EVENT", "BY", "HOLDER BEFORE", "HOLDER AFTER"], rows)
                return table + (page.nextCursor.map { "\nMore: --cursor \($0)" } ?? "")
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke a seat: its holder loses access and the seat is free again.",
            discussion: """
                Revoking a revoked seat changes nothing. Scope customer_seats:write.

                Example:
                  tessera seats revoke $SEAT
                """)

        @OptionGroup var options: ClientOptions
        @Argument(help: "The seat's id.") var seatId: String

        func run() async throws {
            try await options.show({ try await $0.customerSeats.revokeSeat(seatId: seatId) }) {
                SeatsCommand.table([$0]) + "\nSeat revoked."
            }
        }
    }

    struct Resend: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Email a pending seat's invitation again, with a fresh link.",
            discussion: """
                The previous link stops working. Scope customer_seats:write.

                Example:
                  tessera seats resend $SEAT
                """)

        @OptionGroup var options: ClientOptions
        @Argument(help: "The seat's id.") var seatId: String
        @Flag(name: .customLong("no-email"),
              help: "Send no email; print the new claim link (shown once) for you to deliver.")
        var noEmail = false

        func run() async throws {
            try await options.show({
                try await $0.customerSeats.resendInvitation(seatId: seatId, sendInvitation: noEmail ? false : nil)
            }) { seat in
                SeatsCommand.table([seat]) + "\n"
                    + SeatsCommand.invitationLine(seat, sent: "Invitation sent again to \(Output.or(seat.email ?? seat.customerEmail)).")
            }
        }
    }

    struct ClaimInfo: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "claim-info",
            abstract: "Show what an invitation is for, without claiming it (needs no access token).",
            discussion: """
                Give the `token` parameter of the invitation email's claim link, or the whole link.

                Example:
                  tessera seats claim-info $INVITATION_TOKEN
                """)

        @OptionGroup var options: ClientOptions
        @OptionGroup var invitation: InvitationArgument

        func run() async throws {
            try await options.show(tokenRequired: false, {
                try await $0.customerSeats.getClaimInfo(invitationToken: invitation.token)
            }) { info in
                Output.fields([
                    ("Product", "\(info.productName) (\(info.productId))"),
                    ("Organization", "\(info.organizationName) (\(info.organizationSlug))"),
                    ("Invited email", info.customerEmail),
                    ("Can claim", info.canClaim ? "yes" : "no"),
                ])
            }
        }
    }

    struct Claim: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Claim a seat with its invitation token (needs no access token).",
            discussion: """
                Give the `token` parameter of the invitation email's claim link, or the whole link. \
                Prints the claimed seat and, alone on the last line, a customer portal session token.

                Example:
                  tessera seats claim $INVITATION_TOKEN
                """)

        @OptionGroup var options: ClientOptions
        @OptionGroup var invitation: InvitationArgument

        func run() async throws {
            try await options.show(tokenRequired: false, {
                try await $0.customerSeats.claimSeat(SeatClaim(invitationToken: invitation.token))
            }) { claimed in
                SeatsCommand.table([claimed.seat])
                    + "\nSeat claimed by \(Output.or(claimed.seat.email ?? claimed.seat.customerEmail)). "
                    + "Customer session token:\n\(claimed.customerSessionToken)"
            }
        }
    }
}

/// The person a seat goes to, and how: the options `seats assign` and `seats transfer` share.
struct RecipientOptions: ParsableArguments {
    @Option(help: "The person's email.")
    var email: String?
    @Option(name: .customLong("customer-id"), help: "The person as an existing customer.")
    var customerId: String?
    @Option(name: .customLong("external-customer-id"), help: "The person as a customer, by your own id.")
    var externalCustomerId: String?
    @Option(name: .customLong("member-id"), help: "The person as a member of the billing customer.")
    var memberId: String?
    @Option(name: .customLong("external-member-id"),
            help: "The person as a member, by your own id (with --email: the member made or found by that email gets it).")
    var externalMemberId: String?

    @Flag(name: .customLong("immediate-claim"), help: "Claim the seat at once, without an invitation.")
    var immediateClaim = false

    @Flag(name: .customLong("no-email"),
          help: "Send no invitation email; print the claim link (shown once) for you to deliver.")
    var noEmail = false

    @Option(name: .customLong("metadata"), parsing: .singleValue,
            help: ArgumentHelp("Metadata stored on the seat, as key=value (repeatable).", valueName: "key=value"))
    var metadata: [String] = []

    @Option(name: .customLong("expires-at"), help: ExpiryOption.help, transform: ExpiryOption.parse)
    var expiresAt: Date?

    func validate() throws {
        let people = [email, customerId, externalCustomerId, memberId, externalMemberId].compactMap { $0 }
        guard people.count == 1 || (people.count == 2 && externalMemberId != nil && email != nil) else {
            throw ValidationError("""
                give exactly one of --email, --customer-id, --external-customer-id, --member-id and \
                --external-member-id (or --external-member-id with --email)
                """)
        }
        _ = try parsedMetadata()
    }

    func parsedMetadata() throws -> Metadata? {
        guard !metadata.isEmpty else { return nil }
        var result: Metadata = [:]
        for pair in metadata {
            guard let separator = pair.firstIndex(of: "="), separator != pair.startIndex else {
                throw ValidationError("--metadata must be key=value, not '\(pair)'")
            }
            result[String(pair[..<separator])] = .string(String(pair[pair.index(after: separator)...]))
        }
        return result
    }

    /// The SDK's recipient for these options.
    func recipient() throws -> SeatRecipient {
        SeatRecipient(email: email, customerId: customerId, externalCustomerId: externalCustomerId, memberId: memberId,
                      externalMemberId: externalMemberId, metadata: try parsedMetadata(),
                      immediateClaim: immediateClaim ? true : nil, sendInvitation: noEmail ? false : nil,
                      expiresAt: expiresAt)
    }
}

/// `--expires-at`: when a seat ends (Tessera revokes it then), as an RFC 3339 date-time.
enum ExpiryOption {
    static let help = ArgumentHelp(
        "When the seat ends and is revoked, as an RFC 3339 date-time in the future (2026-12-31T23:59:59Z).",
        valueName: "date-time")

    static func parse(_ text: String) throws -> Date {
        guard let date = Timestamp.parse(text) else {
            throw ValidationError("--expires-at must be an RFC 3339 date-time such as 2026-12-31T23:59:59Z, not '\(text)'")
        }
        return date
    }
}

/// The invitation token of `seats claim-info` and `seats claim`.
///
/// Tokens are URL-safe base64, so one may start with `-`: the argument takes any word that is
/// not one of the command's options, where a plain `@Argument` would read it as an option.
struct InvitationArgument: ParsableArguments {
    @Argument(parsing: .allUnrecognized,
              help: ArgumentHelp("The invitation token, or the whole claim link (…/portal/claim?token=…).",
                                 valueName: "invitation-token"))
    var words: [String] = []

    func validate() throws {
        guard words.count == 1 else {
            throw ValidationError(words.isEmpty ? "Missing expected argument '<invitation-token>'"
                                                : "give one invitation token, not \(words.count) words")
        }
        guard !token.isEmpty else { throw ValidationError("the invitation token is empty") }
    }

    /// The token: the argument, or the `token` parameter of a claim link.
    var token: String {
        let word = words.first ?? ""
        if word.contains("token="), let components = URLComponents(string: word),
           let token = components.queryItems?.first(where: { $0.name == "token" })?.value {
            return token
        }
        return word
    }
}
