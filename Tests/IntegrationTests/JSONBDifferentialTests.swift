@testable import Audit
@testable import Gateway
import Foundation
import PostgresNIO
import SharedProto
import Testing
import TollgateCore

extension AuditTableSuites {
    /// The store hashes rows from canonical texts it computes itself (`CanonicalRow`,
    /// `JSONBText`); the verifier recomputes them in Postgres. One byte of difference would be
    /// reported as tampering, so both are compared here on generated hostile documents and rows.
    @Suite(.serialized, .timeLimit(.minutes(3))) struct JSONBDifferentialTests {
        /// Random JSON that Postgres accepts, written the ways a hostile caller may write it.
        struct Generator {
            /// Reproducible: a failure names its seed.
            var random: SplitMix64

            mutating func space() -> String {
                ["", "", " ", "\n", "\t \r\n"].randomElement(using: &random)!
            }

            mutating func character() -> String {
                switch Int.random(in: 0..<16, using: &random) {
                case 0: return ["\\n", "\\t", "\\r", "\\b", "\\f", "\\/", "\\\"", "\\\\"].randomElement(using: &random)!
                case 1: return String(format: "\\u%04x", Int.random(in: 1..<0x20, using: &random))
                case 2: return String(format: Bool.random(using: &random) ? "\\u%04X" : "\\u%04x", Int.random(in: 0x20..<0xD800, using: &random))
                case 3: return ["\\ud83d\\ude00", "\\uD834\\uDD1E", "\\udbff\\udfff", "\\ud800\\udc00"].randomElement(using: &random)!
                case 4: return ["é", "😀", "\u{7f}", "\u{2028}", "ß", "中", "\u{FFFD}", "\u{10FFFF}"].randomElement(using: &random)!
                case 5: return ["\\u0061", "\\u0041", "a", "A"].randomElement(using: &random)!
                default: return String(UnicodeScalar(UInt8.random(in: 0x20..<0x7f, using: &random)))
                    .replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                }
            }

            mutating func string(maximum: Int) -> String {
                "\"" + (0..<Int.random(in: 0...maximum, using: &random)).map { _ in character() }.joined() + "\""
            }

            mutating func number() -> String {
                var text = Bool.random(using: &random) ? "-" : ""
                let integerDigits = Int.random(in: 0...24, using: &random)
                text += integerDigits == 0 ? "0" : String(Int.random(in: 1...9, using: &random)) + digits(integerDigits - 1)
                if Bool.random(using: &random) { text += "." + digits(Int.random(in: 1...12, using: &random)) }
                if Int.random(in: 0..<3, using: &random) == 0 {
                    text += (Bool.random(using: &random) ? "e" : "E") + ["", "+", "-"].randomElement(using: &random)!
                    text += String(Int.random(in: 0...40, using: &random))
                }
                return text
            }

            mutating func digits(_ count: Int) -> String {
                String((0..<count).map { _ in Character(String(Int.random(in: 0...9, using: &random))) })
            }

            mutating func value(depth: Int) -> String {
                switch Int.random(in: 0..<(depth > 5 ? 4 : 7), using: &random) {
                case 0: return string(maximum: 12)
                case 1: return number()
                case 2: return ["true", "false", "null"].randomElement(using: &random)!
                case 3: return string(maximum: 3)
                case 4, 5:
                    // Few distinct keys, so repeats (also written with escapes: "\u0061" is "a") are common.
                    let members = (0..<Int.random(in: 0...8, using: &random)).map { _ in
                        let key = Bool.random(using: &random) ? string(maximum: 2) : string(maximum: 6)
                        return space() + key + space() + ":" + space() + value(depth: depth + 1) + space()
                    }
                    return "{" + members.joined(separator: ",") + space() + "}"
                default:
                    let items = (0..<Int.random(in: 0...6, using: &random)).map { _ in space() + value(depth: depth + 1) + space() }
                    return "[" + items.joined(separator: ",") + "]"
                }
            }
        }

        @Test func jsonbRenderingMatchesPostgres() async throws {
            let seed = UInt64.random(in: 0..<UInt64.max)
            var generator = Generator(random: SplitMix64(seed: seed))
            let documents = (0..<4000).map { _ in generator.space() + generator.value(depth: 0) + generator.space() } + [
                "{}", "[]", "0", "-0.0", "1e40", "1E-40", "-0e+5", "123.4500e-2", #"{"a":1,"\u0061":2,"a":3}"#, #"{"":0,"":{"":[]}}"#,
                String(repeating: "[", count: 128) + String(repeating: "]", count: 128), "[" + String(repeating: "9", count: 1000) + "]",
                #"{"k": "\u0001\u001f\u007f\u0080\u00ff\uffff"}"#,
            ]
            try await TestEnvironment.withClient(try TestEnvironment.roleConfiguration(.audit)) { client in
                for start in stride(from: 0, to: documents.count, by: 500) {
                    let chunk = Array(documents[start..<min(start + 500, documents.count)])
                    let rows = try await client.query(
                        "SELECT x.t::jsonb::text FROM unnest(\(chunk)::text[]) WITH ORDINALITY AS x(t, n) ORDER BY x.n", logger: TestEnvironment.logger
                    ).collect()
                    #expect(rows.count == chunk.count)
                    for (document, row) in zip(chunk, rows) {
                        let postgres = try row.decode(String.self)
                        var output: [UInt8] = []
                        let rendered = JSONBText.append(json: document, to: &output) ? String(decoding: output, as: UTF8.self) : nil
                        #expect(rendered == postgres, "seed \(seed): \(document)")
                    }
                }
            }
        }

        @Test func canonicalRowsMatchWhatPostgresComputes() async throws {
            let seed = UInt64.random(in: 0..<UInt64.max)
            try await TestEnvironment.withClient(try TestEnvironment.roleConfiguration(.audit)) { client in
                var generator = Generator(random: SplitMix64(seed: seed))
                let (store, chainID, start) = try await AuditCopyTests.chainedStore(client, checkpointEvery: 1000)
                var events = (0..<300).map { index in
                    var event = AuditCopyTests.event(at: start.addingTimeInterval(Double.random(in: 0..<50, using: &generator.random)), index)
                    event.parameters = index % 7 == 0 ? nil : generator.value(depth: 1)
                    event.requestID = index % 5 == 0 ? nil : String(generator.string(maximum: 20).dropFirst().dropLast())
                    event.userEmail = "\u{0}nul \u{1}\u{7f}é"
                    event.requestChars = index % 3 == 0 ? nil : -index
                    if index % 4 == 0 {
                        event.payload = nil
                    } else {
                        event.payload?.requestParams = generator.value(depth: 0)
                        event.payload?.responseError = index % 2 == 0 ? nil : generator.value(depth: 2)
                        event.payload?.requestSizeBytes = index % 2 == 0 ? nil : index * 1000
                        event.payload?.requestTruncated = index % 3 == 0
                        event.payload?.replayedFrom = index % 6 == 1 ? UUID() : nil
                    }
                    return event
                }
                // Nested past JSONBText's bound: this row's hash is read back, not computed.
                events[0].parameters = String(repeating: "[", count: 130) + String(repeating: "]", count: 130)
                #expect(try await store.insert(events) == events.count)
                let ids = events.map(\.id)
                let stored = try await client.query(
                    """
                    SELECT e.id, audit_event_canonical(e), (SELECT audit_payload_canonical(p) FROM audit_payloads p WHERE p.event_id = e.id AND p.ts = e.ts)
                    FROM audit_events e WHERE e.id = ANY(\(ids))
                    """,
                    logger: TestEnvironment.logger
                ).collect()
                #expect(stored.count == events.count)
                let byID = Dictionary(uniqueKeysWithValues: events.map { ($0.id, $0.storable) })
                for row in stored {
                    let (id, eventText, payloadText) = try row.decode((UUID, String, String?).self)
                    guard let event = byID[id] else { continue }
                    let computed = CanonicalRow.event(event).map { String(decoding: $0, as: UTF8.self) }
                    #expect(computed == (id == events[0].id ? nil : eventText), "seed \(seed)")
                    let payload = event.payload.flatMap { CanonicalRow.payload($0, of: event) }.map { String(decoding: $0, as: UTF8.self) }
                    #expect(payload == payloadText, "seed \(seed)")
                }
                let report = try await ChainVerifier(client: client, publicKey: AuditChainTests.signer.publicKeyBase64, logger: TestEnvironment.logger)
                    .verify(from: start.addingTimeInterval(-1), to: start.addingTimeInterval(60), chainID: chainID)
                #expect(report.verified && report.links == events.count, "seed \(seed): \(String(describing: report.firstBreak))")
            }
        }
    }
}
