// swift-tools-version:6.0
import PackageDescription

/// Settings every Swift target shares: Swift 6 mode plus the upcoming features the style guide asks for.
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "Vigil",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "vigil", targets: ["vigil"]),
        .library(name: "VigilTesting", targets: ["VigilTesting"]),
        .library(name: "VigilModel", targets: ["VigilModel"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // C libraries, as the system provides them. Only VigilKafka and VigilState import these.
        .systemLibrary(
            name: "CRdKafka", path: "Sources/CRdKafka", pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"])]),
        .systemLibrary(
            name: "CRocksDB", path: "Sources/CRocksDB", pkgConfig: "rocksdb",
            providers: [.apt(["librocksdb-dev"])]),

        .target(
            name: "VigilKafka",
            dependencies: ["CRdKafka", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strictSettings),
        .target(name: "VigilState", dependencies: ["CRocksDB"], swiftSettings: strictSettings),
        .target(name: "VigilCore", swiftSettings: strictSettings),
        .target(name: "VigilModel", swiftSettings: strictSettings),
        .target(name: "VigilMonitor", swiftSettings: strictSettings),
        .target(
            name: "VigilHTTP",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings),
        .target(
            name: "VigilTopology",
            dependencies: ["VigilCore", .product(name: "Yams", package: "Yams")],
            swiftSettings: strictSettings),
        .target(
            name: "VigilConfig",
            dependencies: [.product(name: "Logging", package: "swift-log"), .product(name: "Yams", package: "Yams")],
            swiftSettings: strictSettings),
        .target(
            name: "VigilRuntime",
            dependencies: [
                "VigilCore", "VigilModel", "VigilMonitor", "VigilTopology", "VigilKafka", "VigilState", "VigilHTTP",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings),
        .target(
            name: "VigilTesting",
            dependencies: [
                "VigilRuntime", "VigilCore", "VigilTopology", .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings),
        .executableTarget(
            name: "vigil",
            dependencies: [
                "VigilRuntime", "VigilTesting", "VigilTopology", "VigilCore", "VigilModel", "VigilKafka", "VigilState",
                "VigilHTTP", "VigilConfig",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings),

        .testTarget(name: "VigilKafkaTests", dependencies: ["VigilKafka"]),
        .testTarget(name: "VigilStateTests", dependencies: ["VigilState"]),
        .testTarget(name: "VigilCoreTests", dependencies: ["VigilCore"]),
        .testTarget(name: "VigilTopologyTests", dependencies: ["VigilTopology"], exclude: ["Broken"]),
        .testTarget(name: "VigilModelTests", dependencies: ["VigilModel"], exclude: ["Fixtures"]),
        .testTarget(name: "VigilMonitorTests", dependencies: ["VigilMonitor"]),
        .testTarget(
            name: "VigilConfigTests",
            dependencies: ["VigilConfig", .product(name: "Logging", package: "swift-log")]),
        .testTarget(
            name: "VigilHTTPTests",
            dependencies: [
                "VigilHTTP",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Yams", package: "Yams"),
            ]),
        .testTarget(
            name: "VigilRuntimeTests",
            dependencies: [
                "VigilRuntime", "VigilTesting", "VigilKafka", "VigilState", "VigilCore", "VigilModel", "VigilMonitor",
                "VigilTopology", "VigilHTTP",
            ]),
    ]
)
