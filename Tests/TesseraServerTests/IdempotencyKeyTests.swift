import Foundation
import Hummingbird
import Testing
import TesseraCore
import TesseraStore
@testable import TesseraServer

/// Tessera's `Idempotency-Key`: the first answer is stored with the change, in one transaction,
/// and replayed for the same request; another request with the key is refused, and a key still
/// running is a 409.
@Suite struct IdempotencyKeyTests {
    static func assign(_ server: TestServer, _ org: TestOrganization, _ pool: TestPool, email: String, key: String)
        async throws -> TestResponse
    {
        try await server.request(.post, "/v1/customer-seats", token: org.token,
                                 json: [pool.kind: .string(pool.id), "email": .string(email)],
                                 headers: [.idempotencyKey: key])
    }

    static func storedKeys(_ server: TestServer) async throws -> Int {
        try await BulkAssignTests.count(server, "idempotency_keys")
    }

    @Test(arguments: Backend.all)
    func theSameRequestAgainGetsTheFirstAnswerAndChangesNothing(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 3)
            let first = try await Self.assign(server, org, pool, email: "ann@example.com", key: "assign-ann-1")
            #expect(first.status == .ok)
            #expect(first.headers[.idempotentReplayed] == nil)
            server.clock.advance(by: 3600)
            let again = try await Self.assign(server, org, pool, email: "ann@example.com", key: "assign-ann-1")
            #expect(again.status == .ok)
            #expect(again.headers[.idempotentReplayed] == "true")
            #expect(again.json == first.json)
            #expect(again.headers[.contentType] == "application/json")
            let counts = try await server.activeSeatCounts(pool, organizationId: org.id)
            #expect(counts.kept == 1 && counts.rows == 1)
            #expect(try await server.deliverInvitations(to: "ann@example.com").count == 1)

            // The same key with another request is refused, and does nothing.
            let reused = try await Self.assign(server, org, pool, email: "bo@example.com", key: "assign-ann-1")
            SeatSupport.expectError(reused, .unprocessableContent, "IdempotencyKeyReused",
                                    "This Idempotency-Key was used with a different request; send a new key with a new request.")
            #expect(try await server.activeSeatCounts(pool, organizationId: org.id).rows == 1)

            // Without a key, or with a new one, requests run as always.
            let plain = try await server.assign(org, pool, ["email": "ann@example.com"])
            #expect(plain.errorName == "SeatAlreadyAssigned")
            #expect(try await Self.assign(server, org, pool, email: "bo@example.com", key: "assign-bo-1").status == .ok)

            // Another organization's key of the same name is its own.
            let other = try await server.makeOrganization()
            let foreign = try await Self.assign(server, other, pool, email: "ann@example.com", key: "assign-ann-1")
            #expect(foreign.status == .notFound)
            #expect(foreign.headers[.idempotentReplayed] == nil)
        }
    }

    @Test(arguments: Backend.all)
    func anErrorAnswerIsKeptWithNothingWrittenAndAnswersLiveADay(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 1)
            try await server.assign(org, pool, ["email": "held@example.com"])
            let full = try await Self.assign(server, org, pool, email: "ann@example.com", key: "k-full")
            #expect(full.errorName == "SeatNotAvailable")
            // An atomic bulk request that fails: its rows undone, its 400 kept.
            let bulk = try await server.request(.post, "/v1/customer-seats/bulk", token: org.token, json: [
                pool.kind: .string(pool.id), "atomic": true,
                "recipients": [["email": "held@example.com"], ["customer_id": .string(UUID().wire)]],
            ], headers: [.idempotencyKey: "k-bulk"])
            #expect(bulk.status == .badRequest)
            #expect(try await BulkAssignTests.count(server, "customers") == 2)

            _ = try await server.request(.delete, "/v1/customer-seats/\(try await Self.seatId(server, org, pool))",
                                         token: org.token)
            // The stored answer is replayed even though the pool has room now.
            let replayed = try await Self.assign(server, org, pool, email: "ann@example.com", key: "k-full")
            #expect(replayed.headers[.idempotentReplayed] == "true")
            #expect(replayed.json == full.json && replayed.status == .badRequest)
            #expect(try await Self.storedKeys(server) == 2)

            // A day later the key is forgotten: the request runs again, and old answers are deleted.
            server.clock.advance(by: IdempotentRequest.lifetime + 1)
            let later = try await Self.assign(server, org, pool, email: "ann@example.com", key: "k-full")
            #expect(later.status == .ok, "\(later.json)")
            #expect(later.headers[.idempotentReplayed] == nil)
            try await server.idempotencyKeyExpiry.deleteNow()
            #expect(try await Self.storedKeys(server) == 1)
        }
    }

    static func seatId(_ server: TestServer, _ org: TestOrganization, _ pool: TestPool) async throws -> String {
        try #require(SeatSupport.array(try await server.list(org, pool)["seats"]).first?["id"]?.stringValue)
    }

    /// Many copies of one request with one key at once: it runs once; every other answer is
    /// its replay or a 409.
    @Test(arguments: Backend.all)
    func concurrentCopiesRunOnce(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 5)
            let answers = try await withThrowingTaskGroup(of: TestResponse.self) { group in
                for _ in 0..<8 {
                    group.addTask { try await Self.assign(server, org, pool, email: "ann@example.com", key: "race") }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let fresh = answers.filter { $0.status == .ok && $0.headers[.idempotentReplayed] == nil }
            #expect(fresh.count == 1)
            for answer in answers where answer.status != .ok {
                #expect(answer.status == .conflict && answer.errorName == "IdempotencyKeyInUse", "\(answer.json)")
            }
            for answer in answers where answer.headers[.idempotentReplayed] != nil {
                #expect(answer.json == fresh.first?.json)
            }
            let counts = try await server.activeSeatCounts(pool, organizationId: org.id)
            #expect(counts.kept == 1 && counts.rows == 1)
        }
    }

    /// On PostgreSQL another process running the key holds its advisory lock: a 409 at once.
    @Test func aKeyRunningInAnotherProcessIsAConflict() async throws {
        guard Backend.all.contains(.postgres) else { return }
        try await TestServer.run(.postgres) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 2)
            let stored = try #require(IdempotentRequest(key: "elsewhere", scope: "organization:\(org.id)", method: "", target: "",
                                                        body: [])).storedKey
            let (held, release) = AsyncStream.makeStream(of: Void.self)
            let (locked, lockedSignal) = AsyncStream.makeStream(of: Bool.self)
            let holder = Task {
                try await server.database.transaction { tx in
                    lockedSignal.yield(try await tx.idempotencyKeys.tryLock(storedKey: stored))
                    for await _ in held { break }
                }
            }
            var iterator = locked.makeAsyncIterator()
            #expect(await iterator.next() == true)
            let refused = try await Self.assign(server, org, pool, email: "ann@example.com", key: "elsewhere")
            #expect(refused.status == .conflict && refused.errorName == "IdempotencyKeyInUse")
            release.yield()
            release.finish()
            try await holder.value
            #expect(try await Self.assign(server, org, pool, email: "ann@example.com", key: "elsewhere").status == .ok)
            #expect(try await Self.storedKeys(server) == 1)
        }
    }

    /// Everything a request does and its stored answer commit together or not at all.
    @Test(arguments: Backend.all)
    func aRequestsWorkAndItsAnswerShareOneTransaction(backend: Backend) async throws {
        try await backend.withFreshDatabase { database, _ in
            let answer = StoredAnswer(storedKey: "k", requestHash: "h", status: 200, contentType: nil, body: "{}",
                                      createdAt: Date())
            struct Crash: Error {}
            await #expect(throws: Crash.self) {
                try await database.withRequestTransaction { tx in
                    try await database.transaction { try await $0.idempotencyKeys.insert(answer) }
                    throw Crash()
                }
            }
            #expect(try await database.read { try await $0.idempotencyKeys.find(storedKey: "k") } == nil)

            // A use case that throws inside the request's transaction undoes only its own work.
            try await database.withRequestTransaction { tx in
                _ = try? await database.transaction { session -> Int in
                    try await session.idempotencyKeys.insert(answer)
                    throw Crash()
                }
                var kept = answer
                kept.storedKey = "kept"
                try await tx.idempotencyKeys.insert(kept)
            }
            #expect(try await database.read { try await $0.idempotencyKeys.find(storedKey: "k") } == nil)
            #expect(try await database.read { try await $0.idempotencyKeys.find(storedKey: "kept") } != nil)
        }
    }

    /// An answer can carry a secret (here a new access token): the table keeps neither it nor
    /// the key in clear, and only the key reads the answer back.
    @Test(arguments: Backend.all)
    func storedAnswersKeepNoSecretInClear(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let key = "token-for-ci-\(UUID().wire)"
            let body: JSONValue = ["organization_id": .string(org.id), "comment": "ci", "scopes": ["customers:read"]]
            let made = try await server.request(.post, "/v1/organization-access-tokens/", token: TestServer.adminToken,
                                                json: body, headers: [.idempotencyKey: key])
            let token = try #require(made["token"]?.stringValue)
            for (column, secret) in [("body", token), ("body", key), ("idempotency_key", key)] {
                #expect(try await HandedInvitationTests.rows(server, "idempotency_keys", column, containing: secret) == 0,
                        "\(column)")
            }
            let again = try await server.request(.post, "/v1/organization-access-tokens/", token: TestServer.adminToken,
                                                 json: body, headers: [.idempotencyKey: key])
            #expect(again.headers[.idempotentReplayed] == "true")
            #expect(again["token"]?.stringValue == token)
            // Another caller's key of the same text is not this one (scopes differ), and the
            // sealed answer opens only with its own key and scope.
            let request = try #require(IdempotentRequest(key: key, scope: "operator", method: "POST", target: "/", body: []))
            let sealed = try request.seal(Array("secret".utf8))
            #expect(try request.open(sealed) == Array("secret".utf8))
            let other = try #require(IdempotentRequest(key: key, scope: "public", method: "POST", target: "/", body: []))
            #expect(throws: (any Error).self) { try other.open(sealed) }
            #expect(other.storedKey != request.storedKey)
        }
    }

    @Test(arguments: Backend.all)
    func aKeyMustBeShortVisibleTextAndOnlyWritesUseIt(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let org = try await server.makeOrganization()
            let pool = try await server.makeSubscription(org, seats: 3)
            for bad in [String(repeating: "k", count: 256), "two words", "caf\u{e9}"] {
                let answer = try await Self.assign(server, org, pool, email: "ann@example.com", key: bad)
                SeatSupport.expectValidation(answer, type: "value_error", loc: ["header", "idempotency-key"],
                                             msg: IdempotentRequest.invalidKeyMessage, bad)
            }
            #expect(try await Self.assign(server, org, pool, email: "ann@example.com",
                                          key: String(repeating: "k", count: 255)).status == .ok)
            let read = try await server.request(.get, "/v1/customer-seats?\(pool.kind)=\(pool.id)", token: org.token,
                                                headers: [.idempotencyKey: "a-read"])
            #expect(read.status == .ok && read.headers[.idempotentReplayed] == nil)
            // Refused credentials store nothing.
            let unauthorized = try await server.request(.post, "/v1/customer-seats", token: "tsr_oat_nope",
                                                        json: [pool.kind: .string(pool.id), "email": "x@example.com"],
                                                        headers: [.idempotencyKey: "no-auth"])
            #expect(unauthorized.status == .unauthorized)
            #expect(try await Self.storedKeys(server) == 1)
        }
    }
}
