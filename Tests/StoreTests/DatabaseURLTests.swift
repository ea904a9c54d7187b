import Store
import Testing

@Suite struct DatabaseURLTests {
    @Test func parsesTCPURLs() throws {
        let url = try DatabaseURL("postgres://dialer:s%40cret@db.internal:6543/calls?sslmode=require")
        #expect(url.username == "dialer")
        #expect(url.password == "s@cret")
        #expect(url.host == "db.internal")
        #expect(url.port == 6543)
        #expect(url.database == "calls")
        #expect(url.tls == .require)
        #expect(url.socketDirectory == nil)
    }

    @Test func parsesUnixSocketURLs() throws {
        let url = try DatabaseURL("postgres://postgres@localhost/dialer?host=/tmp/pg")
        #expect(url.socketDirectory == "/tmp/pg")
        #expect(url.tls == .disable)
        #expect(try DatabaseURL(url.connectionString) == url)
    }

    @Test func takesLibpqsHostParameterAsAHostNameToo() throws {
        let url = try DatabaseURL("postgres://dialer@/calls?host=db.internal")
        #expect(url.host == "db.internal")
        #expect(url.socketDirectory == nil)
    }

    @Test func neverPrintsThePassword() throws {
        let url = try DatabaseURL("postgres://dialer:hunter2@db/calls")
        #expect(!url.description.contains("hunter2"))
        #expect(url.description.contains("***"))
    }

    @Test func refusesOtherSchemesWithAClearMessage() {
        #expect(throws: DatabaseURLError.self) { try DatabaseURL("mysql://x@y/z") }
        #expect(throws: DatabaseURLError.self) { try DatabaseURL.fromEnvironment([:]) }
    }
}
