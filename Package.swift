// swift-tools-version:6.0
import PackageDescription

// BARRIERCLIENT_EMBEDDED=1 swift build -c release builds libbarrierclient.so in
// Embedded Swift (libc only, tens of KB); without it the Swift runtime is linked
// in statically (a few MB). Tests always use the normal build.
let embedded = Context.environment["BARRIERCLIENT_EMBEDDED"] == "1"
let embeddedSwift: [SwiftSetting] = embedded
    ? [.enableExperimentalFeature("Embedded"), .unsafeFlags(["-wmo"])] : []

// Embedded Swift leaves String's Unicode tables to a static library of the
// toolchain; link it in so that the .so needs nothing but libc.
let embeddedLinking: [String] = []

let package = Package(
    name: "barrierclient",
    products: [
        .library(name: "barrierclient", type: .dynamic, targets: ["BarrierClientC"]),
    ],
    targets: [
        // The protocol engine: pure Swift, no Foundation, no C, no I/O, no clock.
        .target(name: "BarrierCore", swiftSettings: embeddedSwift),
        // Exposes include/barrierclient.h (the only ABI definition) to Swift.
        .target(name: "CBarrierABI"),
        // The @_cdecl exports that make libbarrierclient.so.
        .target(
            name: "BarrierClientC",
            dependencies: ["BarrierCore", "CBarrierABI"],
            swiftSettings: embeddedSwift,
            linkerSettings: [.unsafeFlags((embedded ? embeddedLinking : ["-static-stdlib"]) + [
                // lld keeps local Swift symbols out of .dynsym (gold does not).
                "-use-ld=lld",
                "-Xlinker", "--version-script=\(Context.packageDirectory)/barrierclient.map",
                "-Xlinker", "-soname=libbarrierclient.so",
            ])]),
        // Micro-benchmark of the core (not a test): swift run -c release core-bench
        .executableTarget(
            name: "core-bench",
            dependencies: ["BarrierCore"],
            path: "Benchmarks/CoreBench"),
        .testTarget(
            name: "BarrierCoreTests",
            dependencies: ["BarrierCore"],
            exclude: ["Fixtures"]),
    ],
    swiftLanguageModes: [.v6])
