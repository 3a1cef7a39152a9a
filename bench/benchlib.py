"""What the benchmark scripts share: the dev stack's Postgres as its superuser, free ports."""
import os
import socket
import subprocess

PG = ["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", os.environ.get("TOLLGATE_PG_PORT", "54320"),
      "-U", "postgres", "-d", "tollgate"]
ENV = {**os.environ, "PGPASSWORD": os.environ.get("TOLLGATE_PG_SUPERUSER_PASSWORD", ""),
       "REDISCLI_AUTH": os.environ.get("TOLLGATE_REDIS_PASSWORD", "")}


def psql(sql):
    """Runs SQL as the superuser; returns its unaligned output."""
    return subprocess.run(PG + ["-c", sql], env=ENV, capture_output=True, text=True, check=True).stdout.strip()


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
