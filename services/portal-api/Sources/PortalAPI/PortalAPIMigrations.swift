public import TollgateCore

/// The portal-api service's schema history (schema `portal`), applied at start-up.
/// Append only: an applied migration is never edited (the migrator checks its checksum).
public enum PortalAPIMigrations {
    public static let all: [Migration] = [
        Migration(
            version: 1,
            name: "create_browser_sessions",
            sql: """
                -- A browser session after OIDC login. The cookie holds a random token; only its
                -- SHA-256 is stored, so a database read does not yield usable cookies.
                CREATE TABLE browser_sessions (
                    token_hash BYTEA PRIMARY KEY,
                    subject TEXT NOT NULL,
                    email TEXT,
                    name TEXT,
                    scopes TEXT[] NOT NULL DEFAULT '{}',
                    roles TEXT[] NOT NULL DEFAULT '{}',
                    allowed_tools TEXT[] NOT NULL DEFAULT '{}',
                    claims JSONB NOT NULL DEFAULT '{}',
                    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
                    expires_at TIMESTAMPTZ NOT NULL
                );
                CREATE INDEX browser_sessions_expires_idx ON browser_sessions (expires_at);
                -- A login in progress: the PKCE verifier and nonce wait here for the callback.
                CREATE TABLE login_attempts (
                    state TEXT PRIMARY KEY,
                    code_verifier TEXT NOT NULL,
                    nonce TEXT NOT NULL,
                    return_to TEXT NOT NULL,
                    expires_at TIMESTAMPTZ NOT NULL
                );
                CREATE INDEX login_attempts_expires_idx ON login_attempts (expires_at);
                """
        ),
        Migration(
            version: 2,
            name: "browser_sessions_from_api_keys",
            sql: """
                -- The console's API-key sign-in opens the same kind of session as OIDC login;
                -- the key's name is kept (never the key) so revoking the key ends its sessions.
                ALTER TABLE browser_sessions ADD COLUMN auth_type TEXT NOT NULL DEFAULT 'oidc';
                ALTER TABLE browser_sessions ADD COLUMN api_key_name TEXT;
                CREATE INDEX browser_sessions_api_key_idx ON browser_sessions (api_key_name) WHERE api_key_name IS NOT NULL;
                """
        ),
    ]
}
