import Keys
import TollgateCore

@main
struct KeysApp {
    static func main() async {
        await ServiceMain.run(KeysConfig.self, build: buildApplication)
    }
}
