import Foundation
import Store
import Testing

@testable import Worker

/// What a Task says about a message left on an answering machine.
@Suite struct CallTaskDescriptionTests {
    static func sync(_ transcript: [TaskSyncRecord.Line]) -> TaskSyncRecord {
        TaskSyncRecord(
            callSID: "CA1",
            contactSalesforceID: nil,
            accountID: nil,
            disposition: "Voicemail",
            durationSeconds: 21,
            answered: true,
            localDate: "2026-12-07",
            transcript: transcript
        )
    }

    @Test func aMessagePlayedToTheEndIsLeftAndACutOneSaysSo() {
        let left = CallTask.description(
            of: Self.sync([.init(speaker: "agent", text: "Hello. Please call us back.", startMs: 6200, intent: "voicemail")])
        )
        #expect(left == "AI voice call CA1: Voicemail, 21 s\nVoicemail: message left\n[00:00:06] AGENT: Hello. Please call us back.")
        let cut = CallTask.description(
            of: Self.sync([.init(speaker: "agent", text: "Hello. Please call us back.", startMs: 6200, interrupted: true, intent: "voicemail")])
        )
        #expect(cut.contains("Voicemail: the message was cut off"))
        #expect(!CallTask.description(of: Self.sync([])).contains("Voicemail:"))
    }

    @Test func aHandedOffCallSaysToWhom() {
        var sync = Self.sync([.init(speaker: "agent", text: "Please hold.", startMs: 9000, intent: "hand_off")])
        sync.transferredTo = "+14155550199"
        #expect(CallTask.description(of: sync).contains("\nHanded off to a person: +14155550199\n[00:00:09] AGENT: Please hold."))
    }

    /// The window in the callee's own zone, whatever the worker's.
    @Test func aCallbackIsDatedInTheCalleesZone() {
        var sync = Self.sync([.init(speaker: "agent", text: "A specialist will call you tomorrow afternoon.", startMs: 9000, intent: "callback")])
        // 2026-12-08 18:00 UTC is 12:00 in Chicago; five hours later is 17:00.
        let from = Date(timeIntervalSince1970: 1_796_752_800)
        sync.callback = ScheduledCallback(from: from, until: from.addingTimeInterval(5 * 3600), timeZone: "America/Chicago")
        #expect(CallTask.description(of: sync).contains("\nCallback asked for: Tue 2026-12-08 12:00–17:00 America/Chicago\n[00:00:09]"))
    }
}
