/// One forward-only schema change of a service, embedded in its binary.
/// `sql` may hold several statements; it runs inside one transaction with the
/// service's schema as `search_path`, so it names tables without a schema. It runs through
/// PL/pgSQL `EXECUTE`, so statements that cannot run in a transaction (`CREATE INDEX
/// CONCURRENTLY`, `VACUUM`) are not allowed.
public struct Migration: Sendable, Hashable {
    public let version: Int
    public let name: String
    public let sql: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }
}

/// Why migrations could not be applied.
public enum MigrationError: Error, CustomStringConvertible {
    case invalidSchemaName(String)
    case duplicateVersion(Int)
    /// An applied migration's SQL differs from the embedded one: someone edited history.
    case checksumMismatch(version: Int, name: String)
    /// The database has a migration this binary does not know: it is older than the schema.
    case unknownAppliedVersion(Int)
    case failed(version: Int, name: String, reason: String)

    public var description: String {
        switch self {
        case .invalidSchemaName(let name): "invalid schema name '\(name)'"
        case .duplicateVersion(let version): "migration version \(version) is declared twice"
        case .checksumMismatch(let version, let name): "applied migration \(version) (\(name)) differs from the embedded one"
        case .unknownAppliedVersion(let version): "the database has migration \(version), which this binary does not know"
        case .failed(let version, let name, let reason): "migration \(version) (\(name)) failed: \(reason)"
        }
    }
}
