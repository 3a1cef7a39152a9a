"""Tollgate's benchmarks in one run (issue 7). Not a test: it prints Markdown tables.

Every load goes to 127.0.0.1 only and is bounded in time (wrk runs for a fixed number of
seconds with a fixed number of connections). Comparisons are interleaved (A B A B) so drift of
this shared machine hits both sides alike. Started by `bench/run`, which sets the environment.
"""
import argparse
import asyncio
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
import uuid

import httpx

from benchlib import free_port, psql

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))
BIN = os.environ["TOLLGATE_BIN_DIR"]
DEV_KEY = os.environ["TOLLGATE_DEV_API_KEY"]
INTERNAL = {"X-Tollgate-Internal-Token": os.environ["TOLLGATE_INTERNAL_TOKEN"]}
LOGS = os.path.join(ROOT, ".dev", "bench")
MODERN_META = {"io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {}}


class Process:
    """A server started for the benchmark, logging to .dev/bench/<name>.log."""

    def __init__(self, name, argv, env=None, ready=None, cwd=None):
        os.makedirs(LOGS, exist_ok=True)
        self.name = name
        self.log = open(os.path.join(LOGS, f"{name}.log"), "w")
        self.process = subprocess.Popen(argv, env={**os.environ, **(env or {})}, stdout=self.log, stderr=subprocess.STDOUT, cwd=cwd)
        self.pid = self.process.pid
        if ready:
            deadline = time.monotonic() + 120
            while True:
                if self.process.poll() is not None:
                    raise SystemExit(f"{name} exited during start-up; see {self.log.name}")
                try:
                    if urllib.request.urlopen(ready, timeout=1).status == 200:
                        break
                except Exception:
                    pass
                if time.monotonic() > deadline:
                    raise SystemExit(f"{name} did not become ready; see {self.log.name}")
                time.sleep(0.1)

    def cpu_seconds(self):
        fields = open(f"/proc/{self.pid}/stat").read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rss_mib(self):
        for line in open(f"/proc/{self.pid}/status"):
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def gateway(name, **env):
    """A gateway on a free port: anonymous callers, no audit, no rate limit, unless overridden."""
    port = free_port()
    settings = {
        "TOLLGATE_GATEWAY_PORT": str(port), "TOLLGATE_GATEWAY_ALLOW_ANONYMOUS": "true", "TOLLGATE_GATEWAY_AUDIT": "false",
        "TOLLGATE_GATEWAY_RATE_LIMIT": "0", "TOLLGATE_DRAIN_PERIOD": "0s", "TOLLGATE_ACCESS_LOG": "false",
        "TOLLGATE_LOG_LEVEL": os.environ.get("BENCH_LOG_LEVEL", "warning"), "TOLLGATE_GATEWAY_AUDIT_SPOOL": os.path.join(LOGS, f"{name}.spool"),
    }
    settings.update(env)
    process = Process(name, [os.path.join(BIN, "gateway")], settings, ready=f"http://127.0.0.1:{port}/readyz")
    process.url = f"http://127.0.0.1:{port}/mcp"
    return process


def check_call(url, tool, key=None, modern=True, accept="application/json, text/event-stream"):
    """One call before a load run: the answer must be the tool's result, not an error."""
    params = {"name": tool, "arguments": {"message": "hello"}}
    headers = {"Accept": accept, "Content-Type": "application/json"}
    if modern:
        params["_meta"] = MODERN_META
        headers.update({"MCP-Protocol-Version": "2026-07-28", "Mcp-Method": "tools/call", "Mcp-Name": tool})
    if key:
        headers["X-API-Key"] = key
    response = httpx.post(url, json={"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": params}, headers=headers, timeout=30)
    if response.status_code != 200 or "hello" not in response.text or '"error"' in response.text:
        raise SystemExit(f"{url} {tool}: unexpected answer {response.status_code} {response.text[:300]}")


def wrk(url, tool, connections, seconds, key=None, modern=True, bearer=None, accept=None, session=None):
    env = {**os.environ, "BENCH_TOOL": tool, "BENCH_MODERN": "1" if modern else "0"}
    if session:
        env["BENCH_SESSION"] = session
    if accept:
        env["BENCH_ACCEPT"] = accept
    if key:
        env["BENCH_KEY"] = key
    if bearer:
        env["BENCH_BEARER"] = bearer
    threads = str(min(2, connections))
    out = subprocess.run(["wrk", "-t", threads, "-c", str(connections), "-d", f"{seconds}s", "--timeout", "30s",
                          "-s", os.path.join(ROOT, "bench", "wrk_mcp.lua"), url], env=env, capture_output=True, text=True, check=True).stdout
    result = json.loads(out[out.index("WRK ") + 4:].splitlines()[0])
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    if result["errors"] or result["non2xx"]:
        result["note"] = f"{result['errors']} socket errors, {result['non2xx']} non-2xx"
    return result


def print_footnotes(footnotes):
    """wrk's error counts, below the table they belong to (a table row has no room for them)."""
    if footnotes:
        print("\nNot every request succeeded: " + "; ".join(footnotes) + ".")


def ms(us):
    return f"{us / 1000:.2f}"


def mean(values):
    return statistics.fmean(values)


def interleaved(sides, connections, seconds, rounds):
    """Runs each side (label → (url, tool, key, modern, accept[, process])) once per round, in turn; returns label → list
    of results. With a process, each result also has that process's CPU time per completed request (`cpu_us`)."""
    results = {label: [] for label in sides}
    for _ in range(rounds):
        for label, (url, tool, key, modern, accept, *process) in sides.items():
            cpu = process[0].cpu_seconds() if process else None
            result = wrk(url, tool, connections, seconds, key, modern, accept=accept)
            if process:
                result["cpu_us"] = (process[0].cpu_seconds() - cpu) * 1e6 / max(1, result["requests"])
            results[label].append(result)
    return results


def summary(runs):
    return {"rps": mean([r["rps"] for r in runs]), "p50": mean([r["p50_us"] for r in runs]), "p99": mean([r["p99_us"] for r in runs]),
            "cpu": mean([r.get("cpu_us", float("nan")) for r in runs]), "notes": "; ".join(r["note"] for r in runs if "note" in r)}


def forwarding(args, upstream_url, upstream_tool, via, via_tool, title, upstream_accept=None):
    print(f"\n### {title}\n")
    print("| clients | direct req/s | via gateway req/s | via/direct | direct p50 / p99 ms | via p50 / p99 ms | added p50 / p99 ms | gateway CPU µs / call |")
    print("|---|---|---|---|---|---|---|---|")
    footnotes = []
    for connections in (1, 8, 64):
        runs = interleaved({"direct": (upstream_url, upstream_tool, None, True, upstream_accept), "via": (via.url, via_tool, None, True, None, via)},
                           connections, args.seconds, args.rounds)
        d, v = summary(runs["direct"]), summary(runs["via"])
        footnotes += [f"{connections} clients, {side}: {s['notes']}" for side, s in (("direct", d), ("via", v)) if s["notes"]]
        print(f"| {connections} | {d['rps']:,.0f} | {v['rps']:,.0f} | {v['rps'] / d['rps']:.2f} | {ms(d['p50'])} / {ms(d['p99'])} | "
              f"{ms(v['p50'])} / {ms(v['p99'])} | {ms(v['p50'] - d['p50'])} / {ms(v['p99'] - d['p99'])} | {v['cpu']:.0f} |")
        sys.stdout.flush()
    print_footnotes(footnotes)


def section_forwarding(args):
    print("\n## 1. Forwarding cost: an upstream called directly vs through a gateway that federates it")
    upstream = gateway("upstream-tollgate", TOLLGATE_GATEWAY_FIXTURE_GROUPS="identity")
    via = gateway("via-gateway", TOLLGATE_GATEWAY_UPSTREAMS=json.dumps([{"name": "u", "transport": "http", "url": upstream.url}]))
    python_port = free_port()
    python_upstream = Process("upstream-python", [sys.executable, os.path.join(ROOT, "tests", "e2e", "upstream_server.py"), "http", str(python_port)])
    python_url = f"http://127.0.0.1:{python_port}/mcp"
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", python_port), timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                raise SystemExit("the Python upstream did not start")
            time.sleep(0.2)
    via_python = gateway("via-python", TOLLGATE_GATEWAY_UPSTREAMS=json.dumps([{"name": "p", "transport": "http", "url": python_url}]))
    try:
        time.sleep(1)  # catalogs refresh at start
        check_call(upstream.url, "echo")
        check_call(via.url, "u__echo")
        check_call(python_url, "echo")
        check_call(via_python.url, "p__echo")
        forwarding(args, upstream.url, "echo", via, "u__echo", "1a. Upstream: a Tollgate gateway serving only its fixture tools (auth and audit off)")
        # The SDK's server insists on both types in Accept (and then answers with SSE).
        forwarding(args, python_url, "echo", via_python, "p__echo", "1b. Upstream: a Python MCP server (official SDK `MCPServer`, Streamable HTTP)",
                   upstream_accept="application/json, text/event-stream")
        section_ceiling(args, upstream)
        section_forwarding_floor(args, upstream)
        if args.profile:
            profile(via, via.url, "u__echo", None, args, "federating gateway (forwarding to the Tollgate upstream)")
    finally:
        for process in (via_python, python_upstream, via, upstream):
            process.stop()


def section_ceiling(args, builtin):
    print("\n### 1c. The ceilings: a fixed JSON-RPC result from bare SwiftNIO and from a Hummingbird route vs built-in `tools/call echo`\n")
    ports = free_port(), free_port()
    nio = Process("ceiling-nio", [os.path.join(BIN, "ceiling-bench"), str(ports[0]), "--nio"], ready=f"http://127.0.0.1:{ports[0]}/healthz")
    hummingbird = Process("ceiling", [os.path.join(BIN, "ceiling-bench"), str(ports[1])], ready=f"http://127.0.0.1:{ports[1]}/healthz")
    try:
        print("| clients | NIO req/s (CPU µs / req) | Hummingbird req/s (CPU µs / req) | built-in echo req/s (CPU µs / call) | built-in / Hummingbird ceiling | "
              "Hummingbird / NIO ceiling |")
        print("|---|---|---|---|---|---|")
        for connections in (1, 8, 64):
            runs = interleaved({"nio": (f"http://127.0.0.1:{ports[0]}/mcp", "echo", None, True, None, nio),
                                "ceiling": (f"http://127.0.0.1:{ports[1]}/mcp", "echo", None, True, None, hummingbird),
                                "builtin": (builtin.url, "echo", None, True, None, builtin)},
                               connections, args.seconds, args.rounds)
            n, c, b = summary(runs["nio"]), summary(runs["ceiling"]), summary(runs["builtin"])
            print(f"| {connections} | {n['rps']:,.0f} ({n['cpu']:.0f}) | {c['rps']:,.0f} ({c['cpu']:.0f}) | {b['rps']:,.0f} ({b['cpu']:.0f}) | "
                  f"{b['rps'] / c['rps']:.2f} | {c['rps'] / n['rps']:.2f} |")
            sys.stdout.flush()
    finally:
        hummingbird.stop()
        nio.stop()


def section_forwarding_floor(args, upstream):
    """The same upstream behind a bare SwiftNIO reverse proxy that reads no JSON: what forwarding costs at the least."""
    port = free_port()
    target = upstream.url.removeprefix("http://").removesuffix("/mcp")
    proxy = Process("ceiling-nio-forward", [os.path.join(BIN, "ceiling-bench"), str(port), "--nio-forward", target], ready=f"http://127.0.0.1:{port}/healthz")
    proxy.url = f"http://127.0.0.1:{port}/mcp"
    try:
        check_call(proxy.url, "echo")
        forwarding(args, upstream.url, "echo", proxy, "echo", "1d. The floor of forwarding: the Tollgate upstream behind a bare SwiftNIO reverse proxy (no JSON read)")
    finally:
        proxy.stop()


def mint_key(name):
    response = httpx.post(f"{os.environ['TOLLGATE_KEYS_URL']}/internal/v1/keys", json={"name": name}, headers=INTERNAL, timeout=30)
    response.raise_for_status()
    return response.json()["plaintext"]


def section_builtin(args):
    print("\n## 2. Built-in path: `tools/call echo` with a database API key (validation cached), audit on vs off\n")
    key = mint_key(f"bench-{uuid.uuid4().hex[:8]}")
    common = {"TOLLGATE_GATEWAY_ALLOW_ANONYMOUS": "false"}
    audit_on = gateway("builtin-audit-on", TOLLGATE_GATEWAY_AUDIT="true", **common)
    audit_off = gateway("builtin-audit-off", **common)
    try:
        for process in (audit_on, audit_off):
            check_call(process.url, "echo", key=key)
        print("| clients | audit | req/s | p50 ms | p99 ms | gateway CPU µs/call | gateway RSS MiB |")
        print("|---|---|---|---|---|---|---|")
        footnotes = []
        for connections in (1, 8, 64):
            rows = {"on": [], "off": []}
            for _ in range(args.rounds):
                for label, process in (("on", audit_on), ("off", audit_off)):
                    cpu = process.cpu_seconds()
                    result = wrk(process.url, "echo", connections, args.seconds, key)
                    result["cpu_us"] = (process.cpu_seconds() - cpu) * 1e6 / max(1, result["requests"])
                    result["rss"] = process.rss_mib()
                    rows[label].append(result)
            for label in ("on", "off"):
                s = summary(rows[label])
                print(f"| {connections} | {label} | {s['rps']:,.0f} | {ms(s['p50'])} | {ms(s['p99'])} | "
                      f"{mean([r['cpu_us'] for r in rows[label]]):.0f} | {max(r['rss'] for r in rows[label]):.0f} |")
                if s["notes"]:
                    footnotes.append(f"{connections} clients, audit {label}: {s['notes']}")
            sys.stdout.flush()
        print_footnotes(footnotes)
        if args.profile:
            profile(audit_on, audit_on.url, "echo", key, args, "gateway on the built-in path (audit on)")
    finally:
        audit_on.stop()
        audit_off.stop()


def profile(process, url, tool, key, args, label):
    """perf samples of a gateway under 8 clients: time by library, and the top symbols by self time."""
    data = os.path.join(LOGS, "perf.data")
    recorder = subprocess.Popen(["perf", "record", "-F", "1999", "-g", "-p", str(process.pid), "-o", data], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    wrk(url, tool, 8, 10, key)
    recorder.send_signal(signal.SIGINT)
    recorder.wait(60)

    def report(sort):
        return subprocess.run(["perf", "report", "-i", data, "--no-children", "--sort", sort, "--stdio", "-g", "none"],
                              capture_output=True, text=True).stdout.splitlines()

    print(f"\nProfile of the {label} (8 clients, 10 s, `perf record -F 1999 -g`), self time by library:\n")
    shares = [re.match(r"\s+([\d.]+)%\s+(\S+)", line) for line in report("dso")]
    print(", ".join(f"{m.group(2)} {m.group(1)}%" for m in shares if m and float(m.group(1)) >= 1.0))
    print("\n| self | library | symbol |")
    print("|---|---|---|")
    # Mangled symbols have no spaces; C++ names are cut at their first space.
    rows = [re.match(r"\s+([\d.]+)%\s+(\S+)\s+\[(.)\]\s+(\S+)", line) for line in report("dso,symbol")]
    rows = [m for m in rows if m][:15]
    names = subprocess.run(["swift", "demangle", "--simplified", "--compact"], input="\n".join(m.group(4).strip() for m in rows),
                           capture_output=True, text=True).stdout.splitlines()
    for match, name in zip(rows, names + [""] * len(rows)):
        print(f"| {match.group(1)}% | {match.group(2)} | `{(name or match.group(4)).strip()[:100]}` |")


def section_peer(args):
    print("\n## 3. A peer: ContextForge vs Tollgate, both fronting the same upstream\n")
    import contextforge
    upstream = gateway("peer-upstream", TOLLGATE_GATEWAY_FIXTURE_GROUPS="identity")
    via = gateway("peer-tollgate", TOLLGATE_GATEWAY_UPSTREAMS=json.dumps([{"name": "u", "transport": "http", "url": upstream.url}]))
    peer = None
    try:
        try:
            peer = contextforge.start(upstream.url, LOGS)
        except contextforge.Unavailable as error:
            print(f"ContextForge could not be run: {error}")
            return
        time.sleep(1)
        check_call(via.url, "u__echo")
        peer.check()
        print(f"ContextForge {peer.version} ({peer.mode}); Tollgate gateway federating the same upstream (a Tollgate fixture gateway).\n")
        print("| clients | Tollgate req/s | ContextForge req/s | Tollgate / ContextForge | Tollgate p50 / p99 ms | ContextForge p50 / p99 ms |")
        print("|---|---|---|---|---|---|")
        footnotes = []
        for connections in (1, 8, 64):
            t_runs, c_runs = [], []
            for _ in range(args.rounds):
                t_runs.append(wrk(via.url, "u__echo", connections, args.seconds))
                c_runs.append(peer.wrk(connections, args.seconds))
            t, c = summary(t_runs), summary(c_runs)
            footnotes += [f"{connections} clients, {side}: {x['notes']}" for side, x in (("Tollgate", t), ("ContextForge", c)) if x["notes"]]
            print(f"| {connections} | {t['rps']:,.0f} | {c['rps']:,.1f} | {t['rps'] / c['rps']:.1f} | {ms(t['p50'])} / {ms(t['p99'])} | "
                  f"{ms(c['p50'])} / {ms(c['p99'])} |")
            sys.stdout.flush()
        print_footnotes(footnotes)
        print(f"\nMemory: Tollgate gateway RSS {via.rss_mib():.0f} MiB; ContextForge RSS {peer.rss_mib():.0f} MiB (all its processes).")
    finally:
        if peer:
            peer.stop()
        via.stop()
        upstream.stop()


def section_audit(args):
    print("\n## 4. Audit pipeline: XADD → committed rows vs a plain COPY of the same rows; end-to-end lag\n")
    import audit_ingest
    print("| run | events | seconds | events/s |")
    print("|---|---|---|---|")
    stream, copy, verifies = [], [], []
    for round_index in range(args.rounds):
        rate, _, total = audit_ingest.pipeline_round(args.audit_events)
        stream.append(rate)
        print(f"| A{round_index + 1}: XADD → committed (audit service, hash chain on) | {args.audit_events} | {total:.2f} | {rate:,.0f} |")
        verifies.append(audit_ingest.pipeline_round.last_verify)
        copy_rate, copy_time = audit_ingest.copy_round(args.audit_events)
        copy.append(copy_rate)
        print(f"| B{round_index + 1}: COPY into the same tables | {args.audit_events} | {copy_time:.2f} | {copy_rate:,.0f} |")
        sys.stdout.flush()
    print(f"\nPipeline / COPY: {mean(stream) / mean(copy):.2f}.\n")
    print("Chain verification of each round's window (`/internal/v1/audit/verify`, the service's own timing): " + "; ".join(
        f"{'verified' if ok else 'NOT verified'}, {links:,} links in {elapsed:,} ms" for ok, links, elapsed in verifies) + ".\n")
    print("| steady load | events sent | announced | lag p50 ms | lag p99 ms | lag max ms |")
    print("|---|---|---|---|---|---|")
    for rate in (1000, 5000):
        sent, p50, p99, worst, received = audit_ingest.lag_round(rate, args.lag_seconds)
        print(f"| {rate:,} events/s for {args.lag_seconds} s | {sent} | {received} | {p50:.1f} | {p99:.1f} | {worst:.1f} |")
        sys.stdout.flush()
    # One day of the 10,000,000-events-in-30-days table is 333,334 events: stored through the
    # pipeline (so every one is chained), then verified as one window.
    day = 33_334 if args.quick else 333_334
    rate, _, total = audit_ingest.pipeline_round(day)
    ok, links, elapsed = audit_ingest.pipeline_round.last_verify
    print(f"\nOne day's volume ({day:,} events) through the pipeline in {total:.1f} s ({rate:,.0f} events/s); "
          f"verifying that window: {'verified' if ok else 'NOT verified'}, {links:,} links in {elapsed / 1000:.1f} s.")


async def open_sessions(url, count, concurrency=64):
    sessions = []
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(timeout=30, limits=limits) as client:
        semaphore = asyncio.Semaphore(concurrency)

        async def one(index):
            async with semaphore:
                response = await client.post(url, json={"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
                    "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "bench", "version": "1"}}},
                    headers={"Accept": "application/json, text/event-stream"})
                response.raise_for_status()
                session = response.headers["mcp-session-id"]
                await client.post(url, json={"jsonrpc": "2.0", "method": "notifications/initialized"},
                                  headers={"Accept": "application/json, text/event-stream", "Mcp-Session-Id": session, "MCP-Protocol-Version": "2025-11-25"})
                sessions.append(session)

        await asyncio.gather(*(one(index) for index in range(count)))
    return sessions


async def hold_streams(url, sessions, measure):
    """Opens one GET stream per session, calls `measure` while all are open, then closes them."""
    limits = httpx.Limits(max_connections=len(sessions) + 10, max_keepalive_connections=0)
    async with httpx.AsyncClient(timeout=httpx.Timeout(30, read=None), limits=limits) as client:
        opened = asyncio.Event()
        count = 0
        stop = asyncio.Event()

        async def one(session):
            nonlocal count
            async with client.stream("GET", url, headers={"Accept": "text/event-stream", "Mcp-Session-Id": session, "MCP-Protocol-Version": "2025-11-25"}) as response:
                response.raise_for_status()
                count += 1
                if count == len(sessions):
                    opened.set()
                await stop.wait()

        tasks = [asyncio.create_task(one(session)) for session in sessions]
        await asyncio.wait_for(opened.wait(), 120)
        await asyncio.sleep(1)
        value = measure()
        stop.set()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        return value


def section_sessions(args):
    print("\n## 5. Sessions: gateway memory with idle sessions and open GET streams\n")
    process = gateway("sessions", TOLLGATE_GATEWAY_FIXTURE_GROUPS="identity")
    try:
        rows = [("0 sessions", process.rss_mib(), 0)]
        sessions = []
        for target in (1000, 10000):
            sessions += asyncio.run(open_sessions(process.url, target - len(sessions)))
            time.sleep(1)
            rows.append((f"{target:,} initialized idle sessions", process.rss_mib(), target))
        streams = asyncio.run(hold_streams(process.url, sessions[:1000], process.rss_mib))
        print("| state | gateway RSS MiB | per session KiB (vs 0) |")
        print("|---|---|---|")
        base = rows[0][1]
        for label, rss, count in rows:
            print(f"| {label} | {rss:.1f} | {'' if not count else f'{(rss - base) * 1024 / count:.2f}'} |")
        print(f"| 10,000 sessions + 1,000 open GET streams | {streams:.1f} | {(streams - rows[-1][1]) * 1024 / 1000:.2f} per stream (vs idle) |")
    finally:
        process.stop()


def section_auth():
    print("\n## 6. Auth: key validations/s, cache hit vs bcrypt miss\n")
    out = subprocess.run([os.path.join(BIN, "keys-bench")], capture_output=True, text=True, env={**os.environ, "BENCH_SECONDS": os.environ.get("BENCH_SECONDS", "5")})
    print(out.stdout.strip() or out.stderr.strip()[-2000:])


def section_portal(args):
    days = 30
    print(f"\n## 7. Portal queries on an audit table seeded with {args.portal_rows:,} rows over {days} days\n")
    print("Through portal-api (which asks the audit service), with the dev key (scope admin). The seed")
    print("creates the daily partitions those days would have and the rollups the consumer would have")
    print("written (bench/portal_seed.py); every query runs once to warm up, then `runs` times.\n")
    import portal_seed
    started = time.monotonic()
    if args.portal_reuse:
        # Rows an earlier run seeded and left (`--portal-reuse SUBJECT`): its subject, nothing to remove.
        seeded = (args.portal_reuse, [])
        print(f"Reusing the rows seeded earlier for {args.portal_reuse} ({portal_seed.count(args.portal_reuse):,} of them).\n")
    else:
        seeded = portal_seed.seed(args.portal_rows, days=days)
        print(f"Seeded in {time.monotonic() - started:.0f} s.\n")
    try:
        portal = os.environ["TOLLGATE_PORTAL_URL"]
        headers = {"X-API-Key": DEV_KEY}
        now = time.time()
        stamp = lambda seconds: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - seconds))
        queries = [
            ("`/audit/events?tool=echo&success=false` (filtered page of 50)", "portal/audit/events", {"tool": "echo", "success": "false"}),
            ("`/audit/events` (newest page of 50, no filter)", "portal/audit/events", {}),
            ("`/audit/events?param.key=k42` (JSONB containment)", "portal/audit/events", {"param.key": "k42"}),
            ("`/audit/events?header.user-agent=bench&tool=lorem` (header containment)", "portal/audit/events", {"header.user-agent": "bench", "tool": "lorem"}),
            ("`/audit/timeseries` over 24 h, 5m buckets", "portal/audit/timeseries", {"from": stamp(86400), "bucket": "5m"}),
            ("`/audit/timeseries` over 24 h, 1m buckets", "portal/audit/timeseries", {"from": stamp(86400), "bucket": "1m"}),
            ("`/audit/timeseries` over 30 days, 1h buckets", "portal/audit/timeseries", {"from": stamp(30 * 86400), "bucket": "1h"}),
            ("`/audit/breakdown?by=tool` (24 h)", "portal/audit/breakdown", {"by": "tool"}),
            ("`/audit/breakdown?by=user` (24 h)", "portal/audit/breakdown", {"by": "user"}),
            ("`/audit/breakdown?by=tool` over 30 days", "portal/audit/breakdown", {"by": "tool", "from": stamp(30 * 86400)}),
            ("`/dashboard`", "portal/dashboard", {}),
        ]
        print("| query | runs | p50 ms | p95 ms |")
        print("|---|---|---|---|")
        with httpx.Client(timeout=120, headers=headers) as client:
            for label, path, params in queries:
                client.get(f"{portal}/api/v1/{path}", params=params).raise_for_status()
                times = []
                for _ in range(args.portal_runs):
                    started = time.monotonic()
                    client.get(f"{portal}/api/v1/{path}", params=params).raise_for_status()
                    times.append((time.monotonic() - started) * 1000)
                times.sort()
                print(f"| {label} | {len(times)} | {times[len(times) // 2]:.1f} | {times[min(len(times) - 1, int(len(times) * 0.95))]:.1f} |")
                sys.stdout.flush()
            # The plans behind the events page, one filter of seed 002 each (`audit explain-queries`).
            filters = ["tool=echo&success=false", f"user={seeded[0]}", "session=s-1", "success=false",
                       f"from={stamp(7200)}&to={stamp(3600)}", "q=synthetic", "param.key=k42", "response.isError=true",
                       "header.user-agent=bench&tool=lorem", "has=response_error"]
            print("\nPlans of the events page and its capped count (`audit explain-queries`, EXPLAIN ANALYZE as the audit role):\n")
            print(subprocess.run([os.path.join(BIN, "audit"), "explain-queries", *filters], capture_output=True, text=True).stdout.strip())
            started = time.monotonic()
            lines = 0
            with client.stream("GET", f"{portal}/api/v1/portal/audit/export", params={"user": seeded[0]}) as response:
                response.raise_for_status()
                for chunk in response.iter_bytes():
                    lines += chunk.count(b"\n")
            print(f"\nExport: {lines:,} rows (NDJSON) in {time.monotonic() - started:.2f} s.")
    finally:
        if not args.portal_reuse:
            portal_seed.remove(seeded)


def section_console(args):
    import console_bench
    import portal_seed
    console_bench.section_console(args, portal_seed.seed, portal_seed.remove)


def cpu_by_component():
    """CPU seconds so far of every Tollgate process and every Postgres backend, by name (a
    backend is named after its role: `postgres tollgate_audit`)."""
    seconds = {}
    ticks = os.sysconf("SC_CLK_TCK")
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = open(f"/proc/{pid}/stat").read()
            name = stat[stat.index("(") + 1:stat.rindex(")")]
            fields = stat[stat.rindex(")") + 2:].split()
            if name == "postgres":
                command = open(f"/proc/{pid}/cmdline").read().replace("\0", " ")
                name = "postgres " + (command.split(":", 1)[1].split()[0] if ":" in command else "(server)")
            seconds[name] = seconds.get(name, 0) + (int(fields[11]) + int(fields[12])) / ticks
        except (OSError, ValueError, IndexError):
            pass
    return seconds


def redis_commands():
    out = subprocess.run(["redis-cli", "-p", os.environ["TOLLGATE_REDIS_PORT"], "INFO", "commandstats"],
                         env={**os.environ, "REDISCLI_AUTH": os.environ["TOLLGATE_REDIS_PASSWORD"]}, capture_output=True, text=True, check=True).stdout
    return {match[0]: int(match[1]) for match in re.findall(r"cmdstat_(\w+(?:\|\w+)?):calls=(\d+)", out)}


def postgres_totals():
    row = psql("SELECT (SELECT tup_inserted + tup_updated FROM pg_stat_database WHERE datname = 'tollgate'), "
               "pg_current_wal_lsn() - '0/0'::pg_lsn, "
               "(SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
               " WHERE n.nspname = 'audit' AND c.relkind = 'r')")
    rows, wal, size = row.split("|")
    return int(rows), int(float(wal)), int(float(size))


def section_scaling(args):
    print("\n## 10. What one tool call costs each component (docs/scaling.md)\n")
    print("`tools/call echo` through one gateway (release build, audit on, a database key, 8 clients for "
          f"{args.seconds} s), then until the audit service has stored every call. CPU from /proc for each process;")
    print("Redis commands from `INFO commandstats`; Postgres rows from `pg_stat_database`, WAL from the LSN, bytes from")
    print("the audit schema's table sizes. Divided by the number of calls.\n")
    name = f"bench-scaling-{uuid.uuid4().hex[:8]}"
    key = mint_key(name)
    subject = "apikey:" + key.split("_")[1]
    process = gateway("scaling", TOLLGATE_GATEWAY_AUDIT="true", TOLLGATE_GATEWAY_ALLOW_ANONYMOUS="false")
    try:
        check_call(process.url, "echo", key=key)
        time.sleep(2)
        cpu, commands, (rows, wal, size) = cpu_by_component(), redis_commands(), postgres_totals()
        gateway_cpu = process.cpu_seconds()
        result = wrk(process.url, "echo", 8, args.seconds, key)
        gateway_cpu = process.cpu_seconds() - gateway_cpu
        calls = result["requests"]
        deadline = time.monotonic() + 120
        while int(psql(f"SELECT count(*) FROM audit.audit_events WHERE user_subject = '{subject}'")) < calls + 1 and time.monotonic() < deadline:
            time.sleep(0.5)
        time.sleep(1)
        cpu_after, commands_after, (rows_after, wal_after, size_after) = cpu_by_component(), redis_commands(), postgres_totals()
    finally:
        process.stop()
    print(f"{calls:,} calls at {result['rps']:,.0f} req/s.\n")
    print("| component | per call |")
    print("|---|---|")
    print(f"| gateway CPU | {gateway_cpu * 1e6 / calls:.0f} µs |")
    for component in ("audit", "keys", "portal-api", "redis-server", "postgres tollgate_audit", "postgres tollgate_gateway",
                      "postgres tollgate_keys", "postgres (server)"):
        spent = cpu_after.get(component, 0) - cpu.get(component, 0)
        print(f"| {component} CPU | {spent * 1e6 / calls:.0f} µs |")
    used = {command: commands_after.get(command, 0) - commands.get(command, 0) for command in commands_after}
    total = sum(used.values())
    detail = ", ".join(f"{command} {count / calls:.2f}" for command, count in sorted(used.items(), key=lambda item: -item[1]) if count / calls >= 0.01)
    print(f"| Redis commands | {total / calls:.2f} ({detail}) |")
    print(f"| Postgres rows written (inserted + updated) | {(rows_after - rows) / calls:.2f} |")
    print(f"| Postgres WAL | {(wal_after - wal) / calls / 1024:.1f} KiB |")
    print(f"| audit schema growth | {(size_after - size) / calls / 1024:.2f} KiB |")


def section_hostile(args):
    print("\n## 9. Hostile input: one `tools/call` whose arguments hold an object of 100,000 keys (about 1.6 MB)\n")
    print("Gateway CPU for the whole request (parse, dispatch, answer, audit when on); the mean of 5 requests")
    print("after one warm-up. `echo` answers the arguments back; `fixed_response` answers a few bytes.\n")
    print("| tool | audit | body bytes | gateway CPU ms / request | wall ms / request |")
    print("|---|---|---|---|---|")
    extras = {f"k{index:06d}": index for index in range(100_000)}
    for tool, audit in (("echo", "true"), ("echo", "false"), ("fixed_response", "false")):
        process = gateway(f"hostile-{tool}-{audit}", TOLLGATE_GATEWAY_AUDIT=audit, TOLLGATE_GATEWAY_MAX_BODY_BYTES=str(4 << 20))
        try:
            arguments = {"message": "m", "extras": extras} if tool == "echo" else {"key": "k", "extras": extras}
            body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {
                "name": tool, "arguments": arguments, "_meta": MODERN_META}}, separators=(",", ":")).encode()
            headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream", "MCP-Protocol-Version": "2026-07-28",
                       "Mcp-Method": "tools/call", "Mcp-Name": tool}
            with httpx.Client(timeout=600) as client:
                assert client.post(process.url, content=body, headers=headers).status_code == 200
                cpu, wall = process.cpu_seconds(), time.monotonic()
                for _ in range(5):
                    response = client.post(process.url, content=body, headers=headers)
                    assert response.status_code == 200 and '"error"' not in response.text[:200], response.text[:300]
                cpu_ms, wall_ms = (process.cpu_seconds() - cpu) * 1000 / 5, (time.monotonic() - wall) * 1000 / 5
            print(f"| {tool} | {'on' if audit == 'true' else 'off'} | {len(body):,} | {cpu_ms:.0f} | {wall_ms:.0f} |")
            sys.stdout.flush()
        finally:
            process.stop()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="short runs (every table, under 10 minutes)")
    parser.add_argument("--only", help="comma-separated sections: forwarding,builtin,peer,audit,sessions,auth,portal,console,scaling,hostile")
    parser.add_argument("--profile", action="store_true", help="perf profile of the gateway in section 2")
    parser.add_argument("--portal-reuse", metavar="SUBJECT", help="run the portal queries on rows an earlier run seeded for SUBJECT and left")
    args = parser.parse_args()
    args.seconds = 3 if args.quick else 8
    args.rounds = 1 if args.quick else 2
    args.audit_events = 20_000 if args.quick else 50_000
    args.lag_seconds = 3 if args.quick else 8
    args.portal_rows = 1_000_000 if args.quick else 10_000_000
    args.portal_runs = 10 if args.quick else 30
    sections = (args.only or "forwarding,builtin,peer,audit,sessions,auth,portal,scaling,hostile").split(",")
    print(f"# Tollgate benchmarks ({'quick' if args.quick else 'full'} run)\n")
    print(f"Machine: {os.cpu_count()} cores, {os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB; "
          f"{subprocess.run(['swift', '--version'], capture_output=True, text=True).stdout.splitlines()[0]}; wrk {args.seconds} s per cell, "
          f"{args.rounds} interleaved round(s); services built {os.environ.get('TOLLGATE_BUILD_CONFIG', 'debug')}.")
    started = time.monotonic()
    for section in sections:
        {"forwarding": section_forwarding, "builtin": section_builtin, "peer": section_peer, "audit": section_audit,
         "sessions": section_sessions, "auth": lambda _: section_auth(), "portal": section_portal, "console": section_console, "scaling": section_scaling,
         "hostile": section_hostile}[section](args)
        sys.stdout.flush()
    print(f"\n(total {time.monotonic() - started:.0f} s)")


if __name__ == "__main__":
    main()
