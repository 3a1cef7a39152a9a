public import TollgateCore

/// The keys service's schema history (schema `keys`), applied at start-up.
/// Append only: an applied migration is never edited (the migrator checks its checksum).
public enum KeysMigrations {
    public static let all: [Migration] = []
}
