import Foundation
import SharedProto

/// `audit verify-export EXPORT.jsonl CHECKPOINTS.json [--public-key BASE64]`: checks an export
/// of the trail offline (`ExportVerifier`) and prints the report as JSON. Exit status 0 when
/// the trail verifies, 1 when it does not, 2 for a usage or input error.
public enum VerifyExportCommand {
    static let usage = "usage: audit verify-export EXPORT.jsonl CHECKPOINTS.json [--public-key BASE64]\n"

    public static func run(_ arguments: [String]) -> Int32 {
        var files: [String] = []
        var publicKey: String?
        var index = 0
        while index < arguments.count {
            if arguments[index] == "--public-key", index + 1 < arguments.count {
                publicKey = arguments[index + 1]
                index += 2
            } else {
                files.append(arguments[index])
                index += 1
            }
        }
        guard files.count == 2 else {
            FileHandle.standardError.write(Data(usage.utf8))
            return 2
        }
        do {
            let export = try Data(contentsOf: URL(fileURLWithPath: files[0]))
            let checkpoints = try Data(contentsOf: URL(fileURLWithPath: files[1]))
            let report = try ExportVerifier.verify(export: export, checkpoints: checkpoints, publicKey: publicKey)
            let encoder = WireCoding.encoder()
            encoder.outputFormatting.insert(.prettyPrinted)
            FileHandle.standardOutput.write(try encoder.encode(report) + Data("\n".utf8))
            return report.verified ? 0 : 1
        } catch {
            FileHandle.standardError.write(Data("verify-export: \(error)\n".utf8))
            return 2
        }
    }
}
