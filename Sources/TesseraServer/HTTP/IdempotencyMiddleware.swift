import Foundation
import HTTPTypes
import Hummingbird
import NIOConcurrencyHelpers
import NIOCore
import TesseraCore
import TesseraStore

extension HTTPField.Name {
    static let idempotencyKey = Self("Idempotency-Key")!
    static let idempotentReplayed = Self("Idempotent-Replayed")!
}

/// Tessera's idempotency keys: a `POST`, `PATCH` or `DELETE` of the API with an
/// `Idempotency-Key` header runs, with its whole handler, in one transaction that also stores its
/// answer, so a crash never leaves a key that claims work which did not commit.
///
/// - The same key and the same request (method, path, query, body) within 24 hours: the stored
///   answer again (status, body, `Idempotent-Replayed: true`), and nothing is done again.
/// - The same key with another request: 422 `IdempotencyKeyReused`.
/// - The same key while its first request still runs: 409 `IdempotencyKeyInUse` (in this process
///   at once; on PostgreSQL also from another process, through an advisory lock).
///
/// Keys are scoped to the caller: an organization, the operator, a portal customer, or the
/// public routes. Answers of 500, 409 and 429 are not stored: a retry should run again. The key
/// is stored only as a hash and the answer sealed with it (`IdempotentRequest`).
struct IdempotencyMiddleware: RouterMiddleware {
    typealias Context = TesseraRequestContext

    let database: TesseraDatabase
    let now: @Sendable () -> Date
    let running = RunningKeys()

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard [.post, .patch, .delete].contains(request.method), request.uri.path.hasPrefix("/v1/"),
              let key = request.headers[.idempotencyKey] else {
            return try await next(request, context)
        }
        var request = request
        let body = try await request.body.collect(upTo: BodyFields.maximumSize)
        request.body = RequestBody(buffer: body)
        let scope = Self.scope(of: context.principal)
        guard let idempotent = IdempotentRequest(key: key, scope: scope, method: request.method.rawValue,
                                                 target: request.uri.description, body: body.readableBytesView) else {
            throw ValidationFailure([ValidationIssue(type: "value_error", loc: [.key("header"), .key("idempotency-key")],
                                                     msg: IdempotentRequest.invalidKeyMessage, input: .string(key))])
        }
        let storedKey = idempotent.storedKey
        guard running.begin(storedKey) else { throw TesseraError.idempotencyKeyInUse }
        defer { running.end(storedKey) }
        let at = now()
        return try await database.withRequestTransaction { tx in
            guard try await tx.idempotencyKeys.tryLock(storedKey: storedKey) else {
                throw TesseraError.idempotencyKeyInUse
            }
            if let stored = try await tx.idempotencyKeys.find(storedKey: storedKey) {
                if IdempotentRequest.isReplayed(storedAt: stored.createdAt, at: at) {
                    guard stored.requestHash == idempotent.requestHash else { throw TesseraError.idempotencyKeyReused }
                    return Self.replay(stored, body: try idempotent.open(stored.body))
                }
                try await tx.idempotencyKeys.delete(storedKey: storedKey)
            }
            // The handler's own errors are answers too: its writes are undone, its answer kept.
            let response: Response
            do {
                response = try await tx.savepoint { try await next(request, context) }
            } catch {
                guard let answer = ErrorMiddleware.response(for: error) else { throw error }
                response = answer
            }
            guard ![.conflict, .tooManyRequests].contains(response.status), response.status.code < 500 else {
                return response
            }
            let (bytes, kept) = try await Self.collect(response)
            try await tx.idempotencyKeys.insert(StoredAnswer(
                storedKey: storedKey, requestHash: idempotent.requestHash, status: response.status.code,
                contentType: response.headers[.contentType], body: try idempotent.seal(bytes.readableBytesView),
                createdAt: at))
            return kept
        }
    }

    /// Whose keys these are: the organization of a merchant token, the operator, a portal
    /// session's customer, or no one (the public routes).
    static func scope(of principal: Principal?) -> String {
        switch principal {
        case .organization(_, let organizationId, _): "organization:\(organizationId.wire)"
        case .operatorAccess: "operator"
        case .portal(let caller): "portal:\(caller.organizationId.wire):\(caller.customerId.wire)"
        case nil: "public"
        }
    }

    static func replay(_ stored: StoredAnswer, body: [UInt8]) -> Response {
        var headers: HTTPFields = [.idempotentReplayed: "true"]
        if let contentType = stored.contentType { headers[.contentType] = contentType }
        return Response(status: .init(code: stored.status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// The answer's body, and the answer rebuilt around it (a body can be written once).
    static func collect(_ response: Response) async throws -> (ByteBuffer, Response) {
        let collected = CollectedBody()
        try await response.body.write(CollectingWriter(collected: collected))
        var kept = response
        kept.body = .init(byteBuffer: collected.buffer)
        return (collected.buffer, kept)
    }
}

/// The keys whose first request runs in this process now.
final class RunningKeys: Sendable {
    private let keys = NIOLockedValueBox(Set<String>())

    /// False when the key (as stored: with its scope) already runs.
    func begin(_ storedKey: String) -> Bool {
        keys.withLockedValue { $0.insert(storedKey).inserted }
    }

    func end(_ storedKey: String) {
        _ = keys.withLockedValue { $0.remove(storedKey) }
    }
}

/// Where `CollectingWriter` puts a response body's bytes.
private final class CollectedBody {
    var buffer = ByteBuffer()
}

private struct CollectingWriter: ResponseBodyWriter {
    let collected: CollectedBody

    mutating func write(_ buffer: ByteBuffer) async throws {
        var buffer = buffer
        collected.buffer.writeBuffer(&buffer)
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
