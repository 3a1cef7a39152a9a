import Testing
import TollgateRedis

@Suite struct RedisURLTests {
    @Test func parsesEveryPart() throws {
        let url = try RedisURL(parsing: "redis://user:secret@cache.internal:6390/4")
        #expect(url == RedisURL(host: "cache.internal", port: 6390, username: "user", password: "secret", database: 4))
        #expect(url.redacted == "redis://user:***@cache.internal:6390/4")
    }

    @Test func defaults() throws {
        #expect(try RedisURL(parsing: "redis://localhost") == RedisURL(host: "localhost"))
        #expect(try RedisURL(parsing: "redis://:pw@h").password == "pw")
        #expect(try RedisURL(parsing: "redis://:pw@h").username == nil)
    }

    @Test(arguments: ["http://h", "redis://", "redis://h/x", "redis://h/-1", "redis://h:0", "not a url"])
    func rejectsInvalid(text: String) {
        #expect(throws: RedisError.self) { try RedisURL(parsing: text) }
    }
}
