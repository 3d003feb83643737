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
}
