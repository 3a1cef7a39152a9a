public import Hummingbird
import Prometheus

/// `/healthz` (liveness), `/readyz` (200 when ready, 503 while starting or draining) and
/// `/metrics` (Prometheus text format).
public struct HealthController<Context: RequestContext>: Sendable {
    private let readiness: Readiness
    private let metrics: PrometheusCollectorRegistry

    public init(readiness: Readiness, metrics: PrometheusCollectorRegistry) {
        self.readiness = readiness
        self.metrics = metrics
    }

    public func addRoutes(to router: Router<Context>) {
        router.get("/healthz") { _, _ in
            Self.json(.ok, #"{"status":"ok"}"#)
        }
        router.get("/readyz") { _, _ in
            let state = readiness.state
            return Self.json(state == .ready ? .ok : .serviceUnavailable, #"{"status":"\#(state.rawValue)"}"#)
        }
        router.get("/metrics") { _, _ in
            var buffer: [UInt8] = []
            buffer.reserveCapacity(4096)
            metrics.emit(into: &buffer)
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: buffer))
            )
        }
    }

    private static func json(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(
            status: status,
            headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: text))
        )
    }
}
