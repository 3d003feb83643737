import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing
import TesseraCore
@testable import TesseraServer

/// The mapping from domain codes to HTTP statuses and Polar's error names, which the API and
/// the pages share.
@Suite struct ErrorStatusTests {
    /// One example of every code with the status and name it is answered with.
    static let answers: [(TesseraError, HTTPResponse.Status, String)] = [
        (.notFound(.seat), .notFound, "ResourceNotFound"),
        (.notFound(.invitation), .notFound, "ResourceNotFound"),
        (.notPermitted, .forbidden, "NotPermitted"),
        (.featureNotEnabled, .forbidden, "FeatureNotEnabled"),
        (.seatNotAvailable(poolId: UUID()), .badRequest, "SeatNotAvailable"),
        (.orderNotPaid, .badRequest, "SeatNotAvailable"),
        (.seatAlreadyAssigned("ada@example.com"), .badRequest, "SeatAlreadyAssigned"),
        (.seatNotPending, .badRequest, "SeatNotPending"),
        (.invalidInvitationToken, .badRequest, "InvalidInvitationToken"),
        (.customerNotFound("ext-7"), .notFound, "CustomerNotFound"),
        (.memberNotFound("ext-8"), .notFound, "MemberNotFound"),
        (.invalidSeatAssignmentRequest, .badRequest, "InvalidSeatAssignmentRequest"),
        (.memberEmailMismatch(externalId: "ext-1", email: "b@example.com"), .badRequest, "MemberEmailMismatch"),
        (.memberExternalIdMismatch(email: "b@example.com"), .badRequest, "MemberEmailMismatch"),
        (.poolNotGiven, .badRequest, "BadRequest"),
        (.alreadyCanceledSubscription, .forbidden, "AlreadyCanceledSubscription"),
        (.notASeatBasedSubscription, .badRequest, "NotASeatBasedSubscription"),
        (.belowMinimumSeats(minimum: 2), .badRequest, "BelowMinimumSeats"),
        (.aboveMaximumSeats(maximum: 10), .badRequest, "AboveMaximumSeats"),
        (.seatsAlreadyAssigned(requested: 2, assigned: 3), .badRequest, "SeatsAlreadyAssigned"),
        (.seatsWithoutSeatBasedPrice, .badRequest, "BadRequest"),
        (.seatsRequiredBySeatBasedPrice, .badRequest, "BadRequest"),
        (.paidOrderCannotBecomePending, .badRequest, "BadRequest"),
        (.slugTaken("acme"), .conflict, "Conflict"),
        (.licenseKeyNotActive, .notFound, "ResourceNotFound"),
        (.licenseKeyExpired, .notFound, "ResourceNotFound"),
        (.licenseKeyUsageExceeded(remaining: 1), .badRequest, "BadRequest"),
        (.licenseKeyActivationsNotSupported, .forbidden, "NotPermitted"),
        (.licenseKeyActivationLimitReached, .forbidden, "NotPermitted"),
        (.licenseKeyGrantRevoked, .forbidden, "NotPermitted"),
        (.licenseKeyUsageAboveLimit(limit: 3), .badRequest, "BadRequest"),
        (.notEnoughSeats(needed: 3, available: 1), .badRequest, "SeatNotAvailable"),
        (.seatNotActive, .badRequest, "SeatNotActive"),
        (.idempotencyKeyInUse, .conflict, "IdempotencyKeyInUse"),
        (.idempotencyKeyReused, .unprocessableContent, "IdempotencyKeyReused"),
    ]

    /// A number for each code. No `default`: a new code stops this file compiling until it gets
    /// the next number (and `codeCount` grows); then `everyCodeHasAnAnswer` fails until
    /// `answers` has an example of it.
    static func number(_ error: TesseraError) -> Int {
        switch error {
        case .notFound: 0
        case .notPermitted: 1
        case .featureNotEnabled: 2
        case .seatNotAvailable: 3
        case .orderNotPaid: 4
        case .seatAlreadyAssigned: 5
        case .seatNotPending: 6
        case .invalidInvitationToken: 7
        case .customerNotFound: 8
        case .memberNotFound: 9
        case .invalidSeatAssignmentRequest: 10
        case .memberEmailMismatch: 11
        case .memberExternalIdMismatch: 12
        case .poolNotGiven: 13
        case .alreadyCanceledSubscription: 14
        case .notASeatBasedSubscription: 15
        case .belowMinimumSeats: 16
        case .aboveMaximumSeats: 17
        case .seatsAlreadyAssigned: 18
        case .seatsWithoutSeatBasedPrice: 19
        case .seatsRequiredBySeatBasedPrice: 20
        case .paidOrderCannotBecomePending: 21
        case .slugTaken: 22
        case .licenseKeyNotActive: 23
        case .licenseKeyExpired: 24
        case .licenseKeyUsageExceeded: 25
        case .licenseKeyActivationsNotSupported: 26
        case .licenseKeyActivationLimitReached: 27
        case .licenseKeyGrantRevoked: 28
        case .licenseKeyUsageAboveLimit: 29
        case .notEnoughSeats: 30
        case .seatNotActive: 31
        case .idempotencyKeyInUse: 32
        case .idempotencyKeyReused: 33
        }
    }

    static let codeCount = 34

    @Test func everyCodeHasAnAnswer() {
        #expect(Set(Self.answers.map { Self.number($0.0) }) == Set(0..<Self.codeCount))
        for (error, status, name) in Self.answers {
            #expect(error.http == ErrorStatus(error))
            #expect(error.http.status == status, "\(error)")
            #expect(error.http.name == name, "\(error)")
        }
    }

    @Test func everyNotFoundIsPolarsResourceNotFound() {
        for resource in TesseraError.Resource.allCases {
            #expect(TesseraError.notFound(resource).http.status == .notFound)
            #expect(TesseraError.notFound(resource).http.name == "ResourceNotFound")
        }
    }

    /// A page shows a code with the API's status and a heading and sentence of its own.
    @Test func pagesUseTheSameStatuses() throws {
        for (error, status, _) in Self.answers {
            let page = try #require(PageErrorMessage(error), "\(error)")
            #expect(page.status == status, "\(error)")
            #expect(!page.heading.isEmpty && !page.message.isEmpty, "\(error)")
        }
        #expect(PageErrorMessage(TesseraError.seatNotAvailable(poolId: UUID()))?.heading == "No free seats")
        #expect(PageErrorMessage(TesseraError.orderNotPaid)?.heading == "That did not work")
        #expect(PageErrorMessage(TesseraError.notFound(.seat))?.message
            == "Seat not found. It may belong to someone else, or this page is out of date: reload it.")
        #expect(PageErrorMessage(FormProblem(message: "Fix it."))?.status == .unprocessableContent)
        #expect(PageErrorMessage(CancellationError()) == nil)
    }

    private struct Unexpected: Error {}

    /// Page routes answer every error with an HTML page and the pages' headers; API routes
    /// beside them keep the JSON error bodies.
    @Test func pageRoutesRenderErrorsAsPagesAndAPIRoutesAsJSON() async throws {
        let router = Router(context: TesseraRequestContext.self)
        router.add(middleware: ErrorMiddleware())
        let routes = Routes(group: router.group(), prefix: "", catalog: RouteCatalog(), access: .public)
        routes.add(.get, "/api") { _, _ in throw TesseraError.seatNotPending }
        let pages = routes.behind(PageErrorMiddleware(secureCookies: false))
        pages.add(.get, "/page/code") { _, _ in throw TesseraError.seatNotPending }
        pages.add(.get, "/page/failure") { _, _ in throw PageFailure.tooLarge }
        pages.add(.get, "/page/bug") { _, _ in throw Unexpected() }
        pages.add(.get, "/page/fine") { _, _ in PageRenderer.redirect(to: "/elsewhere") }
        let app = Application(router: router, logger: Logger(label: "tessera-test"))
        try await app.test(.router) { client in
            let api = try await client.execute(uri: "/api", method: .get)
            #expect(api.status == .badRequest)
            #expect(api.headers[.contentType] == "application/json")
            #expect(JSONValue.parse(Data(String(buffer: api.body).utf8))
                == ["error": "SeatNotPending", "detail": "Seat is not in pending status"])
            for (path, status, text) in [("/page/code", HTTPResponse.Status.badRequest, "Cannot re-send"),
                                         ("/page/failure", .contentTooLarge, "This form is too large"),
                                         ("/page/bug", .internalServerError, "Something went wrong")] {
                let page = try await client.execute(uri: path, method: .get)
                #expect(page.status == status, "\(path)")
                #expect(page.headers[.contentType] == "text/html; charset=utf-8", "\(path)")
                #expect(String(buffer: page.body).contains(text), "\(path)")
                #expect(page.headers[.contentSecurityPolicy] == PageRenderer.contentSecurityPolicy, "\(path)")
            }
            let fine = try await client.execute(uri: "/page/fine", method: .get)
            #expect(fine.status == .seeOther)
            #expect(fine.headers[.cacheControl] == "no-store")
        }
    }
}
