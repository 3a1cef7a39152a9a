import Audit
import Gateway
import Keys
import PortalAPI
import SharedProto
import TollgateCore

/// Each service's embedded migrations, by service.
enum ServiceMigrationsFixture {
    static func all(_ service: ServiceName) -> [Migration] {
        switch service {
        case .gateway: GatewayMigrations.all
        case .audit: AuditMigrations.all
        case .keys: KeysMigrations.all
        case .portalAPI: PortalAPIMigrations.all
        }
    }
}
