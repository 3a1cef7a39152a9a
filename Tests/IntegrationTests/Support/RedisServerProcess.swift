import Foundation
import Logging
import TollgateRedis

#if canImport(Glibc)
import Glibc
#endif

/// A real `redis-server` owned by one test, on a free port, with a password, so tests can
/// stop and restart it without disturbing anything else.
final class RedisServerProcess: @unchecked Sendable {
    let port: Int
    let password = "test-\(UUID().uuidString)"
    private let binary: String
    private let directory: URL
    private var pid: pid_t?

    init() throws {
        binary = try TestEnvironment.require("TOLLGATE_TEST_REDIS_SERVER")
        port = try Self.freePort()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-redis-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try start()
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: directory)
    }

    var url: RedisURL { RedisURL(host: "127.0.0.1", port: port, password: password) }

    func client(poolSize: Int = 4, commandTimeout: Duration? = .seconds(5)) -> RedisClient {
        var logger = Logger(label: "redis-test")
        logger.logLevel = .error
        return RedisClient(
            configuration: .init(url: url, poolSize: poolSize, connectTimeout: .seconds(1), commandTimeout: commandTimeout, maximumBackoff: .milliseconds(200)),
            logger: logger
        )
    }

    func start() throws {
        let arguments = [
            binary, "--port", "\(port)", "--bind", "127.0.0.1", "--requirepass", password,
            "--save", "", "--appendonly", "no", "--dir", directory.path, "--databases", "16",
            "--logfile", directory.appendingPathComponent("redis.log").path,
        ]
        // posix_spawn + waitpid rather than Foundation's Process, whose exit monitoring is
        // unreliable on Linux inside the test runner.
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, binary, nil, nil, &argv, environ)
        guard status == 0 else { throw RedisError.unavailable("cannot spawn redis-server: \(status)") }
        self.pid = pid
        for _ in 0..<250 {
            if Self.canConnect(port: port) { return }
            usleep(20_000)
        }
        throw RedisError.unavailable("test redis-server did not start on \(port)")
    }

    func stop() {
        guard let pid else { return }
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        self.pid = nil
    }

    private static func canConnect(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    /// Asks the kernel for a free port by binding port 0.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw RedisError.unavailable("no free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
