import Audit
import TollgateCore

@main
struct AuditApp {
    static func main() async {
        await ServiceMain.run(AuditConfig.self, build: buildApplication)
    }
}
