"""Seeds the audit tables with N synthetic events spread over the last 24 hours, for the portal
query benchmark, in one INSERT ... SELECT per table (as the Postgres superuser); removes them after.
The rows carry a unique user_subject so removal touches nothing else."""
import uuid

from benchlib import psql

TOOLS = "ARRAY['echo','whoami','fixed_response','sized_response','lorem','error','slow','flaky','progress','long_output','chatty','headers']"


def seed(count):
    subject = f"bench:portal:{uuid.uuid4().hex[:8]}"
    psql(f"""
        CREATE TEMP TABLE seed AS
        SELECT gen_random_uuid() AS id, now() - (random() * interval '24 hours') AS ts, i,
               ({TOOLS})[1 + i % 12] AS tool, (i % 20 <> 0) AS success
        FROM generate_series(1, {count}) AS i;
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
        ANALYZE audit.audit_events; ANALYZE audit.audit_payloads;
        """)
    return subject


def remove(subject):
    psql(f"""
        DELETE FROM audit.audit_payloads p USING audit.audit_events e
        WHERE e.user_subject = '{subject}' AND p.event_id = e.id AND p.ts = e.ts;
        DELETE FROM audit.audit_events WHERE user_subject = '{subject}';
        """)
