import Foundation
import SQLKit
import Testing
import TesseraCore
@testable import TesseraServer
import TesseraStore

/// Organization tokens are read from the database once a second, not once a request; deleting
/// one through the API refuses it at once, elsewhere within that second; sessions are read
/// every time.
@Suite struct RecentOrganizationTokensTests {
    static func statements(_ server: TestServer, _ path: String, token: String) async throws -> Int {
        try await ScalingTests.statements(server) { try await server.request(.get, path, token: token) }
    }

    @Test(arguments: Backend.all)
    func anOrganizationTokenIsReadOncePerSecond(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            _ = try await Self.statements(server, "/v1/products/", token: org.token)
            server.clock.advance(by: 1)
            let read = try await Self.statements(server, "/v1/products/", token: org.token)
            let remembered = try await Self.statements(server, "/v1/products/", token: org.token)
            #expect(remembered == read - 1)
            server.clock.advance(by: 0.999)
            #expect(try await Self.statements(server, "/v1/products/", token: org.token) == remembered)
            server.clock.advance(by: 0.001)
            #expect(try await Self.statements(server, "/v1/products/", token: org.token) == read)
        }
    }

    /// Deleted by another process (here straight in the database), a remembered token still
    /// works for the rest of its second, and not after.
    @Test(arguments: Backend.all)
    func aTokenDeletedElsewhereIsRefusedWithinASecond(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            #expect(try await server.request(.get, "/v1/products/", token: org.token).status == .ok)
            try await server.database.transaction {
                try await $0.execute("DELETE FROM access_tokens WHERE token_hash = \(bind: SecretToken.hash(org.token))")
            }
            server.clock.advance(by: 0.5)
            #expect(try await server.request(.get, "/v1/products/", token: org.token).status == .ok)
            server.clock.advance(by: 0.5)
            let refused = try await server.request(.get, "/v1/products/", token: org.token)
            #expect(refused.status == .unauthorized && refused.errorName == "invalid_token")
        }
    }

    /// A portal session is read on every request: ended in the database, it is refused at once.
    @Test(arguments: Backend.all)
    func aSessionIsReadEveryTime(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 1)
            let session = try await PortalAPITests.session(server, org, customerId: pool.customerId)
            let token = try #require(session["token"]?.stringValue)
            #expect(try await server.request(.get, "/v1/customer-portal/seats?subscription_id=\(pool.id)", token: token).status == .ok)
            try await server.database.transaction {
                try await $0.execute("DELETE FROM access_tokens WHERE token_hash = \(bind: SecretToken.hash(token))")
            }
            #expect(try await server.request(.get, "/v1/customer-portal/seats?subscription_id=\(pool.id)", token: token).status == .unauthorized)
        }
    }

    @Test func onlyOrganizationTokensAreKeptAndOnlyForTheirLifetime() {
        let recent = RecentOrganizationTokens(lifetime: 1, capacity: 2)
        let now = Date(timeIntervalSince1970: 1_000_000)
        func token(_ kind: AccessToken.Kind) -> AccessToken {
            AccessToken(id: UUID(), kind: kind, organizationId: UUID(), customerId: nil, memberId: nil, comment: "",
                        scopes: [], expiresAt: nil, lastUsedAt: nil, createdAt: now, modifiedAt: nil)
        }
        let organization = token(.organization)
        recent.remember(organization, hash: "a", readAt: now)
        recent.remember(token(.customerSession), hash: "s", readAt: now)
        recent.remember(token(.operatorAccess), hash: "o", readAt: now)
        #expect(recent.token(hash: "a", at: now.addingTimeInterval(0.9))?.id == organization.id)
        #expect(recent.token(hash: "s", at: now) == nil && recent.token(hash: "o", at: now) == nil)
        // A recorded use is kept without trusting the token longer.
        recent.recordedUse(hash: "a", at: now.addingTimeInterval(0.5))
        #expect(recent.token(hash: "a", at: now.addingTimeInterval(0.9))?.lastUsedAt == now.addingTimeInterval(0.5))
        #expect(recent.token(hash: "a", at: now.addingTimeInterval(1)) == nil)
        // A clock that went back does not make an old read new.
        recent.remember(organization, hash: "a", readAt: now)
        #expect(recent.token(hash: "a", at: now.addingTimeInterval(-1)) == nil)
        // Past its capacity the memory starts over; a forgotten token is read again.
        let others = [token(.organization), token(.organization), token(.organization)]
        for (index, other) in others.enumerated() { recent.remember(other, hash: "h\(index)", readAt: now) }
        #expect(recent.token(hash: "h0", at: now) == nil && recent.token(hash: "h2", at: now)?.id == others[2].id)
        recent.forget(tokenId: others[2].id)
        #expect(recent.token(hash: "h2", at: now) == nil)
    }
}
