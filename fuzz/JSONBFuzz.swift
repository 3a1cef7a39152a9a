// libFuzzer target for the audit service's jsonb rendering (JSONBText, JSONBRenderer), from
// which the hash chain's canonical texts are computed. Built by `./dev fuzz` from those sources
// and this file with `swiftc -sanitize=fuzzer,address`. Properties checked on every input it
// renders:
// - the rendering is valid UTF-8;
// - rendering the rendering gives it back unchanged (jsonb's text form is its own fixed point:
//   keys already ordered and unique, numbers already normalised, strings already escaped).
// Any crash, hang, sanitizer report or failed property is a finding. Agreement with Postgres
// itself is checked by the integration test JSONBDifferentialTests.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSONB(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard let text = String(validating: UnsafeBufferPointer(start: data, count: size), as: UTF8.self) else { return 0 }
    var rendered: [UInt8] = []
    guard JSONBText.append(json: text, to: &rendered) else { return 0 }
    guard let again = String(validating: rendered, as: UTF8.self) else { fatalError("the rendering is not UTF-8") }
    var twice: [UInt8] = []
    guard JSONBText.append(json: again, to: &twice) else { fatalError("the rendering does not render: \(again)") }
    guard twice == rendered else { fatalError("rendering is not idempotent: \(again) -> \(String(decoding: twice, as: UTF8.self))") }
    return 0
}
