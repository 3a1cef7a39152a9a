public import TollgateCore

/// The gateway's schema history (schema `gateway`), applied at start-up.
/// Append only: an applied migration is never edited (the migrator checks its checksum).
public enum GatewayMigrations {
    public static let all: [Migration] = [
        Migration(
            version: 1,
            name: "upstream_catalog",
            sql: """
                -- The current tool list of each upstream, one row per tool, with a hash of its definition.
                CREATE TABLE upstream_tools (
                    upstream TEXT NOT NULL,
                    name TEXT NOT NULL,
                    hash TEXT NOT NULL,
                    definition JSONB NOT NULL,
                    first_seen TIMESTAMPTZ NOT NULL DEFAULT now(),
                    last_seen TIMESTAMPTZ NOT NULL DEFAULT now(),
                    PRIMARY KEY (upstream, name)
                );
                -- Every change to those lists: a tool added, removed, or modified (its hash changed).
                CREATE TABLE catalog_changes (
                    id BIGSERIAL PRIMARY KEY,
                    upstream TEXT NOT NULL,
                    tool TEXT NOT NULL,
                    change TEXT NOT NULL CHECK (change IN ('added', 'removed', 'modified')),
                    old_hash TEXT,
                    new_hash TEXT,
                    at TIMESTAMPTZ NOT NULL DEFAULT now()
                );
                CREATE INDEX catalog_changes_upstream_idx ON catalog_changes (upstream, at DESC);
                """
        ),
        Migration(
            version: 2,
            name: "tool_pins",
            sql: """
                -- Rug-pull protection: the definition of each upstream tool as first seen (or as an
                -- operator last approved it), reduced to its pinned parts, and their fingerprint.
                CREATE TABLE tool_pins (
                    upstream TEXT NOT NULL,
                    tool TEXT NOT NULL,
                    hash TEXT NOT NULL,
                    definition JSONB NOT NULL,
                    pinned_at TIMESTAMPTZ NOT NULL DEFAULT now(),
                    -- NULL: pinned when first seen; otherwise the operator who approved it.
                    pinned_by TEXT,
                    PRIMARY KEY (upstream, tool)
                );
                -- A definition that differs from its pin, or a new tool on an upstream seen before:
                -- one row per new definition, decided once by an operator.
                CREATE TABLE tool_reviews (
                    id BIGSERIAL PRIMARY KEY,
                    upstream TEXT NOT NULL,
                    tool TEXT NOT NULL,
                    -- The name clients see (with the upstream's prefix) when the review was opened.
                    exposed_name TEXT NOT NULL,
                    change TEXT NOT NULL CHECK (change IN ('added', 'modified')),
                    mode TEXT NOT NULL CHECK (mode IN ('warn', 'block')),
                    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'approved', 'rejected')),
                    old_hash TEXT,
                    new_hash TEXT NOT NULL,
                    old_definition JSONB,
                    new_definition JSONB NOT NULL,
                    seen_at TIMESTAMPTZ NOT NULL DEFAULT now(),
                    decided_at TIMESTAMPTZ,
                    decided_by TEXT,
                    UNIQUE (upstream, tool, new_hash)
                );
                CREATE INDEX tool_reviews_pending_idx ON tool_reviews (id DESC) WHERE state = 'pending';
                """
        ),
    ]
}
