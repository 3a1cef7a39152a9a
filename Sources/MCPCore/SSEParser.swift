/// One Server-Sent Event.
public struct ServerSentEvent: Sendable, Equatable {
    public var event: String?
    public var data: String
    public var id: String?

    public init(event: String?, data: String, id: String?) {
        self.event = event
        self.data = data
        self.id = id
    }
}

/// Incremental Server-Sent Events parser (WHATWG rules: `data:` lines joined with `\n`,
/// comments ignored, LF / CRLF / CR line ends). Feed it bytes as they arrive.
/// Hand-written because the mirror has no server-side SSE parser for byte buffers.
public struct SSEParser: Sendable {
    public struct EventTooLarge: Error {}

    private var line: [UInt8] = []
    private var data: [UInt8] = []
    private var hasData = false
    private var event: String?
    private var id: String?
    private var lastWasCR = false
    private let maximumEventBytes: Int

    public init(maximumEventBytes: Int = 16 * 1024 * 1024) {
        self.maximumEventBytes = maximumEventBytes
    }

    /// Parses `bytes` and returns the events they complete.
    public mutating func feed(_ bytes: some Sequence<UInt8>) throws -> [ServerSentEvent] {
        var events: [ServerSentEvent] = []
        for byte in bytes {
            if lastWasCR {
                lastWasCR = false
                if byte == 0x0A { continue }
            }
            if byte == 0x0A || byte == 0x0D {
                lastWasCR = byte == 0x0D
                if let event = endLine() { events.append(event) }
            } else {
                line.append(byte)
                guard line.count + data.count <= maximumEventBytes else { throw EventTooLarge() }
            }
        }
        return events
    }

    private mutating func endLine() -> ServerSentEvent? {
        defer { line.removeAll(keepingCapacity: true) }
        if line.isEmpty {
            guard hasData else {
                event = nil
                return nil
            }
            let dispatched = ServerSentEvent(event: event, data: String(decoding: data, as: UTF8.self), id: id)
            data.removeAll(keepingCapacity: true)
            hasData = false
            event = nil
            return dispatched
        }
        if line.first == UInt8(ascii: ":") { return nil }
        let field: ArraySlice<UInt8>
        var value: ArraySlice<UInt8>
        if let colon = line.firstIndex(of: UInt8(ascii: ":")) {
            field = line[..<colon]
            value = line[(colon + 1)...]
            if value.first == UInt8(ascii: " ") { value = value.dropFirst() }
        } else {
            field = line[...]
            value = []
        }
        switch String(decoding: field, as: UTF8.self) {
        case "data":
            if hasData { data.append(0x0A) }
            data.append(contentsOf: value)
            hasData = true
        case "event":
            event = String(decoding: value, as: UTF8.self)
        case "id":
            id = String(decoding: value, as: UTF8.self)
        default:
            break
        }
        return nil
    }
}
