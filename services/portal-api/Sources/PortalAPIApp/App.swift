import PortalAPI
import TollgateCore

@main
struct PortalAPIApp {
    static func main() async {
        await ServiceMain.run(PortalAPIConfig.self, build: buildApplication)
    }
}
