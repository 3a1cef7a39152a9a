/// One pass of `JSONBText` over a JSON text: reads it with the grammar of Postgres' JSON lexer and
/// appends `jsonb`'s rendering to `output`. Every method answers false where Postgres would
/// refuse the text or where the rendering is left to Postgres. Linear in the input, except that
/// an object's rendered members are moved once more when it closes (at most `maximumDepth` times
/// in all) and its keys are sorted.
struct JSONBRenderer {
    let input: UnsafeBufferPointer<UInt8>
    var output: [UInt8]
    var index = 0

    init(input: UnsafeBufferPointer<UInt8>, output: [UInt8]) {
        self.input = input
        self.output = output
    }

    mutating func skipWhitespace() {
        while index < input.count {
            switch input[index] {
            case 0x20, 0x09, 0x0a, 0x0d: index += 1
            default: return
            }
        }
    }

    mutating func value(depth: Int) -> Bool {
        guard index < input.count else { return false }
        switch input[index] {
        case UInt8(ascii: "{"): return depth < JSONBText.maximumDepth && object(depth: depth + 1)
        case UInt8(ascii: "["): return depth < JSONBText.maximumDepth && array(depth: depth + 1)
        case UInt8(ascii: "\""):
            // Most strings hold no escape: rendered straight from the input, without a copy.
            if let plain = plainString() {
                JSONBText.appendEscaped(UnsafeBufferPointer(rebasing: input[plain]), to: &output)
                return true
            }
            var text: [UInt8] = []
            guard string(into: &text) else { return false }
            text.withUnsafeBufferPointer { JSONBText.appendEscaped($0, to: &output) }
            return true
        case UInt8(ascii: "t"): return literal("true")
        case UInt8(ascii: "f"): return literal("false")
        case UInt8(ascii: "n"): return literal("null")
        default: return number()
        }
    }

    private mutating func literal(_ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard input.count - index >= count else { return false }
        for offset in 0..<count where input[index + offset] != word.utf8Start[offset] { return false }
        index += count
        output.append(contentsOf: UnsafeBufferPointer(start: word.utf8Start, count: count))
        return true
    }

    private mutating func array(depth: Int) -> Bool {
        index += 1
        output.append(UInt8(ascii: "["))
        skipWhitespace()
        if index < input.count, input[index] == UInt8(ascii: "]") {
            index += 1
            output.append(UInt8(ascii: "]"))
            return true
        }
        while true {
            guard value(depth: depth) else { return false }
            skipWhitespace()
            guard index < input.count else { return false }
            let byte = input[index]
            index += 1
            if byte == UInt8(ascii: "]") {
                output.append(byte)
                return true
            }
            guard byte == UInt8(ascii: ",") else { return false }
            output.append(contentsOf: [UInt8(ascii: ","), UInt8(ascii: " ")])
            skipWhitespace()
        }
    }

    /// Members are rendered in input order behind `base`, then written again sorted: by key
    /// length, then key bytes, and of equal keys only the last (jsonb's `uniqueifyJsonbObject`).
    private mutating func object(depth: Int) -> Bool {
        index += 1
        let base = output.count
        // Every key's unescaped bytes in one buffer, so a member costs no allocation of its own.
        var keys: [UInt8] = []
        var members: [(key: Range<Int>, value: Range<Int>)] = []
        skipWhitespace()
        if index < input.count, input[index] == UInt8(ascii: "}") {
            index += 1
            output.append(contentsOf: [UInt8(ascii: "{"), UInt8(ascii: "}")])
            return true
        }
        while true {
            guard index < input.count, input[index] == UInt8(ascii: "\"") else { return false }
            let keyStart = keys.count
            if let plain = plainString() {
                keys.append(contentsOf: UnsafeBufferPointer(rebasing: input[plain]))
            } else {
                guard string(into: &keys) else { return false }
            }
            let key = keyStart..<keys.count
            skipWhitespace()
            guard index < input.count, input[index] == UInt8(ascii: ":") else { return false }
            index += 1
            skipWhitespace()
            let start = output.count
            guard value(depth: depth) else { return false }
            members.append((key, start..<output.count))
            skipWhitespace()
            guard index < input.count else { return false }
            let byte = input[index]
            index += 1
            if byte == UInt8(ascii: "}") { break }
            guard byte == UInt8(ascii: ",") else { return false }
            skipWhitespace()
        }
        let rendered = Array(output[base...])
        output.removeSubrange(base...)
        let order = members.indices.sorted { left, right in
            let a = keys[members[left].key], b = keys[members[right].key]
            if a.count != b.count { return a.count < b.count }
            if a != b { return a.lexicographicallyPrecedes(b) }
            return left > right
        }
        output.append(UInt8(ascii: "{"))
        var previous: ArraySlice<UInt8>?
        for member in order where keys[members[member].key] != previous {
            if previous != nil { output.append(contentsOf: [UInt8(ascii: ","), UInt8(ascii: " ")]) }
            previous = keys[members[member].key]
            keys.withUnsafeBufferPointer { JSONBText.appendEscaped(UnsafeBufferPointer(rebasing: $0[members[member].key]), to: &output) }
            output.append(contentsOf: [UInt8(ascii: ":"), UInt8(ascii: " ")])
            let range = members[member].value
            output.append(contentsOf: rendered[(range.lowerBound - base)..<(range.upperBound - base)])
        }
        output.append(UInt8(ascii: "}"))
        return true
    }
}
