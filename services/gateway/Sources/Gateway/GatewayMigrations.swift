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
        )
    ]
}
