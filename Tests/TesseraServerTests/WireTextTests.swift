import Foundation
import NIOCore
import Testing
import TesseraCore
@testable import TesseraServer

/// Seats and members are written straight to text. The text must be exactly what the same
/// object written as a `JSONValue` gives: every field of Polar's shape, `null` written out,
/// keys in byte order.
@Suite struct WireTextTests {
    private static let created = Date(timeIntervalSince1970: 1_790_000_000.123456)

    private static func member(name: String?, externalId: String?) -> Member {
        Member(id: UUID(), organizationId: UUID(), customerId: UUID(), email: "ann+\"x\"@example.com", name: name,
               externalId: externalId, role: .member, createdAt: created, modifiedAt: nil)
    }

    private static func memberValue(_ member: Member) -> JSONValue {
        .object([
            "id": .string(member.id.wire), "created_at": .string(Timestamp.format(member.createdAt)),
            "modified_at": JSONValue(member.modifiedAt), "customer_id": .string(member.customerId.wire),
            "email": .string(member.email), "name": JSONValue(member.name), "external_id": JSONValue(member.externalId),
            "role": .string(member.role.rawValue),
        ])
    }

    private static let details: [SeatDetails] = {
        let claimedMember = member(name: "Ann \u{1}\n😀", externalId: "ext-1")
        let claimed = Seat(
            id: UUID(), pool: .subscription(UUID()), organizationId: UUID(), status: .claimed,
            holder: SeatHolder(customerId: claimedMember.customerId, memberId: claimedMember.id, email: "ann@example.com"),
            invitationTokenHash: nil, invitationTokenExpiresAt: nil, claimedAt: created.addingTimeInterval(60), revokedAt: nil,
            metadata: ["team": "red", "level": 3, "nested": ["a": [true, nil, 1.5]]], createdAt: created,
            modifiedAt: created.addingTimeInterval(60))
        let pending = Seat(
            id: UUID(), pool: .order(UUID()), organizationId: UUID(), status: .pending,
            holder: SeatHolder(customerId: UUID(), memberId: UUID(), email: nil),
            invitationTokenHash: "hash", invitationTokenExpiresAt: created.addingTimeInterval(86_400), claimedAt: nil,
            revokedAt: nil, metadata: [:], createdAt: created, modifiedAt: nil)
        let revoked = Seat(
            id: UUID(), pool: .subscription(UUID()), organizationId: UUID(), status: .revoked, holder: nil,
            invitationTokenHash: nil, invitationTokenExpiresAt: nil, claimedAt: nil,
            revokedAt: Date(timeIntervalSince1970: -1.5), metadata: [:], createdAt: created, modifiedAt: created)
        return [
            SeatDetails(seat: claimed, member: claimedMember, customerEmail: "billing@example.com"),
            SeatDetails(seat: pending, member: member(name: nil, externalId: nil), customerEmail: nil),
            SeatDetails(seat: revoked, member: nil, customerEmail: nil),
        ]
    }()

    private static func seatValue(_ details: SeatDetails) -> JSONValue {
        let seat = details.seat
        return .object([
            "id": .string(seat.id.wire), "created_at": .string(Timestamp.format(seat.createdAt)),
            "modified_at": JSONValue(seat.modifiedAt), "subscription_id": JSONValue(seat.pool.subscriptionId),
            "order_id": JSONValue(seat.pool.orderId), "status": .string(seat.status.rawValue),
            "customer_id": JSONValue(seat.holder?.customerId), "member_id": JSONValue(seat.holder?.memberId),
            "member": details.member.map(memberValue) ?? .null, "email": JSONValue(seat.holder?.email),
            "customer_email": JSONValue(details.holderEmail),
            "invitation_token_expires_at": JSONValue(seat.invitationTokenExpiresAt),
            "claimed_at": JSONValue(seat.claimedAt), "revoked_at": JSONValue(seat.revokedAt),
            "seat_metadata": .object(seat.metadata),
        ])
    }

    private static func text(_ json: JSONWriter) -> String { String(decoding: json.bytes, as: UTF8.self) }
    private static func text(_ buffer: ByteBuffer) -> String { String(buffer: buffer) }

    @Test func aSeatIsWrittenAsItsValueIsSerialized() {
        for details in Self.details {
            #expect(Self.text(Wire.seatText(details)) == Self.seatValue(details).serialized())
            #expect(Wire.seat(details) == Self.seatValue(details))
        }
    }

    @Test func aMemberIsWrittenAsItsValueIsSerialized() throws {
        let member = try #require(Self.details[0].member)
        #expect(Wire.member(member) == Self.memberValue(member))
    }

    @Test func aListIsItsSeatsAndCounts() throws {
        let pool = SeatPool(reference: .subscription(UUID()), organizationId: UUID(), customerId: UUID(), productId: UUID(),
                            seats: 5, activeSeats: 2, status: .subscription(.active))
        let expected: JSONValue = .object([
            "seats": .array(Self.details.map(Self.seatValue)), "available_seats": 3, "total_seats": 5,
        ])
        #expect(Self.text(Wire.seatsList(Self.details, pool: pool)) == expected.serialized())
        #expect(Self.text(Wire.seatsList([], pool: pool)) == #"{"available_seats":3,"seats":[],"total_seats":5}"#)
    }
}
