import Gateway
import TollgateCore

@main
struct GatewayApp {
    static func main() async {
        await ServiceMain.run(GatewayConfig.self, build: buildApplication)
    }
}
