import Foundation
import TesseraCore
import TesseraStore

extension SQLSession {
    /// Resizes a subscription's seat pool, for the merchant or in the customer portal.
    ///
    /// The subscription row is locked first, as an assignment locks it, so a resize and an
    /// assignment never interleave; then Polar's checks run in Polar's order (see
    /// `Subscription.validateSeatChange`). A changed count sends `subscription.updated`.
    /// Returns the subscription as it now is.
    func changeSeats(subscriptionId: UUID, to seats: Int, scope: SeatOperations.Scope, now: Date) async throws
        -> Subscription
    {
        guard var subscription = try await subscriptions.findForUpdate(id: subscriptionId, organizationId: scope.organizationId),
              scope.customerId.map({ $0 == subscription.customerId }) ?? true else {
            throw TesseraError.notFound(.subscription)
        }
        let product = try await products.require(id: subscription.productId, organizationId: scope.organizationId)
        guard try subscription.validateSeatChange(to: seats, tiers: product.seatTiers) else { return subscription }
        subscription.seats = seats
        subscription.amount = product.amount(forSeats: seats).amount
        subscription.modifiedAt = now
        try await subscriptions.update(subscription)
        try await webhooks.emit(.subscriptionUpdated, data: try await wireSubscription(subscription),
                                organizationId: scope.organizationId, at: now)
        return subscription
    }
}
