import Foundation
import Logging
import MCPCore

/// Writes one JSON object per log line to stderr: time, level, service, message, source
/// and every metadata key (the request id among them).
///
/// swift-log ships no JSON handler; this one is small and writes with `JSONValue`'s string
/// escaping rather than Foundation's JSON encoder, so that logging stays cheap on hot paths.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let service: String

    public init(label: String, service: String, level: Logger.Level) {
        self.label = label
        self.service = service
        self.logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { $1 } }
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        var line = "{\"ts\":\"\(Self.timestamp())\",\"level\":\"\(event.level.rawValue)\",\"service\":"
        Self.appendString(service, to: &line)
        line += ",\"logger\":"
        Self.appendString(label, to: &line)
        line += ",\"msg\":"
        Self.appendString(event.message.description, to: &line)
        // `hb.request.id` duplicates `request_id` (RequestIDMiddleware sets both).
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) where key != "hb.request.id" {
            line += ","
            Self.appendString(key, to: &line)
            line += ":"
            Self.appendString(value.description, to: &line)
        }
        if event.level >= .warning {
            line += ",\"source\":"
            Self.appendString("\(event.file):\(event.line)", to: &line)
        }
        line += "}\n"
        FileHandle.standardError.write(Data(line.utf8))
    }

    static func appendString(_ text: String, to line: inout String) {
        JSONValue.writeString(text, to: &line)
    }

    private static func timestamp() -> String {
        Date.now.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
    }
}
