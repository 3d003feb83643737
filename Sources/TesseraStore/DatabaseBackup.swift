import Foundation
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Consistent copies of a SQLite database taken while servers use it: `tessera backup`.
public enum DatabaseBackup {
    /// A finished backup.
    public struct Copy: Sendable, Equatable {
        /// Where the copy is.
        public let path: String
        /// Its size in bytes.
        public let bytes: Int
    }

    /// Copies the SQLite database at `location` into `destination`, a file that must not exist.
    ///
    /// The copy is SQLite's `VACUUM INTO` on a read-only connection of its own: one read
    /// transaction, so the copy is the database as of one commit, and in WAL mode it neither
    /// waits for the server's writer nor holds it up. It is written beside `destination` under
    /// a temporary name, flushed to disk (`VACUUM INTO` does not sync its output), then linked
    /// into place, which refuses a file that appeared meanwhile; a failed copy leaves nothing
    /// at `destination`. PostgreSQL is refused with a `pg_dump` example: its own tool takes a
    /// consistent copy already.
    public static func copy(_ location: DatabaseLocation, to destination: String) async throws -> Copy {
        let source: String
        switch location {
        case .sqliteMemory:
            throw DatabaseBackupError.inMemory
        case .postgres(let host, let port, let username, _, let database):
            throw DatabaseBackupError.usePgDump(host: host, port: port, username: username, database: database,
                                                file: destination)
        case .sqliteFile(let path):
            source = path
        }
        // Checked up front for a clear message; opening read-only would refuse it too, and
        // never creates an empty database where the operator mistyped a path.
        guard FileManager.default.fileExists(atPath: source) else { throw DatabaseBackupError.noDatabase(source) }
        guard !FileManager.default.fileExists(atPath: destination) else {
            throw DatabaseBackupError.destinationExists(destination)
        }
        let partial = "\(destination).partial-\(UUID().uuidString.prefix(8).lowercased())"
        do {
            // VACUUM INTO blocks its thread for the whole copy: not one of the cooperative pool's.
            try await NIOThreadPool.singleton.runIfActive {
                let connection = try InlineSQLiteConnection(path: source, readOnly: true)
                defer { connection.close() }
                try connection.run("VACUUM INTO ?", binds: [.text(partial)]) { _ in }
            }
            try syncFile(atPath: partial)
            try publish(partial, as: destination)
        } catch {
            try? FileManager.default.removeItem(atPath: partial)
            switch error {
            case let failure as SQLiteFailure:
                throw DatabaseBackupError.failed("copying \(source) to \(destination): \(failure)")
            case DatabaseError.storageFull:
                throw DatabaseBackupError.failed("copying \(source) to \(destination): no space left for the copy")
            default:
                throw error
            }
        }
        // The new name on disk too. Best effort: some file systems refuse to sync a directory.
        try? syncFile(atPath: URL(fileURLWithPath: destination).deletingLastPathComponent().path)
        let attributes = try FileManager.default.attributesOfItem(atPath: destination)
        return Copy(path: destination, bytes: (attributes[.size] as? NSNumber)?.intValue ?? 0)
    }

    /// Gives `partial` the name `destination` unless that exists: `link` refuses an existing
    /// name atomically; where hard links are not supported, a checked rename.
    private static func publish(_ partial: String, as destination: String) throws {
        if link(partial, destination) == 0 {
            unlink(partial)
            return
        }
        let code = errno
        if code == EEXIST { throw DatabaseBackupError.destinationExists(destination) }
        guard code == EPERM || code == ENOTSUP || code == EXDEV else {
            throw DatabaseBackupError.failed("cannot create \(destination): \(String(cString: strerror(code)))")
        }
        guard !FileManager.default.fileExists(atPath: destination) else {
            throw DatabaseBackupError.destinationExists(destination)
        }
        guard rename(partial, destination) == 0 else {
            throw DatabaseBackupError.failed("cannot create \(destination): \(String(cString: strerror(errno)))")
        }
    }

    /// Flushes a file (or a directory's entries) to disk.
    private static func syncFile(atPath path: String) throws {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw DatabaseBackupError.failed("cannot open \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else {
            throw DatabaseBackupError.failed("cannot sync \(path): \(String(cString: strerror(errno)))")
        }
    }
}

/// Why `DatabaseBackup.copy` made no copy; each description tells the operator what to do.
public enum DatabaseBackupError: Error, Equatable, CustomStringConvertible {
    /// The database is PostgreSQL: `pg_dump` backs it up (the password is left out of the example).
    case usePgDump(host: String, port: Int, username: String, database: String, file: String)
    case inMemory
    /// No database file at that path.
    case noDatabase(String)
    /// The destination exists; backups never overwrite a file.
    case destinationExists(String)
    case failed(String)

    public var description: String {
        switch self {
        case .usePgDump(let host, let port, let username, let database, let file):
            """
            tessera backup copies SQLite databases only. For PostgreSQL use pg_dump, which takes a \
            consistent copy while servers run, for example:
              pg_dump --format=custom --host=\(host) --port=\(port) --username=\(username) --file=\(file) \(database)
            and restore it into an empty database with pg_restore --dbname=DATABASE \(file)
            """
        case .inMemory:
            "an in-memory database (:memory:) has nothing to back up"
        case .noDatabase(let path):
            "no database at \(path): give the server's --database-url (or TESSERA_DATABASE_URL)"
        case .destinationExists(let path):
            "\(path) already exists: backups never overwrite a file; choose a new name or remove it first"
        case .failed(let message):
            "backup failed: \(message)"
        }
    }
}
