import ArgumentParser
import Foundation
import TesseraClient

extension SeatsCommand {
    /// `tessera seats import`: a CSV file of people, assigned through the bulk call in requests
    /// of at most 1,000 rows.
    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Assign seats of a pool to everyone in a CSV file of emails.",
            discussion: """
                Each line is an email, optionally followed by a comma and your own id for the person \
                (sent as external_member_id with the email). A first line `email,external_id` and \
                blank lines are skipped; FILE `-` reads standard input. People who already hold a \
                seat of the pool are counted, not invited again. Prints how many were assigned, \
                already assigned and failed, then each failed line and why; exits 1 when any failed. \
                Scope customer_seats:write.

                Rows go in requests of at most 1,000. If the server refuses a whole request (say the \
                pool has too few free seats), the requests before it stay done and the rest of the \
                file is not sent. With --atomic nothing is assigned unless every row can be; it takes \
                at most 1,000 rows. --json prints each request's answer, one per line.

                Example:
                  tessera seats import --subscription-id $SUBSCRIPTION people.csv
                """)

        /// The most recipients one bulk request takes.
        static let requestSize = 1000
        /// How long one request of up to 1,000 rows may take: its rows are assigned one after
        /// another in one transaction, a few milliseconds each on PostgreSQL (about 10 s for
        /// 1,000 on a loaded 2-core machine), so the other commands' 30 s is too tight.
        static let requestTimeout: Duration = .seconds(300)

        @OptionGroup var options: ClientOptions

        @Option(name: .customLong("subscription-id"), help: "The subscription whose pool the seats are in.")
        var subscriptionId: String?
        @Option(name: .customLong("order-id"), help: "The order whose pool the seats are in.")
        var orderId: String?

        @Argument(help: ArgumentHelp("The CSV file, or - for standard input.", valueName: "file"))
        var file: String

        @Flag(name: .customLong("no-email"),
              help: "Send no invitation emails; print each new seat's claim link (shown once) for you to deliver.")
        var noEmail = false

        @Flag(help: "Assign nothing unless every row can be assigned (at most 1,000 rows).")
        var atomic = false

        @Option(name: .customLong("expires-at"), help: ExpiryOption.help, transform: ExpiryOption.parse)
        var expiresAt: Date?

        func validate() throws {
            guard [subscriptionId, orderId].compactMap({ $0 }).count == 1 else {
                throw ValidationError("give exactly one of --subscription-id and --order-id")
            }
        }

        func run() async throws {
            let rows = try readRows()
            if atomic && rows.count > Self.requestSize {
                Output.error("--atomic takes at most \(Self.requestSize) rows (one request); \(file) has \(rows.count). "
                    + "Nothing was sent.")
                throw ExitCode.validationFailure
            }
            try await options.execute(timeout: Self.requestTimeout) { client in
                var report = ImportReport()
                let progress = ProgressBar(total: rows.count)
                for start in stride(from: 0, to: rows.count, by: Self.requestSize) {
                    let chunk = Array(rows[start..<min(start + Self.requestSize, rows.count)])
                    progress.show(done: start)
                    do {
                        let answer = try await client.withRawResponse { client in
                            try await client.customerSeats.assignMany(
                                subscriptionId: subscriptionId, orderId: orderId, recipients: chunk.map(recipient),
                                atomic: atomic)
                        }
                        report.add(answer.value, rows: chunk)
                        if options.json { Output.raw(answer.body) }
                    } catch let error as APIError where error.error == "BulkAssignmentFailed" {
                        // --atomic and a row failed: nothing was assigned, and the error has every row's outcome.
                        progress.finish()
                        if let refused = error.bulkAssignment { report.add(refused, rows: chunk) }
                        if options.json {
                            Output.raw(Data(error.body.utf8))
                        } else {
                            print("Nothing was assigned: a row failed and --atomic was given.\n" + report.text)
                        }
                        throw ClientExitCode.apiError
                    } catch {
                        progress.finish()
                        // Requests before this one were done: say so before the error line.
                        if start > 0 && !options.json {
                            print(report.text + "\nStopped at line \(chunk[0].line): it and the lines after it were not sent.")
                        }
                        throw error
                    }
                }
                progress.show(done: rows.count)
                progress.finish()
                if !options.json { print(report.text) }
                if !report.failures.isEmpty { throw ClientExitCode.apiError }
            }
        }

        func recipient(_ row: ImportRow) -> SeatRecipient {
            SeatRecipient(email: row.email, externalMemberId: row.externalId, sendInvitation: noEmail ? false : nil,
                          expiresAt: expiresAt)
        }

        /// The file's rows; a file that cannot be read or has a malformed line is one error line
        /// and a usage exit, before anything is sent.
        func readRows() throws -> [ImportRow] {
            let data: Data?
            if file == "-" {
                data = FileHandle.standardInput.readDataToEndOfFile()
            } else {
                data = FileManager.default.contents(atPath: file)
            }
            guard let data, let text = String(data: data, encoding: .utf8) else {
                Output.error("cannot read \(file): " + (data == nil ? "no such file, or not readable" : "not UTF-8 text"))
                throw ExitCode.validationFailure
            }
            do throws(ImportRow.Problem) {
                let rows = try ImportRow.parse(text)
                guard !rows.isEmpty else { throw ImportRow.Problem(message: "no rows to import") }
                return rows
            } catch {
                Output.error("\(file): \(error.message)")
                throw ExitCode.validationFailure
            }
        }
    }
}

/// One person of an import file: where they are in it, and who they are.
struct ImportRow {
    /// The line number in the file, from 1.
    var line: Int
    var email: String
    /// Sent as `external_member_id` with the email.
    var externalId: String?

    struct Problem: Error {
        var message: String
    }

    /// `email[,external id]` lines. Blank lines and a first line `email` or `email,external_id`
    /// are skipped; fields are trimmed, and a field in double quotes loses them.
    static func parse(_ text: String) throws(Problem) -> [ImportRow] {
        var rows: [ImportRow] = []
        var firstLine = true
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        for (offset, line) in lines.enumerated() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(field)
            guard fields != [""] else { continue }
            let header = firstLine && [["email"], ["email", "external_id"]].contains(fields.map { $0.lowercased() })
            firstLine = false
            if header { continue }
            guard fields.count <= 2 else {
                throw Problem(message: "line \(offset + 1): expected email[,external id], found \(fields.count) fields")
            }
            guard !fields[0].isEmpty else { throw Problem(message: "line \(offset + 1): no email") }
            let externalId = fields.count == 2 && !fields[1].isEmpty ? fields[1] : nil
            rows.append(ImportRow(line: offset + 1, email: fields[0], externalId: externalId))
        }
        return rows
    }

    private static func field(_ raw: Substring) -> String {
        var text = String(raw)
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }   // a byte order mark, as spreadsheets write
        text = text.trimmingCharacters(in: .whitespaces)
        if text.count >= 2 && text.hasPrefix("\"") && text.hasSuffix("\"") { text = String(text.dropFirst().dropLast()) }
        return text
    }
}

/// What an import did, added up over its requests.
struct ImportReport {
    var assigned = 0
    var alreadyAssigned = 0
    var failures: [(row: ImportRow, error: BulkSeatError?)] = []
    /// Claim links handed back (`--no-email`), with their rows.
    var links: [(row: ImportRow, url: String)] = []

    mutating func add(_ outcome: BulkSeatAssignment, rows: [ImportRow]) {
        assigned += outcome.assigned
        alreadyAssigned += outcome.alreadyAssigned
        for result in outcome.results where rows.indices.contains(result.index) {
            let row = rows[result.index]
            if result.status == .failed { failures.append((row, result.error)) }
            if result.status == .assigned, let url = result.seat?.invitationUrl { links.append((row, url)) }
        }
    }

    /// The counts, then a table of the failed lines and one of the claim links handed back.
    var text: String {
        var text = Output.fields([("Assigned", "\(assigned)"), ("Already assigned", "\(alreadyAssigned)"),
                                  ("Failed", "\(failures.count)")])
        if !failures.isEmpty {
            text += "\n\n" + Output.table(["LINE", "EMAIL", "ERROR"], failures.map { failure in
                [String(failure.row.line), failure.row.email,
                 failure.error.map(ClientOptions.describe) ?? "failed (no reason given)"]
            })
        }
        if !links.isEmpty {
            text += "\n\nNo emails sent. Give each person their link (shown only now):\n"
                + Output.table(["LINE", "EMAIL", "CLAIM LINK"], links.map { [String($0.row.line), $0.row.email, $0.url] })
        }
        return text
    }
}

/// A progress bar on stderr, drawn only when stderr is a terminal (scripts and logs get none).
struct ProgressBar {
    let total: Int
    let enabled = isatty(STDERR_FILENO) == 1

    func show(done: Int) {
        guard enabled else { return }
        let width = 30
        let filled = total > 0 ? width * done / total : width
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        FileHandle.standardError.write(Data("\r[\(bar)] \(done)/\(total) rows".utf8))
    }

    /// Ends the bar's line, so that what follows starts on its own.
    func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\n".utf8))
    }
}
