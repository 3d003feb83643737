// swift-tools-version: 6.1
// The GRDB side of the SQLite driver comparison in BENCHMARKS.md (issue 11): assign's write
// transaction through GRDB, run against a file that `tessera-bench-ceiling write` has seeded.
// A package of its own so that GRDB (and the system SQLite it links on Linux) stays out of
// Tessera's build.
import PackageDescription

let package = Package(
    name: "grdb-assign",
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
    ],
    targets: [
        .executableTarget(name: "grdb-assign", dependencies: [.product(name: "GRDB", package: "GRDB.swift")]),
    ],
    swiftLanguageModes: [.v6]
)
