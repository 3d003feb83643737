import Foundation
import TesseraCore
import TesseraStore

/// A validated bulk assignment: many recipients into one pool (Tessera's
/// `POST /v1/customer-seats/bulk`, the CLI's import and the portal's pasted list).
struct BulkAssignment: Sendable {
    var pool: SeatPoolReference
    /// Each recipient as read, in the order given: an assignment, or the 422 its single call
    /// would have had.
    var rows: [Result<SeatAssignment, ValidationFailure>]
    /// Assign nothing when any row fails.
    var atomic: Bool

    static let maximumRows = 1000
}

/// One recipient's outcome in a bulk assignment.
enum BulkSeatOutcome: Sendable {
    case assigned(SeatDetails, HandedInvitation?)
    /// The recipient already held a pending or claimed seat of the pool; nothing changed.
    case alreadyAssigned(SeatDetails)
    /// The error the single assignment would have answered.
    case failed(any Error)
    /// An atomic assignment failed on another row, so this row's seat was not kept.
    case notAssigned

    var isFailure: Bool {
        if case .failed = self { return true }
        return false
    }
}

/// An atomic bulk assignment with a failed row: nothing was written. Carries every row's
/// outcome so the caller learns which rows failed and why.
struct BulkAssignmentFailed: Error {
    var outcomes: [BulkSeatOutcome]
}

extension SeatOperations {
    /// Assigns seats to many recipients of one pool in one transaction under one lock of the pool.
    ///
    /// Each row runs the single assignment's steps in a savepoint, so a failed row leaves no
    /// trace and the others go on. Before any row, the pool must have room for every recipient
    /// who does not already hold a seat (`SeatPool.requireFreeSeats`): a 400 with nothing written.
    func assign(_ bulk: BulkAssignment, scope: Scope) async throws -> [BulkSeatOutcome] {
        try await metrics.count(.bulkAssign) {
            let now = now()
            return try await database.transaction { tx in
                var locked = try await lockPool(bulk.pool, scope: scope, tx: tx)
                let activeBefore = locked.pool.activeSeats
                let assignments = bulk.rows.compactMap { try? $0.get() }
                let needed = assignments.count > locked.pool.availableSeats
                    ? try await seatsNeeded(by: assignments, in: locked, tx: tx, now: now)
                    : assignments.count
                try locked.pool.requireFreeSeats(needed)

                var outcomes: [BulkSeatOutcome] = []
                outcomes.reserveCapacity(bulk.rows.count)
                for row in bulk.rows {
                    do {
                        let assignment = try row.get()
                        try scope.checkRecipient(of: assignment)
                        let (details, handed) = try await tx.savepoint {
                            try await assign(assignment, into: &locked, scope: scope, tx: tx, now: now)
                        }
                        locked.pool.activeSeats += 1
                        outcomes.append(.assigned(details, handed))
                    } catch let held as SeatAlreadyHeld {
                        outcomes.append(.alreadyAssigned(try await tx.seats.requireDetails(id: held.seat.id)))
                    } catch let error where Self.isRowFailure(error) {
                        outcomes.append(.failed(error))
                    }
                }
                if bulk.atomic && outcomes.contains(where: \.isFailure) {
                    throw BulkAssignmentFailed(outcomes: outcomes.map { outcome in
                        if case .assigned = outcome { return .notAssigned }
                        return outcome
                    })
                }
                // One update for every seat given, not one per row (see `assign(_:into:…)`).
                let given = locked.pool.activeSeats - activeBefore
                if given > 0 { try await tx.seats.adjustActiveSeats(locked.pool.reference, by: given) }
                return outcomes
            }
        }
    }

    /// How many of the assignments need a new seat, at most: every person who does not hold a
    /// seat of the pool now, counted once however often they are named. Reads only. A row
    /// naming a customer or member that does not exist will fail, so it needs none.
    private func seatsNeeded(by assignments: [SeatAssignment], in locked: LockedPool, tx: SQLSession, now: Date)
        async throws -> Int
    {
        let resolver = SeatRecipientResolver(tx: tx, organization: locked.organization, pool: locked.pool, now: now)
        var people = Set<String>()
        for assignment in assignments {
            switch try await resolver.lookUp(assignment.recipient) {
            case .member(let memberId):
                if try await tx.seats.activeSeat(in: locked.pool.reference, memberId: memberId) == nil {
                    people.insert(memberId.wire)
                }
            case .new(let key): people.insert(key)
            case .unknown: break
            }
        }
        return people.count
    }

    /// The errors a row answers for itself, as its single call would: a domain refusal, a 422,
    /// or a conflict with a concurrent change. Anything else fails the whole request.
    static func isRowFailure(_ error: any Error) -> Bool {
        switch error {
        case is TesseraError, is ValidationFailure: true
        case let error as DatabaseError: error.isConcurrentChange
        default: false
        }
    }
}
