// libFuzzer target for the gateway's JSON scanner (MCPCore: JSONParser, JSONCompactor,
// redaction). Built by `./dev fuzz`, which compiles MCPCore's sources and this file with
// `swiftc -sanitize=fuzzer,address`. Properties checked on every input the parser accepts:
// - encoding the value and parsing it again gives the same value;
// - the compact form parses to the same value and holds no CR or LF;
// - the raw members of an object parse to the object's members;
// - redaction terminates and keeps the value's shape.
// Any crash, hang, sanitizer report or failed property is a finding.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let value = try? JSONParser.parse(bytes) else { return 0 }
    let encoded = value.jsonString
    guard let again = try? JSONParser.parse(encoded), again == value else { fatalError("re-encoding changed the value: \(encoded)") }
    let compact = JSONCompactor.compact(bytes)
    guard !compact.contains(0x0A), !compact.contains(0x0D) else { fatalError("compact JSON holds a line break") }
    guard let reparsed = try? JSONParser.parse(compact), reparsed == value else { fatalError("compacting changed the value") }
    if case .object(let members) = value {
        guard let raw = try? JSONParser.rawMembers(of: bytes) else { fatalError("rawMembers refused a parsed object") }
        // Duplicate keys: the parsed object keeps the last of each.
        var last: [String: JSONValue] = [:]
        for member in raw {
            guard let parsed = try? JSONParser.parse(Array(member.raw)) else { fatalError("a raw member does not parse") }
            last[member.key] = parsed
        }
        guard last.count == members.count, members.allSatisfy({ last[$0.0] == $0.1 }) else { fatalError("rawMembers disagree with parse") }
    }
    let redacted = value.redacting(SensitiveNames())
    if case .object(let members) = value, case .object(let kept) = redacted, members.count != kept.count {
        fatalError("redaction changed an object's size")
    }
    return 0
}
