// libFuzzer target for the audit service's two JSON readers: the jsonb rendering (JSONBText,
// JSONBRenderer), from which the hash chain's canonical texts are computed, and the pull reader
// the consumer decodes stream entries with (JSONPullReader). Built by `./dev fuzz` from those
// sources and this file with `swiftc -sanitize=fuzzer,address`. Properties checked:
// - the pull reader reads or refuses every input (no crash, no hang);
// - on every input the rendering accepts: the rendering is valid UTF-8, rendering it again gives
//   it back unchanged (jsonb's text form is its own fixed point: keys already ordered and
//   unique, numbers already normalised, strings already escaped), and the pull reader accepts
//   the input too (both read RFC 8259 to the same depth).
// Any crash, hang, sanitizer report or failed property is a finding. Agreement with Postgres
// itself is checked by the integration test JSONBDifferentialTests.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSONB(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = UnsafeBufferPointer(start: data, count: size)
    var reader = JSONPullReader(input)
    let pulled = (try? reader.skipValue()).flatMap { try? reader.finish() } != nil
    guard let text = String(validating: input, as: UTF8.self) else { return 0 }
    var rendered: [UInt8] = []
    guard JSONBText.append(json: text, to: &rendered) else { return 0 }
    guard let again = String(validating: rendered, as: UTF8.self) else { fatalError("the rendering is not UTF-8") }
    var twice: [UInt8] = []
    guard JSONBText.append(json: again, to: &twice) else { fatalError("the rendering does not render: \(again)") }
    guard pulled else { fatalError("the pull reader refused what the rendering accepts: \(text)") }
    guard twice == rendered else { fatalError("rendering is not idempotent: \(again) -> \(String(decoding: twice, as: UTF8.self))") }
    return 0
}
