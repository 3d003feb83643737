import Foundation
import NIOCore
import TesseraCore
import TesseraStore

extension Wire {
    /// A seat in Polar's `CustomerSeat` shape, written straight to text: the one definition of
    /// that shape. Keys in byte order, so the text is what ``JSONValue/serialized()`` writes
    /// for ``seat(_:)``.
    static func write(_ details: SeatDetails, to json: inout JSONWriter) {
        write(details, invitation: nil, to: &json)
    }

    /// A seat, with an invitation handed to the merchant (`send_invitation: false`) when there
    /// is one: `invitation_token` and `invitation_url`, in key order among the others.
    static func write(_ details: SeatDetails, invitation: HandedInvitation?, to json: inout JSONWriter) {
        let seat = details.seat
        json.beginObject()
        json.key("claimed_at"); json.timestamp(seat.claimedAt)
        json.key("created_at"); json.timestamp(seat.createdAt)
        json.key("customer_email"); json.string(details.holderEmail)
        json.key("customer_id"); json.uuid(seat.holder?.customerId)
        json.key("email"); json.string(seat.holder?.email)
        // Tessera's seat expiry, only on a seat that has one: Polar's shape is otherwise unchanged.
        if let expiresAt = seat.expiresAt { json.key("expires_at"); json.timestamp(expiresAt) }
        json.key("id"); json.uuid(seat.id)
        if let invitation { json.key("invitation_token"); json.string(invitation.token.value) }
        json.key("invitation_token_expires_at"); json.timestamp(seat.invitationTokenExpiresAt)
        if let invitation { json.key("invitation_url"); json.string(invitation.url) }
        json.key("member")
        if let member = details.member { write(member, to: &json) } else { json.null() }
        json.key("member_id"); json.uuid(seat.holder?.memberId)
        json.key("modified_at"); json.timestamp(seat.modifiedAt)
        json.key("order_id"); json.uuid(seat.pool.orderId)
        json.key("revoked_at"); json.timestamp(seat.revokedAt)
        json.key("seat_metadata"); json.value(.object(seat.metadata))
        json.key("status"); json.string(seat.status.rawValue)
        json.key("subscription_id"); json.uuid(seat.pool.subscriptionId)
        json.endObject()
    }

    /// A seat as an answer's text, with the invitation handed back, if any.
    static func seatText(_ details: SeatDetails, invitation: HandedInvitation? = nil) -> JSONWriter {
        var json = JSONWriter(capacity: 768)
        write(details, invitation: invitation, to: &json)
        return json
    }

    /// A seat as a value (a webhook event's data).
    static func seat(_ details: SeatDetails) -> JSONValue {
        JSONValue(written: seatText(details))
    }

    /// A pool's seats (`CustomerSeatList` and its counts), written straight into the answer's
    /// buffer: a pool can hold thousands. The text goes through a 64 KB writer that is emptied
    /// into the buffer as it fills, so a 1,000-seat answer (700 KB) is not also built whole in
    /// an array and copied: that second buffer's fresh pages and the copy were a fifth of a list.
    /// With Tessera's paging (`next` given or not asked for), `next_cursor` follows `available_seats`.
    static func seatsList(_ seats: [SeatDetails], pool: SeatPool, next: ListCursor?? = nil) -> ByteBuffer {
        let chunk = 64 * 1024
        var buffer = ByteBuffer()
        buffer.reserveCapacity(128 + 768 * seats.count)
        // A page of ten seats needs 8 KB, not the chunk: this runs on every list request.
        var json = JSONWriter(capacity: min(chunk + 4 * 1024, 128 + 768 * seats.count))
        json.beginObject()
        json.key("available_seats"); json.int(pool.availableSeats)
        if let next { json.key("next_cursor"); json.string(next?.text) }
        json.key("seats")
        json.beginArray()
        for seat in seats {
            write(seat, to: &json)
            if json.bytes.count >= chunk { json.drain { buffer.writeBytes($0) } }
        }
        json.endArray()
        json.key("total_seats"); json.int(pool.seats ?? 0)
        json.endObject()
        json.drain { buffer.writeBytes($0) }
        return buffer
    }

    /// What an invitation is for (`GET /v1/customer-seats/claim/{token}`); only usable
    /// invitations get here, so `can_claim` is always true.
    static func seatClaimInfo(_ info: SeatOperations.ClaimInfo) -> JSONWriter {
        // Written straight out, keys in byte order: a tree first was 2% of a claim-info request.
        var json = JSONWriter()
        json.beginObject()
        json.key("can_claim"); json.bool(true)
        json.key("customer_email"); json.string(info.email)
        json.key("organization_name"); json.string(info.offer.organization.name)
        json.key("organization_slug"); json.string(info.offer.organization.slug)
        json.key("product_id"); json.uuid(info.offer.productId)
        json.key("product_name"); json.string(info.offer.productName)
        json.endObject()
        return json
    }

    /// The claimed seat and the portal session opened for its new holder.
    static func seatClaim(_ seat: SeatDetails, session: SecretToken) -> JSONValue {
        .object(["seat": Wire.seat(seat), "customer_session_token": .string(session.value)])
    }
}

extension Wire {
    /// Tessera's seat history page: `items`, newest first, and `next_cursor` (null on the last page).
    static func seatEvents(_ page: CursorPage<SeatEvent>) -> JSONValue {
        [
            "items": .array(page.items.map(seatEvent)),
            "next_cursor": page.next.map { .string($0.text) } ?? .null,
        ]
    }

    /// One change of a seat: what, who (`actor`), and the holder before and after.
    static func seatEvent(_ event: SeatEvent) -> JSONValue {
        [
            "id": JSONValue(event.id),
            "created_at": JSONValue(event.createdAt),
            "seat_id": JSONValue(event.seatId),
            "subscription_id": JSONValue(event.pool.subscriptionId),
            "order_id": JSONValue(event.pool.orderId),
            "type": .string(event.kind.rawValue),
            "actor": ["type": .string(event.actor.kind.rawValue), "id": JSONValue(event.actor.id)],
            "holder_before": event.holderBefore.map(seatHolder) ?? .null,
            "holder_after": event.holderAfter.map(seatHolder) ?? .null,
        ]
    }

    static func seatHolder(_ holder: SeatHolder) -> JSONValue {
        ["customer_id": JSONValue(holder.customerId), "member_id": JSONValue(holder.memberId), "email": JSONValue(holder.email)]
    }
}

extension Wire {
    /// Tessera's bulk assignment answer: a count of each outcome and `results`, one per
    /// recipient in input order (`index`, `status`, and `seat` or `error`). An atomic request
    /// with a failed row answers the same with Polar's `error` and `detail` added.
    static func bulkAssignment(_ outcomes: [BulkSeatOutcome], failed: Bool = false) -> JSONWriter {
        var json = JSONWriter(capacity: 256 + 800 * outcomes.count)
        let failures = outcomes.filter(\.isFailure).count
        json.beginObject()
        json.key("already_assigned"); json.int(outcomes.filter { if case .alreadyAssigned = $0 { true } else { false } }.count)
        json.key("assigned"); json.int(outcomes.filter { if case .assigned = $0 { true } else { false } }.count)
        if failed {
            json.key("detail")
            json.string("Nothing was assigned: \(failures) of \(outcomes.count) recipients failed, and the request was atomic.")
            json.key("error"); json.string("BulkAssignmentFailed")
        }
        json.key("failed"); json.int(failures)
        json.key("results")
        json.beginArray()
        for (index, outcome) in outcomes.enumerated() {
            json.beginObject()
            switch outcome {
            case .failed(let error):
                if let (status, body) = ErrorMiddleware.answer(for: error), case .object(var members) = body {
                    members["status"] = .int(Int64(status.code))
                    json.key("error"); json.value(.object(members))
                }
            default: break
            }
            json.key("index"); json.int(index)
            switch outcome {
            case .assigned(let details, let invitation):
                json.key("seat"); write(details, invitation: invitation, to: &json)
            case .alreadyAssigned(let details):
                json.key("seat"); write(details, to: &json)
            case .failed, .notAssigned: break
            }
            json.key("status"); json.string(outcome.wireStatus)
            json.endObject()
        }
        json.endArray()
        json.endObject()
        return json
    }
}

extension BulkSeatOutcome {
    /// The outcome's name in a bulk answer's `results`.
    var wireStatus: String {
        switch self {
        case .assigned: "assigned"
        case .alreadyAssigned: "already_assigned"
        case .failed: "failed"
        case .notAssigned: "not_assigned"
        }
    }
}
