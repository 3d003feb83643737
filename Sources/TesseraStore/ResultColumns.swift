import Synchronization

/// The column names of one statement's result, shared by its rows, with a position for each
/// name: a row of the seat list is read by 30 names, which a linear search made costly. Used
/// by both databases' rows, so a name that occurs twice means the same column on both.
final class ResultColumns: Sendable {
    let names: [String]
    private let positions: [String: Int]
    /// The position after the last one found. The stores read a row's columns in the order the
    /// query selects them, so this is usually the next name asked for, and one comparison
    /// replaces hashing the name (which was 6% of listing a thousand seats). Only a guess,
    /// checked before use, so relaxed ordering is enough even if two tasks read rows at once.
    private let nextGuess = Atomic<Int>(0)
    private let hasDuplicateNames: Bool

    init(_ names: [String]) {
        self.names = names
        // The first of two equal names wins, as SQLite's own lookup by name does (postgres-nio's
        // would take the last).
        positions = Dictionary(names.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        hasDuplicateNames = positions.count != names.count
    }

    /// The position of the first column named `name`, if any.
    func position(of name: String) -> Int? {
        let guess = nextGuess.load(ordering: .relaxed)
        // A guessed name that occurs twice would be the second one; `positions` has the first.
        if guess < names.count, names[guess] == name, !hasDuplicateNames || positions[name] == guess {
            nextGuess.store(guess + 1, ordering: .relaxed)
            return guess
        }
        guard let position = positions[name] else { return nil }
        nextGuess.store(position + 1, ordering: .relaxed)
        return position
    }
}

extension ResultColumns {
    /// The select list of a table joined as `alias` beside another table's `*`, each column named
    /// with the alias before it (`o.id AS o_id, …`) so that no name clashes; the row's reader asks
    /// for `o_id` and so on. One spelling for every joined table (customer, member, organization).
    static func joinedSelectList(alias: String, _ columns: [String]) -> String {
        columns.map { "\(alias).\($0) AS \(alias)_\($0)" }.joined(separator: ", ")
    }
}
