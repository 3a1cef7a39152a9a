public import TollgateCore

/// The portal-api service's schema history (schema `portal`), applied at start-up.
/// Append only: an applied migration is never edited (the migrator checks its checksum).
public enum PortalAPIMigrations {
    public static let all: [Migration] = []
}
