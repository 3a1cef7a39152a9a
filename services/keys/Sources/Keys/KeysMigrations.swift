public import TollgateCore

/// The keys service's schema history (schema `keys`), applied at start-up.
/// Append only: an applied migration is never edited (the migrator checks its checksum).
public enum KeysMigrations {
    public static let all: [Migration] = [
        Migration(
            version: 1,
            name: "create_api_keys",
            sql: """
                CREATE TABLE api_keys (
                    id TEXT PRIMARY KEY,
                    name TEXT NOT NULL,
                    hash TEXT NOT NULL,
                    description TEXT,
                    created_by TEXT,
                    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
                    expires_at TIMESTAMPTZ,
                    last_used_at TIMESTAMPTZ,
                    scopes TEXT[] NOT NULL DEFAULT '{}',
                    allowed_tools TEXT[] NOT NULL DEFAULT '{}',
                    revoked_at TIMESTAMPTZ
                );
                -- A name identifies one active key; a revoked key's name may be reused.
                CREATE UNIQUE INDEX api_keys_active_name_idx ON api_keys (name) WHERE revoked_at IS NULL;
                CREATE INDEX api_keys_name_idx ON api_keys (name, created_at DESC);
                """
        )
    ]
}
