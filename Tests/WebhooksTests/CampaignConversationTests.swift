import Foundation
import HummingbirdWSClient
import PostgresNIO
import Store
import TestSupport
import Testing
import Twilio
import Voice
import VoiceBenchmark
import Webhooks

/// One `dialer serve` media route, several campaigns: each call speaks its own campaign's
/// script (the service's agent when the campaign has none), and a key the script names opts
/// the callee out as surely as the words do, even when the first DNC write fails.
@Suite struct CampaignConversationTests {
    static func script(greeting: String, optOutDigit: String? = "9") throws -> String {
        var script = AgentScript.default
        script.greeting = greeting
        script.greetingWithName = nil
        script.optOut.digit = optOutDigit
        return String(decoding: try JSONEncoder().encode(script), as: UTF8.self)
    }

    /// A campaign of its own for `contact`, with `script` (nil: none), and a placed attempt
    /// for it as `callSID`; returns the start's custom parameters.
    static func call(_ dialing: Dialing, contact: Int64, script: String?, callSID: String) async throws -> [String: String] {
        let campaign = try await dialing.db.scalar(
            """
            INSERT INTO dialer.campaigns (name, soql, status, from_number, agent_script)
            VALUES (\(callSID), 'SELECT Id FROM Contact', 'active', \(Dialing.from), \(script)) RETURNING id
            """,
            as: Int64.self
        )
        try await dialing.db.execute("UPDATE dialer.contacts SET campaign_id = \(campaign) WHERE id = \(contact)")
        let attempt = try await dialing.db.scalar(
            """
            INSERT INTO dialer.call_attempts (contact_id, campaign_id, attempt_number, state, to_e164, from_e164, call_sid)
            SELECT id, campaign_id, 1, 'placed', phone_e164, \(Dialing.from), \(callSID) FROM dialer.contacts WHERE id = \(contact)
            RETURNING id
            """,
            as: UUID.self
        )
        return ["attempt": attempt.uuidString.lowercased(), "campaign": String(campaign), "contact": String(contact)]
    }

    static func frame(_ n: Int, _ streamSID: String) -> String {
        MediaStreamMessage.media(
            .init(
                sequenceNumber: n + 2,
                streamSid: streamSID,
                track: "inbound",
                chunk: n + 1,
                timestamp: n * 20,
                payload: [UInt8](repeating: 0xFF, count: 160)
            )
        ).json
    }

    /// Opens the stream, sends a few frames, waits for the agent's first audio, runs `then`,
    /// and reads (echoing marks) until the service closes the socket or `stop` is sent.
    static func converse(
        _ publicURL: String,
        token: String,
        callSID: String,
        parameters: [String: String],
        stop: Bool,
        then: @escaping @Sendable (WebSocketOutboundWriter) async throws -> Void = { _ in }
    ) async throws -> WebSocketCloseFrame? {
        let streamSID = "MZ" + callSID.dropFirst(2)
        return try await MediaSocketClient.connect(callSID, publicURL, token: token) { inbound, outbound in
            try await outbound.write(.text(MediaSocketClient.start(streamSID: streamSID, callSID: callSID, parameters: parameters)))
            for n in 0..<5 { try await outbound.write(.text(Self.frame(n, streamSID))) }
            var messages = inbound.messages(maxSize: 1 << 16).makeAsyncIterator()
            while let message = try await messages.next() {
                if case .text(let text) = message, text.contains(#""event":"media""#) { break }
            }
            try await then(outbound)
            if stop {
                try await outbound.write(
                    .text(
                        MediaStreamMessage.stop(
                            .init(sequenceNumber: 99, streamSid: streamSID, accountSid: SandboxHarness.accountSID, callSid: callSID)
                        ).json
                    )
                )
            }
            // Marks come back as Twilio's do (at once: nothing here plays the audio), so a
            // hang-up waits for its last mark, not for the mark's timeout.
            var echoed = 100
            while let message = try await messages.next() {
                guard case .text(let text) = message, case .mark(_, let name)? = try? MediaStreamCommand(json: text) else { continue }
                echoed += 1
                try? await outbound.write(.text(MediaStreamMessage.mark(.init(sequenceNumber: echoed, streamSid: streamSID, name: name)).json))
            }
        }
    }

    static func entries(_ db: Database, _ callSID: String) async throws -> [(String, String, String?)] {
        try await db.rows(
            "SELECT speaker, text, intent FROM dialer.transcript_entries WHERE call_sid = \(callSID) ORDER BY seq",
            as: (String, String, String?).self
        )
    }

    @Test func eachCallSpeaksItsOwnCampaignsScript() async throws {
        try await Dialing.with(contacts: 3) { dialing in
            let calls = [
                ("CAalpha1", try Self.script(greeting: "Hello, this is Alpha Insurance.")),
                ("CAbeta1", try Self.script(greeting: "Good day, Beta Energy calling.")),
                ("CAplain1", nil),
            ]
            var parameters: [String: [String: String]] = [:]
            for (index, (sid, script)) in calls.enumerated() {
                parameters[sid] = try await Self.call(dialing, contact: dialing.contacts[index], script: script, callSID: sid)
            }
            let token = dialing.sandbox.configuration.authToken
            let bound = parameters
            try await LiveWebhooks.withWebhooks(dialing, voice: ConversationBenchmark.standIns) { publicURL in
                for (sid, _) in calls {
                    try await Self.converse(publicURL, token: token, callSID: sid, parameters: bound[sid] ?? [:], stop: true)
                }
                let ended = try await eventually {
                    try await dialing.db.scalar("SELECT count(*)::int FROM dialer.media_streams WHERE ended_at IS NOT NULL", as: Int.self) == 3
                }
                #expect(ended)
            }
            let openings = try await calls.asyncMap { try await Self.entries(dialing.db, $0.0).first }
            #expect(
                openings[0]?.1.hasPrefix("Hello, this is Alpha Insurance. I am an automated assistant") == true,
                "\(String(describing: openings[0]))"
            )
            #expect(openings[1]?.1.hasPrefix("Good day, Beta Energy calling.") == true, "\(String(describing: openings[1]))")
            #expect(openings[2]?.1 == "Hello, this is a test call.", "the service's own agent")
        }
    }

    @Test func theScriptsOptOutKeyOptsOutEvenWhenTheFirstDNCWriteFails() async throws {
        try await Dialing.with(contacts: 1) { dialing in
            let parameters = try await Self.call(
                dialing,
                contact: dialing.contacts[0],
                script: try Self.script(greeting: "Hello from Gamma.", optOutDigit: "7"),
                callSID: "CAkeys1"
            )
            try await dialing.db.execute("CREATE SEQUENCE dialer.test_faults")
            try await dialing.db.execute(
                PostgresQuery(
                    unsafeSQL: """
                        CREATE FUNCTION dialer.test_fault() RETURNS trigger LANGUAGE plpgsql AS $$
                        BEGIN
                            IF nextval('dialer.test_faults') = 1 THEN RAISE EXCEPTION 'injected fault' USING ERRCODE = '40001'; END IF;
                            RETURN NEW;
                        END $$
                        """
                )
            )
            try await dialing.db.execute("CREATE TRIGGER test_fault BEFORE INSERT ON dialer.dnc FOR EACH ROW EXECUTE FUNCTION dialer.test_fault()")
            let token = dialing.sandbox.configuration.authToken
            try await LiveWebhooks.withWebhooks(dialing, voice: ConversationBenchmark.standIns) { publicURL in
                // 9 is the default key, not this script's: nothing happens. 7 opts out; the
                // agent confirms and hangs up by itself.
                let close = try await Self.converse(publicURL, token: token, callSID: "CAkeys1", parameters: parameters, stop: false) { outbound in
                    for digit in ["9", "7"] {
                        try await outbound.write(
                            .text(MediaStreamMessage.dtmf(.init(sequenceNumber: 50, streamSid: "MZkeys1", track: "inbound_track", digit: digit)).json)
                        )
                        try await Task.sleep(for: .milliseconds(100))
                    }
                }
                #expect(close?.closeCode == .normalClosure)
                let ended = try await eventually {
                    try await dialing.db.scalar("SELECT count(*)::int FROM dialer.media_streams WHERE ended_at IS NOT NULL", as: Int.self) == 1
                }
                #expect(ended)
            }
            #expect(
                try await dialing.db.scalar(
                    "SELECT count(*)::int FROM dialer.dnc WHERE phone_e164 = \(Dialing.number(0)) AND reason = 'opt_out'",
                    as: Int.self
                ) == 1
            )
            #expect(try await dialing.db.scalar("SELECT last_value FROM dialer.test_faults", as: Int.self) >= 2, "the first write failed")
            let entries = try await Self.entries(dialing.db, "CAkeys1")
            #expect(entries.contains { $0 == ("callee", "[key 9]", nil) })
            #expect(entries.contains { $0 == ("callee", "[key 7]", "opt-out") })
            #expect(entries.last.map { $0.0 == "agent" && $0.1 == "Understood. You will not be called again. Goodbye." } == true, "\(entries)")
        }
    }
}

extension Sequence {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var result: [T] = []
        for element in self { result.append(try await transform(element)) }
        return result
    }
}
