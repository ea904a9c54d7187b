import Console
import Crypto
import Foundation
import Store
import TestSupport
import Testing

/// Who may see and do what in the console: sign-in, the session cookie, CSRF, scopes, masking.
@Suite struct ConsoleAccessTests {
    @Test func aBadOrRevokedKeyOpensNoSessionAndAGoodOneOpensAStrictCookie() async throws {
        try await TestDatabase.withFresh { db, _ in
            _ = try await ConsoleFixture.make(db)
            let keys = APIKeyStore(database: db)
            let (_, token) = try await keys.create(name: "ops", scopes: [.read])
            let (_, writerOnly) = try await keys.create(name: "robot", scopes: [.campaignsWrite])
            try await ConsoleServer.with(db) { console in
                let unknown = try await console.signIn("dk_" + String(repeating: "A", count: 43))
                #expect(unknown.answer.status == .unauthorized)
                #expect(unknown.session == nil)
                #expect(unknown.answer.body.contains("unknown or revoked"))
                let malformed = try await console.signIn("<script>")
                #expect(malformed.answer.status == .unauthorized && malformed.session == nil)
                let unreadable = try await console.signIn(writerOnly)
                #expect(unreadable.answer.status == .forbidden && unreadable.session == nil)
                #expect(try await db.scalar("SELECT count(*)::int FROM dialer.console_sessions", as: Int.self) == 0)

                // Another site's page cannot sign this browser in, even with a good key.
                let forged = try await console.signIn(token, headers: [("Sec-Fetch-Site", "cross-site")])
                #expect(forged.answer.status == .forbidden && forged.session == nil)
                let signedIn = try await console.signIn(token)
                #expect(signedIn.answer.status == .seeOther && signedIn.answer.location == "/console")
                let session = try #require(signedIn.session)
                let cookie = try #require(signedIn.answer.sessionCookieHeader)
                #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Path=/console"), "\(cookie)")
                #expect(!cookie.contains("Secure"), "plain http: no Secure flag, or the browser would drop it")
                // Only the session id's hash is stored.
                let stored = try await db.scalar("SELECT id_hash FROM dialer.console_sessions", as: Data.self)
                #expect(stored == Data(SHA256.hash(data: Data(session.utf8))))
                let page = try await console.get("/console", session: session)
                #expect(page.status == .ok && page.body.contains("spring renewals"))

                // Behind a TLS-terminating proxy the cookie is Secure.
                let proxied = try await console.signIn(token, headers: [("X-Forwarded-Proto", "https")])
                #expect(proxied.answer.sessionCookieHeader?.contains("Secure") == true)

                // Revoking the key ends its sessions at once.
                try await keys.revoke(name: "ops")
                let after = try await console.get("/console", session: session)
                #expect(after.status == .seeOther && after.location == "/console/sign-in")
                #expect(try await console.signIn(token).answer.status == .unauthorized)
            }
        }
    }

    @Test func withoutASessionEveryPageRedirectsToSignIn() async throws {
        try await TestDatabase.withFresh { db, _ in
            let fixture = try await ConsoleFixture.make(db)
            try await ConsoleServer.with(db) { console in
                for path in ["/console", fixture.path, "/console/calls/\(fixture.callSID)", "/console/tasks"] {
                    for session in [nil, "forged", String(repeating: "a", count: 43)] {
                        let answer = try await console.get(path, session: session)
                        #expect(answer.status == .seeOther && answer.location == "/console/sign-in", "\(path) \(session ?? "no cookie")")
                    }
                }
                let stream = try await console.get("/console/events/campaigns")
                #expect(stream.status == .unauthorized)
                let pause = try await console.post(fixture.path + "/pause", form: ["csrf": "x"])
                #expect(pause.status == .seeOther && pause.location == "/console/sign-in")
                #expect(try await fixture.status(db) == "active")
            }
        }
    }

    @Test func aPOSTWithoutTheSessionsCSRFTokenIsRefusedAndChangesNothing() async throws {
        try await TestDatabase.withFresh { db, _ in
            let fixture = try await ConsoleFixture.make(db)
            let (_, token) = try await APIKeyStore(database: db).create(name: "ops", scopes: [.read, .campaignsWrite])
            let (_, other) = try await APIKeyStore(database: db).create(name: "other", scopes: [.read, .campaignsWrite])
            try await ConsoleServer.with(db) { console in
                let session = try #require(try await console.signIn(token).session)
                let otherSession = try #require(try await console.signIn(other).session)
                let page = try await console.get(fixture.path, session: session)
                let csrf = try #require(page.csrf)
                #expect(page.body.contains("data-action=\"pause\""))
                let otherCSRF = try #require(try await console.get(fixture.path, session: otherSession).csrf)
                #expect(otherCSRF != csrf)

                // One character off: the last one changed to another (a fixed "A" is the token itself one time in 64).
                let oneOff = String(csrf.dropLast()) + (csrf.hasSuffix("A") ? "B" : "A")
                for form in [[:], ["csrf": ""], ["csrf": oneOff], ["csrf": otherCSRF]] {
                    let refused = try await console.post(fixture.path + "/pause", form: form, session: session)
                    #expect(refused.status == .forbidden, "\(form)")
                    #expect(try await fixture.status(db) == "active")
                }
                let crossSite = try await console.post(
                    fixture.path + "/pause",
                    form: ["csrf": csrf],
                    session: session,
                    headers: [("Sec-Fetch-Site", "same-site")]
                )
                #expect(crossSite.status == .forbidden)
                #expect(try await fixture.status(db) == "active")
                let paused = try await console.post(
                    fixture.path + "/pause",
                    form: ["csrf": csrf],
                    session: session,
                    headers: [("Sec-Fetch-Site", "same-origin")]
                )
                #expect(paused.status == .seeOther && paused.location == fixture.path)
                #expect(try await fixture.status(db) == "paused")
                // The header does as well as the field.
                let resumed = try await console.post(fixture.path + "/resume", form: [:], session: session, headers: [("X-CSRF-Token", csrf)])
                #expect(resumed.status == .seeOther)
                #expect(try await fixture.status(db) == "active")
                // A move the status does not allow is a conflict, not a change.
                let again = try await console.post(fixture.path + "/resume", form: ["csrf": csrf], session: session)
                #expect(again.status == .conflict)

                // Signing out needs the token too, and ends the session.
                #expect(try await console.post("/console/sign-out", form: [:], session: session).status == .forbidden)
                let out = try await console.post("/console/sign-out", form: ["csrf": csrf], session: session)
                #expect(out.status == .seeOther && out.sessionCookieHeader?.contains("Max-Age=0") == true)
                #expect(try await console.get("/console", session: session).status == .seeOther)
            }
        }
    }

    @Test func aKeyWithoutTheWriteScopeSeesNoButtonsAndIsRefused() async throws {
        try await TestDatabase.withFresh { db, _ in
            let fixture = try await ConsoleFixture.make(db)
            let (_, token) = try await APIKeyStore(database: db).create(name: "viewer", scopes: [.read])
            try await ConsoleServer.with(db) { console in
                let session = try #require(try await console.signIn(token).session)
                let page = try await console.get(fixture.path, session: session)
                #expect(!page.body.contains("data-action=\"pause\""))
                // The sign-out form still carries the token.
                let csrf = try #require(page.csrf)
                for action in ["pause", "cancel"] {
                    let refused = try await console.post(fixture.path + "/" + action, form: ["csrf": csrf], session: session)
                    #expect(refused.status == .forbidden && refused.body.contains("campaigns:write"))
                }
                #expect(try await fixture.status(db) == "active")
                let retry = try await console.post("/console/tasks/retry", form: ["csrf": csrf, "call_sid": fixture.callSID], session: session)
                #expect(retry.status == .forbidden && retry.body.contains("tasks:write"))
            }
        }
    }

    @Test func phoneNumbersAreMaskedUnlessTheKeyMayReadPersonalData() async throws {
        try await TestDatabase.withFresh { db, _ in
            let fixture = try await ConsoleFixture.make(db, number: "+12125559876")
            let keys = APIKeyStore(database: db)
            let (_, masked) = try await keys.create(name: "viewer", scopes: [.read])
            let (_, revealing) = try await keys.create(name: "supervisor", scopes: [.read, .piiRead])
            try await ConsoleServer.with(db) { console in
                let viewer = try #require(try await console.signIn(masked).session)
                let supervisor = try #require(try await console.signIn(revealing).session)
                for path in [fixture.path, "/console/calls/\(fixture.callSID)"] {
                    let hidden = try await console.get(path, session: viewer)
                    #expect(hidden.status == .ok)
                    #expect(hidden.body.contains("…9876") && !hidden.body.contains("2125559876"), "\(path)")
                    let shown = try await console.get(path, session: supervisor)
                    #expect(shown.body.contains("+12125559876"), "\(path)")
                }
            }
        }
    }

    @Test func aFormLargerThan64KiBIs413AndChangesNothing() async throws {
        try await TestDatabase.withFresh { db, _ in
            let fixture = try await ConsoleFixture.make(db)
            let (_, token) = try await APIKeyStore(database: db).create(name: "ops", scopes: [.read, .campaignsWrite])
            try await ConsoleServer.with(db) { console in
                let session = try #require(try await console.signIn(token).session)
                let csrf = try #require(try await console.get(fixture.path, session: session).csrf)
                let answer = try await console.post(
                    fixture.path + "/pause",
                    form: ["csrf": csrf, "padding": String(repeating: "x", count: 70_000)],
                    session: session
                )
                #expect(answer.status == .payloadTooLarge)
                #expect(try await fixture.status(db) == "active")
            }
        }
    }
}
