// swift-tools-version:6.1
// Tributary: a Flow Service for database sources. See README.md and docs/ for the layer map.
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "Tributary",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "tributary", targets: ["tributary"]),
        .library(name: "FlowModel", targets: ["FlowModel"]),
        .library(name: "Thrift", targets: ["Thrift"]),
        .library(name: "DatabricksSQL", targets: ["DatabricksSQL"]),
        .library(name: "Connectors", targets: ["Connectors"]),
        .library(name: "Parquet", targets: ["Parquet"]),
        .library(name: "Arrow", targets: ["Arrow"]),
        .library(name: "DataLake", targets: ["DataLake"]),
        .library(name: "Ingestion", targets: ["Ingestion"]),
        .executable(name: "driver-benchmark", targets: ["DriverBenchmark"]),
        .executable(name: "parquet-benchmark", targets: ["ParquetBenchmark"]),
        .executable(name: "hello-benchmark", targets: ["HelloBenchmark"]),
        .executable(name: "arrow-benchmark", targets: ["ArrowBenchmark"]),
        .executable(name: "store-seed", targets: ["StoreSeed"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    ],
    targets: [
        // Thrift binary and compact protocol codecs, no I/O.
        .target(name: "Thrift", swiftSettings: swiftSettings),
        // A native Databricks / Spark Thrift Server SQL driver (HiveServer2 over HTTP).
        .target(
            name: "DatabricksSQL",
            dependencies: [
                "Thrift",
                "Arrow",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // zlib, for the Parquet writer's GZIP codec (Debian zlib1g-dev).
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", providers: [.apt(["zlib1g-dev"])]),
        // A streaming Parquet writer and footer reader on the Thrift compact protocol.
        .target(name: "Parquet", dependencies: ["Thrift", "CZlib"], swiftSettings: swiftSettings),
        // Arrow IPC streams (Spark Connect, the Databricks SQL protocol's Arrow results), read by hand.
        .target(name: "Arrow", swiftSettings: swiftSettings),
        // Datasets and batches of Parquet files with atomic commits, on the local file system.
        .target(name: "DataLake", dependencies: ["Parquet", "FlowModel"], swiftSettings: swiftSettings),
        // Moving rows: mapping source batches to dataset batches (later: the scheduler and runs).
        .target(
            name: "Ingestion",
            dependencies: [
                "Connectors", "DataLake", "DatabricksSQL", "Parquet", "FlowModel", "FlowStore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings),
        // The domain, pure: specs, connections, JSON Schema, JSON Patch, filters, errors.
        .target(name: "FlowModel", swiftSettings: swiftSettings),
        // Persistence behind a protocol: SQLite (GRDB) by default, PostgreSQL (postgres-nio) for
        // several instances; secrets sealed with AES-GCM.
        .target(
            name: "FlowStore",
            dependencies: [
                "FlowModel",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Sources: test, explore, preview and read Databricks clusters and Spark Thrift Servers.
        .target(
            name: "Connectors",
            dependencies: [
                "FlowModel", "DatabricksSQL",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // HTTP: routes, identity, tenancy, error rendering, OpenAPI document.
        .target(
            name: "FlowServer",
            dependencies: [
                "FlowModel", "FlowStore", "Connectors", "DataLake", "Ingestion",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [.copy("Resources/openapi.yaml")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "tributary",
            dependencies: [
                "FlowModel", "FlowStore", "FlowServer", "DatabricksSQL",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Benchmarks (Benchmarks/*/run.sh build them in release mode).
        .executableTarget(name: "DriverBenchmark", dependencies: ["DatabricksSQL"], path: "Benchmarks/DriverBenchmark"),
        .executableTarget(name: "ParquetBenchmark", dependencies: ["Parquet"], path: "Benchmarks/ParquetBenchmark"),
        .executableTarget(name: "ArrowBenchmark", dependencies: ["Arrow"], path: "Benchmarks/ArrowBenchmark"),
        .executableTarget(
            name: "StoreSeed",
            dependencies: ["FlowStore", "FlowModel", .product(name: "Crypto", package: "swift-crypto"), .product(name: "Logging", package: "swift-log")],
            path: "Benchmarks/StoreSeed"),
        .executableTarget(
            name: "HelloBenchmark", dependencies: [.product(name: "Hummingbird", package: "hummingbird")], path: "Benchmarks/HelloBenchmark"),
        // Test helper: a process that writes a batch and is killed before it commits.
        .executableTarget(name: "lake-writer", dependencies: ["DataLake", "FlowModel", "Parquet"], path: "Tests/Helpers/LakeWriter"),
        // Test support: the live servers scripts/test.sh starts, their health, and clusters of the Databricks-shaped endpoint.
        .target(
            name: "TestSupport", dependencies: ["FlowStore", .product(name: "PostgresNIO", package: "postgres-nio")], path: "Tests/TestSupport",
            swiftSettings: swiftSettings),
        .testTarget(name: "ThriftTests", dependencies: ["Thrift"]),
        .testTarget(name: "ArrowTests", dependencies: ["Arrow", "TestSupport"]),
        .testTarget(name: "ParquetTests", dependencies: ["Parquet", "Thrift", "DatabricksSQL", "TestSupport"]),
        .testTarget(name: "DataLakeTests", dependencies: ["DataLake", "Parquet", "FlowModel"]),
        .testTarget(
            name: "IngestionTests",
            dependencies: [
                "Ingestion", "DataLake", "DatabricksSQL", "Parquet", "FlowModel", "FlowStore", "Connectors",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(
            name: "DatabricksSQLTests",
            dependencies: [
                "DatabricksSQL", "Thrift", "Arrow", "TestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "FlowModelTests", dependencies: ["FlowModel"]),
        .testTarget(
            name: "ConnectorsTests",
            dependencies: ["Connectors", "DatabricksSQL", "FlowModel", "TestSupport", .product(name: "AsyncHTTPClient", package: "async-http-client")]
        ),
        .testTarget(
            name: "FlowStoreTests",
            dependencies: [
                "FlowStore", "FlowModel", "TestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(
            name: "FlowServerTests",
            dependencies: [
                "FlowServer", "FlowStore", "FlowModel", "DatabricksSQL", "DataLake", "Parquet", "TestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]
        ),
    ]
)
