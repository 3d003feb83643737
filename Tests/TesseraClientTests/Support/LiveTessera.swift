import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOConcurrencyHelpers
import Testing
import TesseraClient
import struct TesseraCore.SecretToken
import TesseraServer
import TesseraStore

/// A real Tessera server on a fresh SQLite file, listening on a free port of this process, for
/// the SDK to talk to over HTTP.
struct LiveTessera: Sendable {
    static let operatorToken = "sdk-test-operator-token"
    static let publicURL = "https://seats.example.test"

    /// `http://localhost:<port>`.
    let baseURL: String
    let database: TesseraDatabase
    let mail: RecordingMail

    /// Runs `body` against a new server, and removes its database afterwards.
    static func run(_ body: @escaping @Sendable (LiveTessera) async throws -> Void) async throws {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("tessera-sdk-test-\(UUID().uuidString.lowercased()).sqlite").path
        // Warnings and up: a line per request (the access log) would flood the test output.
        var logger = Logger(label: "tessera-sdk-test")
        logger.logLevel = .warning
        defer {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        }
        try await TesseraDatabase.withDatabase(.sqliteFile(path), logger: logger) { database in
            try await Migrations.migrate(database)
            var configuration = ServerConfiguration()
            configuration.port = 0
            configuration.publicURL = publicURL
            configuration.adminTokenHash = SecretToken.hash(operatorToken)
            // The webhook receivers of these tests listen on loopback.
            configuration.webhookAllowPrivate = true
            let mail = RecordingMail()
            let app = buildApplication(configuration: configuration, database: database, mail: mail, logger: logger,
                                       runsBackgroundWorkers: false)
            try await app.test(.live) { client in
                let port = try #require(client.port)
                try await body(LiveTessera(baseURL: "http://localhost:\(port)", database: database, mail: mail))
            }
        }
    }

    /// A client with `token` (none by default), retrying nothing unless told to.
    func client(token: String? = nil, retryConfig: RetryConfig = .none) -> TesseraClient {
        TesseraClient(accessToken: token, server: .url(baseURL), retryConfig: retryConfig)
    }

    /// A client with the operator token.
    var operatorClient: TesseraClient { client(token: Self.operatorToken) }

    /// Sends the queued invitation emails and returns the claim tokens of those sent to `email`.
    func deliverInvitations(to email: String) async throws -> [String] {
        let worker = OutboxWorker(database: database, mail: mail, sender: "Tessera <test@example.test>",
                                  logger: Logger(label: "tessera-sdk-test"))
        _ = try await worker.deliverDue()
        return mail.messages.filter { $0.to == email }.compactMap { Self.claimToken(in: $0.text) }
    }

    static func claimToken(in text: String) -> String? {
        guard let range = text.range(of: "token=") else { return nil }
        return String(text[range.upperBound...].prefix { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
    }

    /// An organization and a client with an organization token holding `scopes` (all by default).
    func makeOrganization(scopes: [AccessTokenScope] = AccessTokenScope.knownCases) async throws
        -> (organization: Organization, client: TesseraClient)
    {
        let slug = "org-\(UUID().uuidString.lowercased().prefix(12))"
        let organization = try await operatorClient.organizations.create(OrganizationCreate(name: "Acme", slug: slug))
        let token = try await operatorClient.organizationAccessTokens.create(OrganizationAccessTokenCreate(
            organizationId: organization.id, comment: "sdk test", scopes: scopes))
        return (organization, client(token: token.token))
    }
}

/// A seat-based product: $10 a seat, any number of seats.
func seatProduct(recurring: Bool = true) -> ProductCreate {
    ProductCreate(
        name: "Team plan", recurringInterval: recurring ? .month : nil,
        prices: [.seatBased(SeatTiers(tiers: [SeatTier(minSeats: 1, pricePerSeat: 1000)]))])
}

/// A subscription of `seats` seats to a new seat-based product, billed to a new customer.
func makeTeamPlan(_ client: TesseraClient, seats: Int) async throws -> Subscription {
    let product = try await client.products.create(seatProduct())
    let customer = try await client.customers.create(CustomerCreate(email: "billing@bigco.example"))
    return try await client.subscriptions.create(SubscriptionCreate(productId: product.id, customerId: customer.id, seats: seats))
}

/// Keeps every email the server sends.
final class RecordingMail: MailTransport {
    private let sent = NIOLockedValueBox<[MailMessage]>([])

    var messages: [MailMessage] { sent.withLockedValue { $0 } }

    func send(_ message: MailMessage, from sender: String) async throws {
        sent.withLockedValue { $0.append(message) }
    }
}
