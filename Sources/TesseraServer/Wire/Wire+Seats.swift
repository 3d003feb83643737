import Foundation
import TesseraCore
import TesseraStore

extension Wire {
    static func seat(_ details: SeatDetails) -> JSONValue {
        let seat = details.seat
        return .object([
            "id": JSONValue(seat.id),
            "created_at": JSONValue(seat.createdAt),
            "modified_at": JSONValue(seat.modifiedAt),
            "subscription_id": JSONValue(seat.pool.subscriptionId),
            "order_id": JSONValue(seat.pool.orderId),
            "status": .string(seat.status.rawValue),
            "customer_id": JSONValue(seat.holder?.customerId),
            "member_id": JSONValue(seat.holder?.memberId),
            "member": details.member.map(member) ?? .null,
            "email": JSONValue(seat.holder?.email),
            "customer_email": JSONValue(details.holderEmail),
            "invitation_token_expires_at": JSONValue(seat.invitationTokenExpiresAt),
            "claimed_at": JSONValue(seat.claimedAt),
            "revoked_at": JSONValue(seat.revokedAt),
            "seat_metadata": .object(seat.metadata),
        ])
    }

    static func seatsList(_ seats: [SeatDetails], pool: SeatPool) -> JSONValue {
        .object([
            "seats": .array(seats.map(seat)),
            "available_seats": JSONValue(pool.availableSeats),
            "total_seats": JSONValue(pool.seats ?? 0),
        ])
    }

    /// What an invitation is for (`GET /v1/customer-seats/claim/{token}`); only usable
    /// invitations get here, so `can_claim` is always true.
    static func seatClaimInfo(_ info: SeatOperations.ClaimInfo) -> JSONValue {
        .object([
            "product_name": .string(info.productName),
            "product_id": JSONValue(info.productId),
            "organization_name": .string(info.organization.name),
            "organization_slug": .string(info.organization.slug),
            "customer_email": .string(info.email),
            "can_claim": true,
        ])
    }

    /// The claimed seat and the portal session opened for its new holder.
    static func seatClaim(_ seat: SeatDetails, session: SecretToken) -> JSONValue {
        .object(["seat": Wire.seat(seat), "customer_session_token": .string(session.value)])
    }
}
