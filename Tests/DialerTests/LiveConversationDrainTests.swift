import AsyncHTTPClient
import Foundation
import Sandbox
import Store
import TestSupport
import Testing
import Voice

/// A deploy during a live call: a real `dialer serve` process gets SIGTERM while a Sandbox
/// callee is in a conversation with it.
@Suite(.runsAlone("real time: a live conversation while `dialer serve` drains")) struct LiveConversationDrainTests {
    @Test func sigtermDrainsTheServiceAndTheLiveCallEndsWithTheAgentsGoodbye() async throws {
        try await Dialing.with(contacts: 1) { dialing in
            let url = try #require(dialing.url)
            dialing.sandbox.script(Dialing.number(0), .human)
            // "yes", then silence far past the drain timeout: only the goodbye ends this call.
            dialing.sandbox.speak(Dialing.number(0), CalleeScript([.init("yes"), .init("morning", cue: .at(.seconds(80)))]))
            let port = try LoopbackPort.unused()
            let publicURL = "http://127.0.0.1:\(port)"
            let serve = ChildProcess(
                Products.path("dialer"),
                arguments: [
                    "serve", "--port", "\(port)", "--admin-port", "\(try LoopbackPort.unused())", "--public-url", publicURL,
                    "--drain-timeout", "2",
                ],
                environment: ["DATABASE_URL": url.connectionString, "TWILIO_AUTH_TOKEN": dialing.sandbox.configuration.authToken]
            )
            try serve.start()
            defer { serve.signal(SIGKILL) }
            func readiness() async -> UInt? {
                try? await HTTPClient.shared.execute(HTTPClientRequest(url: publicURL + "/readyz"), timeout: .seconds(2)).status.code
            }
            let up = await eventually(timeout: .seconds(30)) { await readiness() == 200 }
            try #require(up, "\(serve.text)")

            let contact = dialing.contacts[0]
            try await dialing.enqueue(contact)
            _ = try await dialing.runOnce(dialing.handler(publicURL: publicURL))
            // The call is live: the callee said yes and the agent has begun its answer.
            let live = try await eventually(timeout: .seconds(60)) {
                try await TranscriptRow.all(dialing.db, contact: contact).count >= 3
            }
            try #require(live, "\(serve.text)")

            serve.signal(SIGTERM)
            // Draining: not ready, so a load balancer sends new calls elsewhere; this one goes on.
            let draining = await eventually(timeout: .seconds(5)) { await readiness() == 503 }
            #expect(draining)
            #expect(await serve.wait(timeout: .seconds(60)) == 0, "\(serve.text)")

            // The answer was played out, then the script's goodbye, and every entry is written.
            let entries = try await TranscriptRow.all(dialing.db, contact: contact)
            #expect(entries.map(\.speaker) == ["agent", "callee", "agent", "agent"], "\(entries)")
            #expect(entries.filter { $0.speaker == "callee" }.map(\.text) == ["yes"])
            #expect(entries.last?.text == AgentScript.default.closing, "\(entries)")
            #expect(!entries.contains { $0.interrupted }, "\(entries)")
            // The dialer ended the call by closing its stream after the goodbye, and the status
            // callback that followed was still answered.
            await dialing.sandbox.settle()
            let session = try #require(dialing.sandbox.mediaSessions.first)
            #expect(session.ending == .dialerClosed)
            #expect(session.agentAudioPlayedMs == session.agentAudioReceivedMs, "the goodbye was played to the end")
            let statuses = dialing.sandbox.deliveries.filter { $0.kind == .status }
            #expect(!statuses.isEmpty && statuses.allSatisfy { $0.responseStatus == 204 }, "\(statuses.map(\.responseStatus))")
            let ended = try await dialing.db.scalar(
                """
                SELECT count(*)::int FROM dialer.media_streams s JOIN dialer.calls c ON c.call_sid = s.call_sid
                WHERE s.ended_at IS NOT NULL AND s.attempt_id IS NOT NULL AND c.status = 'completed'
                """,
                as: Int.self
            )
            #expect(ended == 1)
        }
    }
}
