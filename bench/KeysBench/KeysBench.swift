import AsyncHTTPClient
import Foundation
import KeysClient
import Logging
import SharedProto
import TollgateRedis

/// Measures key validations per second against a running keys service:
/// cache hits (the gateway's in-process cache) and misses (HTTP + one bcrypt verification).
/// Not a test: it prints numbers and never fails on them. Run it through `bench/keys`.
@main
struct KeysBench {
    static func main() async throws {
        let environment = ProcessInfo.processInfo.environment
        let baseURL = environment["TOLLGATE_KEYS_URL"] ?? "http://127.0.0.1:8082"
        guard let token = environment["TOLLGATE_INTERNAL_TOKEN"] else {
            FileHandle.standardError.write(Data("TOLLGATE_INTERNAL_TOKEN is not set (run bench/keys)\n".utf8))
            exit(2)
        }
        let seconds = Double(environment["BENCH_SECONDS"] ?? "5") ?? 5
        let hitConcurrency = Int(environment["BENCH_HIT_CONCURRENCY"] ?? "8") ?? 8
        let missConcurrency = Int(environment["BENCH_MISS_CONCURRENCY"] ?? "4") ?? 4

        let client = KeysClient(configuration: .init(baseURL: baseURL, internalToken: token), httpClient: .shared)
        var logger = Logger(label: "keys-bench")
        logger.logLevel = .error
        let cache = KeyValidationCache(client: client, redis: nil, configuration: .init(ttl: .seconds(3600)), logger: logger)

        let minted = try await client.mint(MintKeyRequest(name: "bench-\(UUID().uuidString.prefix(8).lowercased())", createdBy: "bench/keys"))
        defer { Task { _ = try? await client.revoke(name: minted.key.name) } }
        _ = try await cache.validate(minted.plaintext)

        let hits = try await measure(seconds: seconds, concurrency: hitConcurrency) {
            guard try await cache.validate(minted.plaintext).valid else { fatalError("cache hit refused") }
        }
        let misses = try await measure(seconds: seconds, concurrency: missConcurrency) {
            guard try await client.validate(minted.plaintext).valid else { fatalError("validation refused") }
        }
        _ = try await client.revoke(name: minted.key.name)

        print("| path | concurrency | validations | validations/s | p50 | p99 |")
        print("|---|---|---|---|---|---|")
        print(hits.row("cache hit (in-process, SHA-256 + lookup)", hitConcurrency))
        print(misses.row("miss (HTTP to keys + bcrypt verify)", missConcurrency))
    }

    struct Result {
        var count: Int
        var elapsed: Double
        var latencies: [Double]

        func row(_ name: String, _ concurrency: Int) -> String {
            let sorted = latencies.sorted()
            func percentile(_ p: Double) -> String {
                guard !sorted.isEmpty else { return "n/a" }
                let value = sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
                return value < 1e-3 ? String(format: "%.1f µs", value * 1e6) : String(format: "%.2f ms", value * 1e3)
            }
            return "| \(name) | \(concurrency) | \(count) | \(String(format: "%.0f", Double(count) / elapsed)) | \(percentile(0.5)) | \(percentile(0.99)) |"
        }
    }

    /// Runs `operation` from `concurrency` tasks for `seconds`, timing every call.
    static func measure(seconds: Double, concurrency: Int, _ operation: @escaping @Sendable () async throws -> Void) async throws -> Result {
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = start + .milliseconds(Int64(seconds * 1000))
        let perTask = try await withThrowingTaskGroup(of: [Double].self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    var latencies: [Double] = []
                    latencies.reserveCapacity(1 << 16)
                    while clock.now < deadline {
                        let before = clock.now
                        try await operation()
                        let took = clock.now - before
                        latencies.append(Double(took.components.seconds) + Double(took.components.attoseconds) / 1e18)
                    }
                    return latencies
                }
            }
            var all: [[Double]] = []
            for try await latencies in group { all.append(latencies) }
            return all
        }
        let elapsed = clock.now - start
        let latencies = perTask.flatMap { $0 }
        return Result(count: latencies.count, elapsed: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18, latencies: latencies)
    }
}
