import TollgateCore

/// The keys service's schema history (schema `keys`), applied at start-up.
/// Append only: an applied migration is never edited (the migrator checks its checksum).
enum KeysMigrations {
    static let all: [Migration] = []
}
