import Foundation
import Hummingbird
import TesseraCore

/// Who is calling, resolved from the bearer token by `AuthenticationMiddleware`.
public enum Principal: Sendable, Equatable {
    case operatorAccess
    case organization(tokenId: UUID, organizationId: UUID, scopes: Set<Scope>)
    case customerSession(organizationId: UUID, customerId: UUID)
    case memberSession(organizationId: UUID, customerId: UUID, memberId: UUID)
}

/// The request context of every Tessera route: Hummingbird's core storage plus the caller.
public struct TesseraRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// nil when the request carried no `Authorization` header.
    public var principal: Principal?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.principal = nil
    }

    /// The operator, or 401/403.
    func requireOperator() throws {
        switch principal {
        case .operatorAccess: return
        case nil, .customerSession, .memberSession: throw AuthError.unauthorized
        case .organization: throw AuthError.insufficientScope("operator")
        }
    }

    /// The organization of a merchant token holding any one of `scopes`, or 401/403.
    func requireOrganization(anyOf scopes: Scope...) throws -> UUID {
        switch principal {
        case .organization(_, let organizationId, let granted):
            guard scopes.contains(where: { $0.isGranted(by: granted) }) else {
                throw AuthError.insufficientScope(scopes.map(\.rawValue).joined(separator: " "))
            }
            return organizationId
        case .operatorAccess:
            throw AuthError.insufficientScope(scopes.map(\.rawValue).joined(separator: " "))
        case nil, .customerSession, .memberSession:
            throw AuthError.unauthorized
        }
    }
}

/// Authentication and authorization failures, rendered as OAuth 2 bearer errors.
enum AuthError: Error, Equatable {
    /// No credentials, or a kind of credentials this route does not take.
    case unauthorized
    /// A token that is unknown, expired or deleted.
    case invalidToken
    /// A valid token without the scope the route needs.
    case insufficientScope(String)
}
