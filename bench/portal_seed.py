"""Seeds the audit tables with N synthetic events spread over the last D days, for the portal
query benchmark, as the Postgres superuser: the daily partitions those days would have (owned by
the audit role, as the audit service creates them), then one INSERT ... SELECT per table, then
the per-minute rollups the consumer would have written for them. Removal takes all of it back.
The rows carry a unique user_subject so removal touches nothing else."""
import concurrent.futures
import datetime
import uuid

from benchlib import psql

TOOLS = "ARRAY['echo','whoami','fixed_response','sized_response','lorem','error','slow','flaky','progress','long_output','chatty','headers']"
TABLES = ("audit_events", "audit_payloads", "audit_chain_links")
# The same buckets as DurationHistogram.bounds (services/audit).
HISTOGRAM_BOUNDS = ("ARRAY[1,2,3,4,5,6,8,10,12,15,20,25,30,40,50,60,80,100,120,150,200,250,300,400,500,600,800,1000,1200,1500,2000,"
                    "2500,3000,4000,5000,6000,8000,10000,12000,15000,20000,25000,30000,40000,50000,60000,80000,100000,120000,150000,"
                    "200000,300000,600000]::bigint[]")


def partitions(days):
    """Creates the missing daily partitions of the last `days` days; returns the names created."""
    today = datetime.datetime.now(datetime.timezone.utc).date()
    statements, created = [], []
    for offset in range(days + 1):
        day = today - datetime.timedelta(days=offset)
        stamp = day.strftime("%Y%m%d")
        for table in TABLES:
            name = f"{table}_p{stamp}"
            exists = psql(f"SELECT to_regclass('audit.{name}') IS NOT NULL")
            if exists.strip() == "t":
                continue
            created.append(name)
            statements.append(
                f"CREATE TABLE audit.{name} PARTITION OF audit.{table} FOR VALUES FROM ('{day} 00:00:00+00') TO "
                f"('{day + datetime.timedelta(days=1)} 00:00:00+00'); ALTER TABLE audit.{name} OWNER TO tollgate_audit;")
    if statements:
        psql("\n".join(statements))
    return created


def rollup_sql(subject, sign):
    """Adds (sign 1) or subtracts (sign -1) the seeded events' rollups."""
    minute = "date_bin('1 minute', ts, TIMESTAMPTZ '2000-01-01 00:00:00+00')"
    return f"""
        WITH per_bucket AS (
            SELECT {minute} AS minute, success, width_bucket(greatest(duration_ms, 0), {HISTOGRAM_BOUNDS}) AS bucket,
                   count(*) AS n, sum(greatest(duration_ms, 0)) AS total
            FROM audit.audit_events WHERE user_subject = '{subject}' GROUP BY 1, 2, 3
        ), rows AS (
            SELECT 'all' AS dim, minute, NULL::text AS key, success, sum(n) AS calls, sum(total) AS duration_sum,
                   audit.audit_histogram_sum(audit.audit_histogram_of(bucket, {sign} * n)) AS histogram
            FROM per_bucket GROUP BY minute, success
            UNION ALL
            SELECT dim, {minute}, key, success, count(*), sum(greatest(duration_ms, 0)), NULL
            FROM audit.audit_events, LATERAL (VALUES ('tool', tool_name), ('user', user_subject), ('auth_type', auth_type)) AS d(dim, key)
            WHERE user_subject = '{subject}' GROUP BY 1, 2, 3, 4
        )
        INSERT INTO audit.audit_rollups AS r (dim, minute, key, success, calls, duration_sum, histogram)
        SELECT dim, minute, key, success, {sign} * calls, {sign} * duration_sum, histogram FROM rows
        ON CONFLICT (dim, minute, key, success) DO UPDATE SET calls = r.calls + excluded.calls,
            duration_sum = r.duration_sum + excluded.duration_sum, histogram = audit.audit_histogram_add(r.histogram, excluded.histogram);
        DELETE FROM audit.audit_rollups WHERE calls = 0;
        """


def count(subject):
    """How many events were seeded for `subject`."""
    return int(psql(f"SELECT count(*) FROM audit.audit_events WHERE user_subject = '{subject}'"))


def seed(count, days=1, sessions=2):
    subject = f"bench:portal:{uuid.uuid4().hex[:8]}"
    created = partitions(days)
    # Rows are written by `sessions` psql sessions in parallel (one core each), then rolled up.
    share = (count + sessions - 1) // sessions
    with concurrent.futures.ThreadPoolExecutor(sessions) as pool:
        for done in [pool.submit(psql, seed_sql(subject, days, first * share + 1, min(count, (first + 1) * share)))
                     for first in range(sessions)]:
            done.result()
    psql(f"""
        {rollup_sql(subject, 1)}
        ANALYZE audit.audit_events; ANALYZE audit.audit_payloads;
        """)
    # Past minutes' rollups are settled rows that autovacuum has visited in a running system:
    # their index is read without touching the table. (VACUUM runs outside a transaction.)
    psql("VACUUM ANALYZE audit.audit_rollups")
    return subject, created


def seed_sql(subject, days, first, last):
    return f"""
        CREATE TEMP TABLE seed AS
        SELECT gen_random_uuid() AS id, now() - (random() * interval '{days} days') AS ts, i,
               ({TOOLS})[1 + i % 12] AS tool, (i % 20 <> 0) AS success
        FROM generate_series({first}, {last}) AS i;
        INSERT INTO audit.audit_events (id, ts, duration_ms, request_id, user_subject, auth_type, api_key_name, tool_name, tool_group,
            parameters, success, error_message, error_category, request_chars, response_chars, content_blocks, transport, source, user_agent, trace_id)
        SELECT id, ts, (i * 7) % 500, 'seed-' || i, '{subject}', 'apikey', 'bench', tool, 'bench',
               jsonb_build_object('key', 'k' || (i % 1000), 'n', i % 10), success,
               CASE WHEN success THEN NULL ELSE 'synthetic error' END, CASE WHEN success THEN NULL ELSE 'tool' END,
               60, 120, 1, 'http', 'mcp', 'bench', md5(i::text)
        FROM seed;
        INSERT INTO audit.audit_payloads (event_id, ts, jsonrpc_method, request_params, request_size_bytes, request_headers, response_result, response_size_bytes)
        SELECT id, ts, 'tools/call', jsonb_build_object('key', 'k' || (i % 1000), 'n', i % 10), 60,
               '{{"user-agent": ["bench"]}}'::jsonb, jsonb_build_object('content', jsonb_build_array(jsonb_build_object('type', 'text', 'text', 'ok')), 'isError', NOT success), 120
        FROM seed;
        """


def remove(seeded):
    subject, created = seeded
    psql(rollup_sql(subject, -1))
    psql(f"""
        DELETE FROM audit.audit_payloads p USING audit.audit_events e
        WHERE e.user_subject = '{subject}' AND p.event_id = e.id AND p.ts = e.ts;
        DELETE FROM audit.audit_events WHERE user_subject = '{subject}';
        """)
    # Partitions the seed created for past days go again (today's and later ones stay: the
    # audit service would have created them anyway).
    today = datetime.datetime.now(datetime.timezone.utc).date().strftime("%Y%m%d")
    drops = [f"DROP TABLE IF EXISTS audit.{name};" for name in created if name.rsplit("_p", 1)[1] < today]
    if drops:
        psql("\n".join(drops))
