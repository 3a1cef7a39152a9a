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
        ),
        Migration(
            version: 2,
            name: "hash_chain",
            sql: """
                -- Tamper evidence. Every stored event is a link in the chain of the consumer that
                -- stored it (one chain per consumer, its only writer):
                --   link = SHA-256(previous link || seq (8 bytes, big endian) || event hash || payload hash)
                -- where the event and payload hashes are SHA-256 of the canonical texts below
                -- (Postgres' own rendering, so any verifier recomputes them exactly; a missing
                -- payload hashes as 32 zero bytes). Links are partitioned by the event's ts, like
                -- the events, so retention drops them together; checkpoints are never dropped.
                CREATE FUNCTION audit_event_canonical(e audit_events) RETURNS text LANGUAGE sql STABLE AS $$
                    SELECT jsonb_build_array(e.id, extract(epoch FROM e.ts), e.duration_ms, e.request_id, e.session_id, e.user_subject,
                        e.user_email, e.auth_type, e.api_key_name, e.tool_name, e.tool_group, e.parameters, e.success, e.error_message,
                        e.error_category, e.request_chars, e.response_chars, e.content_blocks, e.transport, e.source, e.remote_addr,
                        e.user_agent, e.trace_id)::text
                $$;
                CREATE FUNCTION audit_payload_canonical(p audit_payloads) RETURNS text LANGUAGE sql STABLE AS $$
                    SELECT jsonb_build_array(p.event_id, extract(epoch FROM p.ts), p.jsonrpc_method, p.request_params, p.request_size_bytes,
                        p.request_truncated, p.request_headers, p.request_remote_addr, p.response_result, p.response_error,
                        p.response_size_bytes, p.response_truncated, p.notifications, p.notifications_truncated, p.replayed_from)::text
                $$;

                CREATE TABLE audit_chain_links (
                    chain_id TEXT NOT NULL,
                    seq BIGINT NOT NULL,
                    event_id UUID NOT NULL,
                    ts TIMESTAMPTZ NOT NULL,
                    link BYTEA NOT NULL,
                    PRIMARY KEY (chain_id, seq, ts)
                ) PARTITION BY RANGE (ts);
                CREATE INDEX audit_chain_links_ts_idx ON audit_chain_links (ts);
                CREATE INDEX audit_chain_links_event_idx ON audit_chain_links (event_id);
                CREATE TABLE audit_chain_links_default PARTITION OF audit_chain_links DEFAULT;

                -- The last link of each chain, read and updated (row-locked) in every batch.
                CREATE TABLE audit_chain_heads (
                    chain_id TEXT PRIMARY KEY,
                    seq BIGINT NOT NULL,
                    link BYTEA NOT NULL,
                    checkpointed_seq BIGINT NOT NULL DEFAULT 0,
                    checkpointed_at TIMESTAMPTZ NOT NULL DEFAULT now()
                );

                -- Signed statements "chain C had link L at seq S" (Ed25519 over the text that
                -- ChainCheckpoint.message builds). `retention` marks the checkpoints written for
                -- links about to be dropped, which let the next links still verify.
                CREATE TABLE audit_checkpoints (
                    chain_id TEXT NOT NULL,
                    seq BIGINT NOT NULL,
                    link BYTEA NOT NULL,
                    ts TIMESTAMPTZ NOT NULL,
                    signed_at TIMESTAMPTZ NOT NULL,
                    key_id TEXT,
                    signature BYTEA,
                    retention BOOLEAN NOT NULL DEFAULT false,
                    PRIMARY KEY (chain_id, seq)
                );
                CREATE INDEX audit_checkpoints_ts_idx ON audit_checkpoints (ts);

                -- When chaining began: events stored before it have no links and are reported
                -- as unchained, not as inserted.
                CREATE TABLE audit_chain_meta (started_at TIMESTAMPTZ NOT NULL);
                INSERT INTO audit_chain_meta VALUES (now());
                """
        ),
        Migration(
            version: 3,
            name: "rollups",
            sql: """
                -- Per-minute rollups of the events (AuditRollups), written by the consumer in the
                -- same transaction as the events, so timeseries, breakdown and dashboard read a
                -- few rows per minute instead of every event. dim 'all': one row per minute and
                -- outcome, with a histogram of durations (DurationHistogram's buckets);
                -- dims 'tool', 'user' and 'auth_type': one row per minute, key and outcome.
                CREATE TABLE audit_rollups (
                    dim TEXT NOT NULL,
                    minute TIMESTAMPTZ NOT NULL,
                    key TEXT,
                    success BOOLEAN NOT NULL,
                    calls BIGINT NOT NULL,
                    duration_sum BIGINT NOT NULL,
                    histogram BIGINT[]
                );
                CREATE UNIQUE INDEX audit_rollups_key ON audit_rollups (dim, minute, key, success) NULLS NOT DISTINCT;

                CREATE FUNCTION audit_histogram_add(a BIGINT[], b BIGINT[]) RETURNS BIGINT[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
                    SELECT CASE WHEN a IS NULL THEN b WHEN b IS NULL THEN a
                        ELSE ARRAY(SELECT coalesce(x, 0) + coalesce(y, 0) FROM unnest(a, b) WITH ORDINALITY AS t(x, y, i) ORDER BY i) END
                $$;
                CREATE AGGREGATE audit_histogram_sum(BIGINT[]) (SFUNC = audit_histogram_add, STYPE = BIGINT[]);
                -- A histogram with `n` in bucket `bucket` (0-based) and nothing elsewhere.
                CREATE FUNCTION audit_histogram_of(bucket INTEGER, n BIGINT) RETURNS BIGINT[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
                    SELECT array_fill(0::bigint, ARRAY[bucket]) || n || array_fill(0::bigint, ARRAY[\(DurationHistogram.bucketCount - 1) - bucket])
                $$;

                -- The rollups of the events stored so far.
                WITH per_bucket AS (
                    SELECT date_bin('1 minute', ts, TIMESTAMPTZ '2000-01-01 00:00:00+00') AS minute, success,
                        width_bucket(greatest(duration_ms, 0), \(DurationHistogram.boundsSQL)) AS bucket, count(*) AS n, sum(greatest(duration_ms, 0)) AS total
                    FROM audit_events GROUP BY 1, 2, 3
                )
                INSERT INTO audit_rollups (dim, minute, key, success, calls, duration_sum, histogram)
                SELECT 'all', minute, NULL, success, sum(n), sum(total), audit_histogram_sum(audit_histogram_of(bucket, n))
                FROM per_bucket GROUP BY minute, success;
                INSERT INTO audit_rollups (dim, minute, key, success, calls, duration_sum)
                SELECT dim, minute, key, success, count(*), sum(greatest(duration_ms, 0))
                FROM audit_events, LATERAL (VALUES ('tool', tool_name), ('user', user_subject), ('auth_type', auth_type)) AS d(dim, key),
                    LATERAL (SELECT date_bin('1 minute', ts, TIMESTAMPTZ '2000-01-01 00:00:00+00')) AS m(minute)
                GROUP BY dim, minute, key, success;

                -- header.<name>= filters are containment tests on the captured headers.
                CREATE INDEX audit_payloads_request_headers_idx ON audit_payloads USING GIN (request_headers jsonb_path_ops);
                """
        ),
        Migration(
            version: 4,
            name: "rollup_counts",
            sql: """
                -- A page's count for a tool, a user or everything, read from the rollups: one
                -- key's minutes in order, with what the sum needs (AuditPageReader.rollupCount).
                CREATE INDEX audit_rollups_by_key ON audit_rollups (dim, key, minute) INCLUDE (success, calls);
                """
        ),
        Migration(
            version: 5,
            name: "events_time_and_id",
            sql: """
                -- The time index carries the id too. Reading a batch's hashes back looks each
                -- event up by (id, ts); on statistics that saw distinct times, the planner took
                -- the time index, and events sharing one time were then scanned once per event
                -- (a 50,000-event benchmark fell from 8,580 to 1,108 events/s). On (ts, id)
                -- every lookup is exact, whichever index is chosen, and pages still walk it
                -- newest first. (Built once, while the consumers wait for the lock.)
                CREATE INDEX audit_events_ts_id_idx ON audit_events (ts DESC, id);
                DROP INDEX audit_events_ts_idx;
                """
        ),
        Migration(
            version: 6,
            name: "chain_links_time_and_event",
            sql: """
                -- One index for the links' two lookups: a time range (verify, retention) and
                -- one event by (event_id, ts) (export, the unchained-event check). Each index is
                -- maintained for every stored event, and b-tree inserts were half of Postgres'
                -- work in the pipeline; two indexes here were one more than needed.
                CREATE INDEX audit_chain_links_ts_event_idx ON audit_chain_links (ts, event_id);
                DROP INDEX audit_chain_links_ts_idx;
                DROP INDEX audit_chain_links_event_idx;
                """
        ),
    ]
}
