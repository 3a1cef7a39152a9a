import Audit
import Foundation
import TollgateCore

@main
struct AuditApp {
    static func main() async {
        if CommandLine.arguments.dropFirst().first == "verify-export" {
            exit(VerifyExportCommand.run(Array(CommandLine.arguments.dropFirst(2))))
        }
        if CommandLine.arguments.dropFirst().first == "explain-queries" {
            exit(await ExplainQueriesCommand.run(Array(CommandLine.arguments.dropFirst(2))))
        }
        await ServiceMain.run(AuditConfig.self, build: buildApplication)
    }
}
