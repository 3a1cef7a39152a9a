import SharedProto

/// Postgres cannot store U+0000: not in `text`, and not in `jsonb` either, where the escape
/// `\u0000` is refused. Tools may still receive and return it, and their audit rows must not
/// be lost, so the store writes U+FFFD (the replacement character) in its place.
extension AuditEvent {
    /// This event with every U+0000 replaced, ready for Postgres.
    var storable: AuditEvent {
        var event = self
        event.requestID = NULReplacement.text(requestID)
        event.sessionID = NULReplacement.text(sessionID)
        event.userSubject = NULReplacement.text(userSubject)
        event.userEmail = NULReplacement.text(userEmail)
        event.authType = NULReplacement.text(authType)
        event.apiKeyName = NULReplacement.text(apiKeyName)
        event.toolName = NULReplacement.text(toolName) ?? toolName
        event.toolGroup = NULReplacement.text(toolGroup)
        event.parameters = NULReplacement.json(parameters)
        event.errorMessage = NULReplacement.text(errorMessage)
        event.errorCategory = NULReplacement.text(errorCategory)
        event.transport = NULReplacement.text(transport) ?? transport
        event.source = NULReplacement.text(source) ?? source
        event.remoteAddr = NULReplacement.text(remoteAddr)
        event.userAgent = NULReplacement.text(userAgent)
        event.traceID = NULReplacement.text(traceID)
        if var payload = event.payload {
            payload.jsonrpcMethod = NULReplacement.text(payload.jsonrpcMethod)
            payload.requestParams = NULReplacement.json(payload.requestParams)
            payload.requestHeaders = NULReplacement.json(payload.requestHeaders)
            payload.requestRemoteAddr = NULReplacement.text(payload.requestRemoteAddr)
            payload.responseResult = NULReplacement.json(payload.responseResult)
            payload.responseError = NULReplacement.json(payload.responseError)
            payload.notifications = NULReplacement.json(payload.notifications)
            event.payload = payload
        }
        return event
    }
}

enum NULReplacement {
    /// Text with U+0000 replaced by U+FFFD.
    static func text(_ value: String?) -> String? {
        guard let value, value.utf8.contains(0) else { return value }
        return value.replacingOccurrences(of: "\u{0}", with: "\u{FFFD}")
    }

    /// JSON text with its `\u0000` escapes replaced by `\ufffd`. Escapes are read in order, so
    /// an escaped backslash followed by `u0000` (the text `\u0000`, not a NUL) stays as it is.
    static func json(_ value: String?) -> String? {
        guard let value, mayHoldNULEscape(value) else { return value }
        let bytes = Array(value.utf8)
        let backslash = UInt8(ascii: "\\")
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            guard bytes[index] == backslash, index + 1 < bytes.count else {
                output.append(bytes[index])
                index += 1
                continue
            }
            if index + 5 < bytes.count, bytes[(index + 1)...(index + 5)].elementsEqual("u0000".utf8) {
                output += "\\ufffd".utf8
                index += 6
            } else {
                output += bytes[index...(index + 1)]
                index += 2
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Whether `value` holds the bytes `\u0000` anywhere (escaped backslashes included; `json`
    /// sorts those out). A byte scan: Foundation's `contains` was 2 % of the consumer's CPU.
    private static func mayHoldNULEscape(_ value: String) -> Bool {
        let pattern: [UInt8] = Array("\\u0000".utf8)
        let bytes = value.utf8
        var index = bytes.startIndex
        while let found = bytes[index...].firstIndex(of: UInt8(ascii: "\\")) {
            if bytes[found...].starts(with: pattern) { return true }
            index = bytes.index(after: found)
        }
        return false
    }
}
