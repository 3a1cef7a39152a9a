public import TollgateCore

/// The gateway service's schema history (schema `gateway`), applied at start-up.
/// Append only: an applied migration is never edited (the migrator checks its checksum).
public enum GatewayMigrations {
    public static let all: [Migration] = []
}
