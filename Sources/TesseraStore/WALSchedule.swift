/// When SQLite's background checkpoint (`TesseraDatabase.run()`) starts the WAL over, and
/// when it empties the WAL's file.
public struct WALSchedule: Sendable {
    /// How long the WAL grows under steady writes (in frames, one changed page each: 40,000 is
    /// 165 MB) before the checkpoint holds the writer to start it over. Longer means fewer such
    /// pauses and a larger WAL file; reads do not slow with it, since they search only the
    /// frames not yet copied. `BENCHMARKS.md`, "The WAL checkpoint off the writer".
    public var restartFrames: Int

    /// How long writes must have paused before the checkpoint empties the WAL file. SQLite
    /// writes over its WAL from the start again but never shortens the file, which after a
    /// burst keeps up to `restartFrames` pages on disk beside a database of a few. Not at every
    /// pause: commits into a freshly emptied file cost up to a tenth more CPU each until
    /// the file has grown again (`BENCHMARKS.md`), so only a server that stays quiet gets it.
    public var emptyAfter: Duration

    public init(restartFrames: Int, emptyAfter: Duration) {
        self.restartFrames = restartFrames
        self.emptyAfter = emptyAfter
    }

    /// 40,000 frames; emptied after a minute without writes.
    public static let standard = WALSchedule(restartFrames: 40_000, emptyAfter: .seconds(60))
}
