import Foundation
import MCPCore
import SharedProto
import Testing
import Hummingbird
@testable import TollgateCore

@testable import Gateway

@Suite struct SensitiveNamesTests {
    @Test func namesMatchAsNormalisedSubstrings() {
        let names = SensitiveNames()
        for name in ["Password", "password", "db_password", "X-Auth-Token", "access_token", "apiKey", "API-KEY", "api.key", "client.secret",
            "Authorization", "credentials", "Set-Cookie", "private_key", "privateKey", "refreshToken"] {
            #expect(names.matches(name), "\(name)")
        }
        for name in ["message", "user", "passage", "key", "id", "monkey"] {
            #expect(!names.matches(name), "\(name)")
        }
    }

    @Test func redactionReachesNestedObjectsArraysAndJSONInText() throws {
        let value = try JSONParser.parse(#"{"nested":{"Password":"hunter2","ok":1},"list":[{"apiKey":"k"}],"content":[{"type":"text","text":"{\"access_token\":\"t\",\"x\":2}"}]}"#)
        let redacted = value.redacting(SensitiveNames())
        let text = redacted.jsonString
        #expect(!text.contains("hunter2") && !text.contains("\"k\"") && !text.contains("\\\"t\\\""))
        #expect(redacted["nested"]?["ok"] == .number("1"))
        #expect(redacted["content"]?.arrayValue?.first?["text"]?.stringValue?.contains("[redacted]") == true)
        // Unchanged values keep their exact text.
        let (same, changed) = try JSONParser.parse(#"{"a":1.0}"#).redactingTracked(SensitiveNames())
        #expect(!changed && same.jsonString == #"{"a":1.0}"#)
    }

    @Test func capturedHeadersAreRedactedAndBounded() {
        let redactor = Redactor(keys: Redactor.defaultKeys)
        let huge = String(repeating: "h", count: 81_000)
        let headers = redactor.headers([("x-api-key", "secret"), ("x-upstream-token", "t"), ("x-big", huge), ("user-agent", "curl")], budget: 4096)
        let text = headers.jsonString
        #expect(text.utf8.count <= 4096 + 64)
        #expect(!text.contains("secret") && headers["x-upstream-token"] == .array([.redacted]))
        #expect(headers["x-big"]?.arrayValue?.first?.stringValue?.hasSuffix("[truncated]") == true)
        let tight = redactor.headers((0..<100).map { ("x-h\($0)", String(repeating: "v", count: 100)) }, budget: 1000)
        #expect(tight.jsonString.utf8.count < 1200 && tight["(truncated)"] != nil)
    }
}

@Suite struct ClientAddressTests {
    @Test func peerIsTheClientWithoutTrustedProxies() throws {
        let none = try ClientAddress(trustedProxies: [])
        #expect(none.resolve(peer: "10.0.0.5", forwardedFor: ["6.6.6.6"]) == "10.0.0.5")
        #expect(none.resolve(peer: nil, forwardedFor: ["6.6.6.6"]) == nil)
    }

    @Test func rightMostUntrustedHopIsTheClient() throws {
        let edge = try ClientAddress(trustedProxies: ["172.30.80.10", "10.0.0.0/8"])
        // The client spoofed 6.6.6.6; the edge appended the real address.
        #expect(edge.resolve(peer: "172.30.80.10", forwardedFor: ["6.6.6.6, 203.0.113.7"]) == "203.0.113.7")
        #expect(edge.resolve(peer: "172.30.80.10", forwardedFor: ["6.6.6.6", "203.0.113.7, 10.1.2.3"]) == "203.0.113.7")
        // Garbage ends the walk at the last believable hop.
        #expect(edge.resolve(peer: "172.30.80.10", forwardedFor: ["a\", x=1"]) == "172.30.80.10")
        // A peer that is not trusted cannot forward for anyone.
        #expect(edge.resolve(peer: "198.51.100.1", forwardedFor: ["6.6.6.6"]) == "198.51.100.1")
        #expect(edge.resolve(peer: "::ffff:172.30.80.10", forwardedFor: ["2001:db8::1"]) == "2001:db8::1")
    }

    @Test func badNetworksAreConfigurationErrors() {
        #expect(throws: ConfigError.self) { try ClientAddress(trustedProxies: ["nginx"]) }
        #expect(throws: ConfigError.self) { try ClientAddress(trustedProxies: ["10.0.0.0/33"]) }
        #expect(ClientAddress.Network("2001:db8::/32")?.contains(ClientAddress.bytes(of: "2001:db8:1::1")!) == true)
    }
}

@Suite struct HostAndDateTests {
    @Test func hostHeaderGrammar() {
        for good in ["localhost", "localhost:8080", "gw.example.com", "127.0.0.1:1", "[::1]:8080", "[2001:db8::1]"] {
            #expect(SecurityHeadersMiddleware<BasicRequestContext>.isValidHost(good), "\(good)")
        }
        for bad in ["a\", error=\"x", "a b", "a/b", "a:80:80", "a:", ":80", "[::1", "a:123456", "", "host\r\nx: y"] {
            #expect(!SecurityHeadersMiddleware<BasicRequestContext>.isValidHost(bad), "\(bad)")
        }
    }

    @Test func rfc3339() {
        #expect(WireCoding.parseDate("2026-11-30T10:00:00Z") == Date(timeIntervalSince1970: 1_796_032_800))
        #expect(WireCoding.parseDate("2026-11-30T10:00:00.5z") == Date(timeIntervalSince1970: 1_796_032_800.5))
        #expect(WireCoding.parseDate("2026-12-01T09:34:00+23:34") == Date(timeIntervalSince1970: 1_796_032_800))
        #expect(WireCoding.parseDate("2026-11-30T05:00:00-05:00") == Date(timeIntervalSince1970: 1_796_032_800))
        for bad in ["2026-02-30T00:00:00Z", "2026-11-30 10:00:00Z", "2026-11-30T10:00:00", "2026-11-30T24:00:00Z", "2026-11-30T10:00:00+2400",
            "2026-11-30T10:00:00.Z", "yesterday", "2026-11-30T10:00:00Z "] {
            #expect(WireCoding.parseDate(bad) == nil, "\(bad)")
        }
    }
}
