/// Paths and headers of the internal HTTP API between services. Internal routes
/// require `tokenHeader` to carry the shared internal token; the edge proxy does
/// not expose them.
public enum InternalAPI {
    /// Header carrying the shared internal token.
    public static let tokenHeader = "X-Tollgate-Internal-Token"
    /// Header that carries the caller's request id from service to service.
    public static let requestIDHeader = "X-Request-Id"

    /// Keys service routes.
    public enum Keys {
        public static let keys = "/internal/v1/keys"
        public static let validate = "/internal/v1/keys/validate"
    }

    /// Audit service routes.
    public enum Audit {
        public static let events = "/internal/v1/audit/events"
        public static let export = "/internal/v1/audit/export"
        public static let timeseries = "/internal/v1/audit/timeseries"
        public static let breakdown = "/internal/v1/audit/breakdown"
        public static let dashboard = "/internal/v1/audit/dashboard"
        /// `GET ?from&to`: recompute the hash chains over the window; the first break.
        public static let verify = "/internal/v1/audit/verify"
        /// `GET ?from&to`: the signed checkpoints of the window, with the public key.
        public static let checkpoints = "/internal/v1/audit/checkpoints"
        /// Rows one export answers at most.
        public static let exportMaxRows = 100_000
        /// When present on any audit route, only rows whose `user_subject` is this value are
        /// read or counted: portal-api sets it for callers without the `audit` scope.
        public static let subjectHeader = "X-Tollgate-Audit-Subject"
    }

    /// Gateway routes.
    public enum Gateway {
        /// `POST <invoke>/<tool name>`: run a tool on behalf of the portal (try-it, replay).
        public static let invoke = "/internal/v1/invoke"
        /// `GET`: every tool the gateway serves, `{"tools": [{name, group, description, input_schema}]}`.
        public static let tools = "/internal/v1/tools"
        /// `GET`: server name, version, instructions and configuration (secrets redacted).
        public static let server = "/internal/v1/server"
        /// `GET ?state&upstream&limit`: reviews of changed tool definitions, newest first;
        /// `POST <reviews>/<id>/approve` or `/reject` with `{"operator": "..."}` decides one.
        public static let reviews = "/internal/v1/catalog/reviews"
        /// `GET`: each upstream's transport, state, last error and refresh, tool count, protocol.
        public static let upstreams = "/internal/v1/upstreams"
        /// `GET ?upstream&from&to&limit`: the catalog change log, newest first.
        public static let catalogChanges = "/internal/v1/catalog/changes"
    }
}
