import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A helper process for a test, started with `posix_spawn`, with a pipe to its standard input
/// and one from its standard output, and its standard error appended to a file.
///
/// Not Foundation's `Process`: on Linux with Swift 6.3.1, `Process.run()` now and then crashes
/// reading `/proc/self/fd` past the end of a buffer (swift-corelibs-foundation#5472, fixed after
/// this toolchain), which took the whole test run down with it.
final class ChildProcess: Sendable {
    let pid: pid_t
    /// The write end of the child's standard input; closing it is how the child is told to stop.
    private let input: Int32
    /// The read end of the child's standard output.
    private let output: Int32

    /// Starts `executable` with `arguments` and this process's environment.
    init(executable: String, arguments: [String], standardErrorFile: String) throws {
        let stdinPipe = try Self.makePipe(), stdoutPipe = try Self.makePipe()
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // dup2 clears close-on-exec on the copies, so the child keeps exactly these three.
        posix_spawn_file_actions_adddup2(&actions, stdinPipe.read, 0)
        posix_spawn_file_actions_adddup2(&actions, stdoutPipe.write, 1)
        posix_spawn_file_actions_addopen(&actions, 2, standardErrorFile, O_WRONLY | O_APPEND | O_CREAT, 0o600)

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var child: pid_t = 0
        let status = posix_spawn(&child, executable, &actions, nil, argv, environ)
        close(stdinPipe.read)
        close(stdoutPipe.write)
        guard status == 0 else {
            close(stdinPipe.write)
            close(stdoutPipe.read)
            throw TestFailure("cannot start \(executable): \(String(cString: strerror(status)))")
        }
        pid = child
        input = stdinPipe.write
        output = stdoutPipe.read
    }

    /// A pipe whose ends are closed on exec: another test's child, spawned later, must not keep
    /// this child's standard input open. (`pipe2` would set it atomically; Glibc's module does
    /// not offer it to Swift.)
    private static func makePipe() throws -> (read: Int32, write: Int32) {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { throw TestFailure("pipe failed: \(errno)") }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        return (ends[0], ends[1])
    }

    /// The first line the child writes to standard output, without its newline; nil if the
    /// child closes its output first. Blocks a thread of Dispatch's pool, not the caller's.
    func firstLine() async -> String? {
        let fd = output
        return await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                var line: [UInt8] = []
                var byte: UInt8 = 0
                while read(fd, &byte, 1) == 1 {
                    if byte == UInt8(ascii: "\n") { return continuation.resume(returning: String(decoding: line, as: UTF8.self)) }
                    line.append(byte)
                }
                continuation.resume(returning: nil)
            }
        }
    }

    /// Closes the child's standard input and output (the script stops on end of input).
    func closePipes() {
        close(input)
        close(output)
    }

    func signal(_ signal: Int32) {
        kill(pid, signal)
    }

    /// Waits for the child to exit and reaps it.
    func waitForExit() async {
        let pid = pid
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async {
                var status: Int32 = 0
                while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
                continuation.resume()
            }
        }
    }
}
