// swift-tools-version:6.0
// Every target builds in the Swift 6 language mode (the default of this tools version).
import PackageDescription

import Foundation

// Release builds drop bounds and exclusivity checks in the numeric core; debug builds keep them.
// On x86_64 they also target Haswell (AVX2, FMA: every x86 CPU since 2013) so the elementwise
// kernels vectorise 8 wide; DPOP_PORTABLE=1 at build time keeps the baseline instruction set.
var releaseFlags = ["-Ounchecked", "-enforce-exclusivity=unchecked"]
#if arch(x86_64)
if ProcessInfo.processInfo.environment["DPOP_PORTABLE"] == nil {
    releaseFlags += ["-target-cpu", "haswell"]
}
#endif
let fastMath: [SwiftSetting] = [
    .unsafeFlags(releaseFlags, .when(configuration: .release)),
]

let package = Package(
    name: "dpop",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "dpop", targets: ["dpop"]),
        .library(name: "DPOPTrainer", targets: ["DPOPTrainer"]),
        .library(name: "DPOPExperiments", targets: ["DPOPExperiments"]),
        .library(name: "DPOPReports", targets: ["DPOPReports"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CBLAS",
            path: "Sources/CBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        .systemLibrary(
            name: "CLibGit2",
            path: "Sources/CLibGit2",
            pkgConfig: "libgit2",
            providers: [.apt(["libgit2-dev"])]
        ),
        .target(
            name: "DPOPTrainer",
            dependencies: ["CBLAS"],
            swiftSettings: fastMath
        ),
        .target(
            name: "DPOPExperiments",
            dependencies: [
                "DPOPTrainer", "CLibGit2",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "DPOPReports",
            dependencies: ["DPOPExperiments", "DPOPTrainer", .product(name: "Mustache", package: "swift-mustache")],
            plugins: ["EmbedTemplatesPlugin"]
        ),
        // Turns Templates/*.mustache into string constants of DPOPReports at build time.
        .executableTarget(name: "EmbedTemplates", path: "Sources/EmbedTemplates"),
        .plugin(
            name: "EmbedTemplatesPlugin",
            capability: .buildTool(),
            dependencies: ["EmbedTemplates"]
        ),
        .executableTarget(
            name: "dpop",
            dependencies: [
                "DPOPTrainer",
                "DPOPExperiments",
                "DPOPReports",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "DPOPTrainerTests",
            dependencies: ["DPOPTrainer"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "DPOPReportsTests",
            dependencies: ["DPOPReports"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "dpopTests",
            dependencies: ["dpop"]
        ),
        // Test helper: one of several processes racing for the same lock files (LockRaceTests).
        .executableTarget(name: "LockTaker", dependencies: ["DPOPExperiments"], path: "Tests/LockTaker"),
        .testTarget(
            name: "DPOPExperimentsTests",
            dependencies: ["DPOPExperiments", "LockTaker"]
        ),
    ]
)
