import Foundation
import SharedProto
import Testing

@testable import Keys

@Suite struct APIKeyFormatTests {
    @Test func generatedKeysParseBack() {
        for _ in 0..<100 {
            let id = KeyGenerator.id()
            let secret = KeyGenerator.secret()
            #expect(id.count == 16 && secret.count == 64)
            let parsed = APIKeyFormat.parse(APIKeyFormat.format(id: id, secret: secret))
            #expect(parsed?.id == id && parsed?.secret == secret)
        }
    }

    @Test func secretsAreNotRepeated() {
        let secrets = Set((0..<1000).map { _ in KeyGenerator.secret() })
        #expect(secrets.count == 1000)
    }

    @Test(arguments: [
        "", "mt_", "mt_0123456789abcdef", "xx_0123456789abcdef_" + String(repeating: "a", count: 64),
        "mt_0123456789abcdeF_" + String(repeating: "a", count: 64),
        "mt_0123456789abcdef-" + String(repeating: "a", count: 64),
        "mt_0123456789abcdef_" + String(repeating: "a", count: 63),
        "mt_0123456789abcdef_" + String(repeating: "a", count: 65),
        "mt_0123456789abcdef_" + String(repeating: "g", count: 64),
        "mt_0123456789abcdé_" + String(repeating: "a", count: 64),
    ])
    func rejectsAnythingElse(text: String) {
        #expect(APIKeyFormat.parse(text) == nil)
    }
}

@Suite struct MintRequestValidationTests {
    @Test func acceptsAReasonableRequest() throws {
        try MintRequestValidation.check(
            MintKeyRequest(name: "ci-bot.prod_1", description: "CI", expiresAt: Date().addingTimeInterval(60), scopes: ["admin", "tools:call"], allowedTools: ["echo", "github__*"])
        )
    }

    @Test func rejectsEachBadField() {
        let cases: [MintKeyRequest] = [
            MintKeyRequest(name: ""),
            MintKeyRequest(name: String(repeating: "n", count: 65)),
            MintKeyRequest(name: "has space"),
            MintKeyRequest(name: "ok", description: String(repeating: "d", count: 1025)),
            MintKeyRequest(name: "ok", expiresAt: Date().addingTimeInterval(-1)),
            MintKeyRequest(name: "ok", scopes: ["Admin"]),
            MintKeyRequest(name: "ok", scopes: Array(repeating: "a", count: 33)),
            MintKeyRequest(name: "ok", allowedTools: [""]),
            MintKeyRequest(name: "ok", allowedTools: ["tab\there"]),
            MintKeyRequest(name: "ok", createdBy: "two\nlines"),
        ]
        for request in cases {
            #expect(throws: KeysError.self) { try MintRequestValidation.check(request) }
        }
    }
}
