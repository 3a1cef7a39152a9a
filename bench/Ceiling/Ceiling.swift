import Hummingbird

/// The ceiling of the gateway benchmarks: a Hummingbird route that answers every POST to
/// `/mcp` with one fixed JSON-RPC result (the shape of `tools/call echo`), doing no parsing,
/// no authentication, no audit. Whatever the gateway does costs the difference to this.
///   ceiling-bench PORT [--nio | --nio-forward HOST:PORT]
@main
struct Ceiling {
    static let answer = #"{"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"hello"}],"isError":false}}"#

    static func main() async throws {
        let port = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 9200 : 9200
        if let flag = CommandLine.arguments.firstIndex(of: "--nio-forward"), flag + 1 < CommandLine.arguments.count {
            let target = CommandLine.arguments[flag + 1].split(separator: ":")
            guard target.count == 2, let upstreamPort = Int(target[1]) else { fatalError("--nio-forward HOST:PORT") }
            return try NIOForwardCeiling.run(port: port, upstreamHost: String(target[0]), upstreamPort: upstreamPort)
        }
        if CommandLine.arguments.contains("--nio") {
            return try NIOCeiling.run(port: port, answer: answer)
        }
        let router = Router()
        router.post("/mcp") { request, _ -> Response in
            // Read the body as the gateway must, so both pay for receiving it.
            _ = try await request.body.collect(upTo: 1 << 20)
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: answer)))
        }
        router.get("/healthz") { _, _ in "ok" }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
        try await app.runService()
    }
}
