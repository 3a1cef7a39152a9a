public import TollgateCore

/// The audit service's schema history (schema `audit`), applied at start-up.
/// Append only: an applied migration is never edited (the migrator checks its checksum).
public enum AuditMigrations {
    public static let all: [Migration] = [
        Migration(
            version: 1,
            name: "partitioned_audit_tables",
            sql: """
                -- One row per tool call (and per authentication failure), partitioned by day so
                -- retention drops whole partitions. The key includes ts, as partitioning requires;
                -- an event's ts never changes, so (id, ts) makes redelivered events idempotent.
                CREATE TABLE audit_events (
                    id UUID NOT NULL,
                    ts TIMESTAMPTZ NOT NULL,
                    duration_ms BIGINT NOT NULL,
                    request_id TEXT,
                    session_id TEXT,
                    user_subject TEXT,
                    user_email TEXT,
                    auth_type TEXT,
                    api_key_name TEXT,
                    tool_name TEXT NOT NULL,
                    tool_group TEXT,
                    parameters JSONB,
                    success BOOLEAN NOT NULL,
                    error_message TEXT,
                    error_category TEXT,
                    request_chars INTEGER,
                    response_chars INTEGER,
                    content_blocks INTEGER,
                    transport TEXT NOT NULL,
                    source TEXT NOT NULL,
                    remote_addr TEXT,
                    user_agent TEXT,
                    trace_id TEXT,
                    PRIMARY KEY (id, ts)
                ) PARTITION BY RANGE (ts);
                CREATE INDEX audit_events_ts_idx ON audit_events (ts DESC);
                CREATE INDEX audit_events_tool_idx ON audit_events (tool_name, ts DESC);
                CREATE INDEX audit_events_user_idx ON audit_events (user_subject, ts DESC);
                CREATE INDEX audit_events_session_idx ON audit_events (session_id, ts DESC);
                CREATE INDEX audit_events_success_idx ON audit_events (success, ts DESC);
                -- Events whose time falls outside every daily partition are kept, not lost.
                CREATE TABLE audit_events_default PARTITION OF audit_events DEFAULT;

                CREATE TABLE audit_payloads (
                    event_id UUID NOT NULL,
                    ts TIMESTAMPTZ NOT NULL,
                    jsonrpc_method TEXT,
                    request_params JSONB,
                    request_size_bytes INTEGER,
                    request_truncated BOOLEAN NOT NULL DEFAULT false,
                    request_headers JSONB,
                    request_remote_addr TEXT,
                    response_result JSONB,
                    response_error JSONB,
                    response_size_bytes INTEGER,
                    response_truncated BOOLEAN NOT NULL DEFAULT false,
                    notifications JSONB,
                    notifications_truncated BOOLEAN NOT NULL DEFAULT false,
                    replayed_from UUID,
                    PRIMARY KEY (event_id, ts)
                ) PARTITION BY RANGE (ts);
                CREATE INDEX audit_payloads_request_params_idx ON audit_payloads USING GIN (request_params jsonb_path_ops);
                CREATE INDEX audit_payloads_response_result_idx ON audit_payloads USING GIN (response_result jsonb_path_ops);
                CREATE TABLE audit_payloads_default PARTITION OF audit_payloads DEFAULT;
                """
        )
    ]
}
