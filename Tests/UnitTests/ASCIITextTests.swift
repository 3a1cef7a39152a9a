@testable import Audit
import Foundation
import Testing

/// `ASCIIText` against the Foundation and standard library forms it replaces.
@Suite struct ASCIITextTests {
    @Test func decimalsAreWhatStringWrites() {
        var values: [Int64] = [0, 1, -1, 9, 10, -10, 99, 100, 1_000_000, Int64.max, Int64.min, Int64.max - 1, Int64.min + 1]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 { values.append(Int64.random(in: Int64.min...Int64.max, using: &generator) >> Int64.random(in: 0...63)) }
        for value in values {
            var bytes: [UInt8] = []
            ASCIIText.appendDecimal(value, to: &bytes)
            #expect(String(decoding: bytes, as: UTF8.self) == String(value))
        }
        for value in [UInt64.max, 0, 18_446_744_073_709_551_000] {
            var bytes: [UInt8] = []
            ASCIIText.appendDecimal(value, to: &bytes)
            #expect(String(decoding: bytes, as: UTF8.self) == String(value))
        }
    }

    @Test func uuidsAreWrittenAsFoundationAndPostgresWriteThem() {
        for id in (0..<1_000).map({ _ in UUID() }) + [UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))] {
            var upper: [UInt8] = [], lower: [UInt8] = []
            ASCIIText.appendUUID(id, uppercase: true, to: &upper)
            ASCIIText.appendUUID(id, uppercase: false, to: &lower)
            #expect(String(decoding: upper, as: UTF8.self) == id.uuidString)
            #expect(String(decoding: lower, as: UTF8.self) == id.uuidString.lowercased())
            #expect(ASCIIText.uuid(id.uuidString) == id)
            #expect(ASCIIText.uuid(id.uuidString.lowercased()) == id)
        }
    }

    /// A text read gives the uuid Foundation reads; a text that is not 8-4-4-4-12 hex digits is
    /// refused, also where Foundation's `sscanf` is laxer (it reads `+B0B6B64-...` and `0x...`).
    /// Inputs: single-character mutations of a valid uuid at every position, and hostile shapes.
    @Test func uuidParsingAgreesWithFoundation() {
        let valid = Array("6b0B6B64-0D8A-4C53-9A43-2C8E2f0A4F11".utf8)
        var texts = ["", "-", String(repeating: "0", count: 36), String(repeating: "-", count: 36), "6B0B6B640D8A4C539A432C8E2F0A4F11",
                     "{6B0B6B64-0D8A-4C53-9A43-2C8E2F0A4F11}", " 6B0B6B64-0D8A-4C53-9A43-2C8E2F0A4F1", "6B0B6B64-0D8A-4C53-9A43-2C8E2F0A4F11 ",
                     "6B0B6B64-0D8A-4C53-9A43-2C8E2F0A4F1\u{0}", "6B0B6B64-0D8A-4C53-9A43-2C8E2F0A4F1é", "+B0B6B64-0D8A-4C53-9A43-2C8E2F0A4F11",
                     "0x0B6B64-0D8A-4C53-9A43-2C8E2F0A4F11", "6B0B6B64-0D8A-4C53-9A43-2C8E2F0A4F11-0", String(valid.count) ]
        for position in valid.indices {
            for replacement in Array("0aFgG-x \u{0}+".utf8) {
                var mutated = valid
                mutated[position] = replacement
                texts.append(String(decoding: mutated, as: UTF8.self))
            }
        }
        var read = 0
        for text in texts {
            let bytes = Array(text.utf8)
            let canonical = bytes.count == 36 && bytes.indices.allSatisfy { index in
                [8, 13, 18, 23].contains(index) ? bytes[index] == UInt8(ascii: "-") : bytes[index].isHexDigit
            }
            if canonical {
                #expect(ASCIIText.uuid(text) != nil && ASCIIText.uuid(text) == UUID(uuidString: text), "\(text)")
                read += 1
            } else {
                #expect(ASCIIText.uuid(text) == nil, "\(text)")
            }
        }
        #expect(read >= 32 * 3)
    }
}

extension UInt8 {
    fileprivate var isHexDigit: Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(self)
            || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(self)
    }
}
