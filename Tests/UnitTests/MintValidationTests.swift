import SharedProto
import Testing

@testable import Keys

@Suite struct MintValidationLengthTests {
    @Test func lengthsCountUnicodeScalarsLikeJSONSchema() throws {
        // 1,025 skin-tone modifiers: fewer grapheme clusters than scalars.
        let modifiers = String(repeating: "\u{1F3FB}", count: 1025)
        #expect(throws: KeysError.self) { try MintRequestValidation.check(MintKeyRequest(name: "n", description: modifiers)) }
        try MintRequestValidation.check(MintKeyRequest(name: "n", description: String(repeating: "\u{1F3FB}", count: 1024)))
        #expect(throws: KeysError.self) { try MintRequestValidation.check(MintKeyRequest(name: "..")) }
    }
}
