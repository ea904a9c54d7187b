import Foundation
import Sandbox
import Store
import TestSupport
import Testing
import Voice

/// The console as an operator uses it: headless Chromium signs in, watches a Sandbox campaign's
/// numbers move while its calls progress, reads a live call's transcript as it grows, and
/// pauses the campaign; Postgres says it is paused.
@Suite(.runsAlone("real time: whole Sandbox calls with the embedded voice, watched by headless Chromium"))
struct ConsoleBrowserTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func anOperatorWatchesACampaignReadsALiveCallAndPausesIt() async throws {
        try await Dialing.with(contacts: 4) { dialing in
            for index in 0..<4 {
                dialing.sandbox.script(Dialing.number(index), .human)
                dialing.sandbox.speak(Dialing.number(index), .says("yes", "no"))
            }
            let (_, token) = try await APIKeyStore(database: dialing.db).create(name: "operator", scopes: [.read, .campaignsWrite])
            let voice = VoiceComponents(
                speechToText: PocketSphinxSpeechToText(),
                agent: try ScriptedAgent(script: .default),
                textToSpeech: EspeakTextToSpeech()
            )
            try await LiveWebhooks.withWebhookService(dialing, voice: voice) { service in
                try await Chromium.with { browser in
                    try await browser.withPage { page in
                        try await Self.run(page, console: service.adminURL + "/console", publicURL: service.publicURL, token: token, dialing: dialing)
                    }
                }
                // Let the calls end before the webhook service stops.
                _ = try await eventually(timeout: .seconds(90)) {
                    try await dialing.db.scalar("SELECT count(*) = count(ended_at) FROM dialer.call_attempts", as: Bool.self)
                }
            }
        }
    }

    static func run(_ page: DevToolsPage, console: String, publicURL: String, token: String, dialing: Dialing) async throws {
        // Sign in.
        try await page.navigate(console + "/sign-in")
        _ = try await page.evaluate(
            "document.getElementById('key').value = \(DevToolsPage.quoted(token)); document.querySelector('main form').submit(); true"
        )
        #expect(try await page.waitFor("location.pathname === '/console' && document.querySelector('[data-campaign]') !== null"))

        // The campaign page, its stream open; nothing dialed yet.
        let campaignURL = console + "/campaigns/dialing%20test"
        try await page.navigate(campaignURL)
        #expect(try await page.waitFor("document.getElementById('live-state').classList.contains('on')"))
        #expect(try await page.text("[data-field=calls-placed]") == "0")
        // A mark the page would lose on a reload: what changes below came over the stream.
        _ = try await page.evaluate("window.dialerMark = 'same page'; true")

        let handler = dialing.handler(publicURL: publicURL)
        for contact in dialing.contacts.prefix(2) {
            try await dialing.enqueue(contact)
            _ = try await dialing.runOnce(handler)
        }
        #expect(try await page.waitFor("document.querySelector('[data-field=calls-placed]').textContent.trim() === '2'", timeout: .seconds(30)))
        #expect(try await page.waitFor("document.querySelectorAll('table.calls tbody tr').length === 2"))
        #expect(try await page.evaluate("window.dialerMark") as? String == "same page")

        // A call on the line: its transcript grows while the page stays.
        var sid: String?
        _ = try await eventually(timeout: .seconds(30)) {
            sid = try await dialing.db.rows(
                "SELECT call_sid FROM dialer.calls WHERE status = 'in-progress' AND ended_at IS NULL ORDER BY created_at LIMIT 1",
                as: String.self
            ).first
            return sid != nil
        }
        let callSID = try #require(sid, "no call went in progress")
        try await page.navigate(console + "/calls/" + callSID)
        let before = try await page.evaluate("document.querySelectorAll('.transcript .turn').length") as? Int ?? 0
        _ = try await page.evaluate("window.dialerMark = 'call page'; true")
        #expect(try await page.waitFor("document.querySelectorAll('.transcript .turn').length > \(before)", timeout: .seconds(60)))
        #expect(try await page.waitFor("document.querySelectorAll('.transcript .turn').length >= \(before + 2)", timeout: .seconds(60)))
        #expect(try await page.evaluate("window.dialerMark") as? String == "call page")
        let stored = try await dialing.db.scalar("SELECT count(*)::int FROM dialer.transcript_entries WHERE call_sid = \(callSID)", as: Int.self)
        #expect(stored >= before + 2)

        // Pause from the campaign page.
        try await page.navigate(campaignURL)
        #expect(try await page.waitFor("document.getElementById('live-state').classList.contains('on')"))
        _ = try await page.evaluate("document.querySelector('[data-action=pause]').click(); true")
        let paused = try await eventually(timeout: .seconds(15)) {
            try await dialing.db.scalar("SELECT status FROM dialer.campaigns WHERE id = \(dialing.campaignID)", as: String.self) == "paused"
        }
        #expect(paused)
        #expect(try await page.waitFor("document.querySelector('[data-field=status]')?.textContent.trim() === 'paused'"))
        #expect(try await page.waitFor("document.querySelector('[data-action=resume]') !== null"))

        // Once the two calls are done, the page a reader of the README sees.
        _ = try await page.waitFor("document.querySelector('[data-field=done]')?.textContent.trim() === '2'", timeout: .seconds(60))
        try await page.navigate(campaignURL)
        let png = try await page.screenshot(width: 1280, height: 900)
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]))
        let name = ProcessInfo.processInfo.environment["DIALER_UPDATE_SCREENSHOT"] == "1" ? "docs/console.png" : ".build/console.png"
        try png.write(to: root.appendingPathComponent(name))
        // And on a phone: nothing wider than the screen.
        let phone = try await page.screenshot(width: 390, height: 844, mobile: true)
        try phone.write(to: root.appendingPathComponent(".build/console-phone.png"))
        let width = try await page.evaluate("document.documentElement.scrollWidth") as? Int
        #expect(width.map { $0 <= 390 } == true, "the page is \(width ?? 0) px wide on a 390 px phone")
    }
}
