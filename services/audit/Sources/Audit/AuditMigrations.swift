public import TollgateCore

/// The audit service's schema history (schema `audit`), applied at start-up.
/// Append only: an applied migration is never edited (the migrator checks its checksum).
public enum AuditMigrations {
    public static let all: [Migration] = []
}
