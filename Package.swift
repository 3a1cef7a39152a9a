// swift-tools-version:6.1
import PackageDescription

/// One settings list for every target, so the whole package builds the same way.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

/// A service is a testable library plus a thin executable that calls its `buildApplication`.
func service(_ name: String, dir: String, deps: [Target.Dependency], resources: [Resource]? = nil) -> [Target] {
    [
        .target(
            name: name,
            dependencies: deps,
            path: "services/\(dir)/Sources/\(name)",
            resources: resources,
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "\(name)App",
            dependencies: [
                .byName(name: name),
                "TollgateCore",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "services/\(dir)/Sources/\(name)App",
            swiftSettings: swiftSettings
        ),
    ]
}

let core: [Target.Dependency] = [
    "SharedProto",
    "TollgateCore",
    "TollgateRedis",
    .product(name: "Hummingbird", package: "hummingbird"),
    .product(name: "PostgresNIO", package: "postgres-nio"),
    .product(name: "Logging", package: "swift-log"),
    .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
    .product(name: "Prometheus", package: "swift-prometheus"),
]

/// The operator console's files (services/portal-api/Sources/PortalAPI/Resources/console),
/// compiled into portal-api; `ConsoleController` serves them.
let consoleAssets = [
    "index.html", "app.css", "app.js", "api.js", "ui.js", "charts.js", "page-signin.js", "page-dashboard.js", "page-audit.js",
    "page-tail.js", "page-tools.js", "page-upstreams.js", "page-keys.js", "page-server.js",
]

let package = Package(
    name: "tollgate",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "gateway", targets: ["GatewayApp"]),
        .executable(name: "audit", targets: ["AuditApp"]),
        .executable(name: "keys", targets: ["KeysApp"]),
        .executable(name: "portal-api", targets: ["PortalAPIApp"]),
        .executable(name: "keys-bench", targets: ["KeysBench"]),
        .executable(name: "ceiling-bench", targets: ["Ceiling"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/swiftlang/swift-subprocess.git", from: "1.0.2"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        // OTLP over HTTP only: the gRPC exporter would add grpc-swift to every build.
        .package(url: "https://github.com/swift-otel/swift-otel.git", from: "1.6.0", traits: ["OTLPHTTP"]),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
    ],
    targets: [
        .systemLibrary(
            name: "CHiredis",
            path: "Sources/CHiredis",
            pkgConfig: "hiredis",
            providers: [.apt(["libhiredis-dev"])]
        ),
        .target(
            name: "SharedProto",
            path: "Sources/SharedProto",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "TollgateRedis",
            dependencies: [
                "CHiredis",
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Sources/TollgateRedis",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "MCPCore",
            path: "Sources/MCPCore",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "KeysClient",
            dependencies: [
                "SharedProto",
                "TollgateRedis",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Sources/KeysClient",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "TollgateAuth",
            dependencies: [
                "SharedProto", "TollgateCore", "KeysClient", "MCPCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
            ],
            path: "Sources/TollgateAuth",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "TollgateCore",
            dependencies: [
                "SharedProto",
                "MCPCore",
                "TollgateRedis",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
            ],
            path: "Sources/TollgateCore",
            swiftSettings: swiftSettings
        ),
    ]
        + service("Gateway", dir: "gateway", deps: core + [
            "KeysClient", "MCPCore", "TollgateAuth",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Subprocess", package: "swift-subprocess"),
            .product(name: "NIOFoundationCompat", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "OTel", package: "swift-otel"),
            .product(name: "Tracing", package: "swift-distributed-tracing"),
        ])
        + service("Audit", dir: "audit", deps: core + ["MCPCore", .product(name: "Crypto", package: "swift-crypto")])
        + service("Keys", dir: "keys", deps: core + [
            .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ])
        + service("PortalAPI", dir: "portal-api", deps: core + [
            "KeysClient", "MCPCore", "TollgateAuth",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "NIOFoundationCompat", package: "swift-nio"),
        ], resources: [.embedInCode("Resources/openapi.json")] + consoleAssets.map { .embedInCode("Resources/console/\($0)") })
        + [
            .executableTarget(
                name: "KeysBench",
                dependencies: [
                    "KeysClient", "SharedProto", "TollgateRedis",
                    .product(name: "AsyncHTTPClient", package: "async-http-client"),
                    .product(name: "Logging", package: "swift-log"),
                ],
                path: "bench/KeysBench",
                swiftSettings: swiftSettings
            ),
            .executableTarget(
                name: "Ceiling",
                dependencies: [
                    .product(name: "Hummingbird", package: "hummingbird"),
                    .product(name: "NIOHTTP1", package: "swift-nio"),
                    .product(name: "NIOPosix", package: "swift-nio"),
                ],
                path: "bench/Ceiling",
                swiftSettings: swiftSettings
            ),
            .testTarget(
                name: "UnitTests",
                dependencies: [
                    "SharedProto", "TollgateCore", "TollgateRedis", "TollgateAuth", "MCPCore", "Gateway", "Audit", "Keys", "PortalAPI",
                    .product(name: "Hummingbird", package: "hummingbird"),
                    .product(name: "HummingbirdTesting", package: "hummingbird"),
                    .product(name: "Logging", package: "swift-log"),
                ],
                path: "Tests/UnitTests",
                swiftSettings: swiftSettings
            ),
            .testTarget(
                name: "IntegrationTests",
                dependencies: [
                    "SharedProto", "TollgateCore", "TollgateRedis",
                    "Gateway", "Audit", "Keys", "PortalAPI", "KeysClient",
                    .product(name: "AsyncHTTPClient", package: "async-http-client"),
                    .product(name: "Hummingbird", package: "hummingbird"),
                    .product(name: "HummingbirdTesting", package: "hummingbird"),
                    .product(name: "PostgresNIO", package: "postgres-nio"),
                    .product(name: "NIOPosix", package: "swift-nio"),
                    .product(name: "NIOHTTP1", package: "swift-nio"),
                    .product(name: "Logging", package: "swift-log"),
                    .product(name: "Prometheus", package: "swift-prometheus"),
                    .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                ],
                path: "Tests/IntegrationTests",
                swiftSettings: swiftSettings
            ),
        ]
)
