import Foundation
import Salesforce
import Store

/// The Salesforce Task for one call: who, what, the outcome, and the conversation log.
enum CallTask {
    /// Salesforce's limit on Task.Description, in UTF-16 code units as Salesforce counts.
    static let descriptionLimit = 32_000

    /// WhoId is the call's Contact; an API call to a number alone has none, and its Task is
    /// written without one (a Task needs no WhoId; the CallObject still ties it to the call).
    static func make(_ sync: TaskSyncRecord, configuration: FinalizeConfiguration) -> SalesforceTask {
        var task = SalesforceTask(
            WhoId: sync.contactSalesforceID,
            WhatId: sync.accountID,
            Subject: "AI Voice Call - \(sync.disposition)",
            Status: sync.answered ? configuration.answeredStatus : configuration.notAnsweredStatus,
            CallDisposition: sync.disposition,
            CallObject: sync.callSID,
            CallDurationInSeconds: sync.durationSeconds ?? 0,
            ActivityDate: sync.localDate,
            Description: description(of: sync)
        )
        if let field = configuration.externalIDField { task.customFields[field] = sync.callSID }
        return task
    }

    /// A header with the CallSid, then one line per transcript entry (`[00:01:05] CALLEE: …`,
    /// time into the call), interrupted agent turns marked; cut at Salesforce's limit with a
    /// visible marker.
    static func description(of sync: TaskSyncRecord) -> String {
        var header = "AI voice call \(sync.callSID): \(sync.disposition)"
        if let seconds = sync.durationSeconds { header += ", \(seconds) s" }
        var lines = [header]
        if let message = sync.transcript.first(where: { $0.speaker == "agent" && $0.intent == "voicemail" }) {
            // Whether the machine recorded the whole message: Twilio confirmed it played.
            lines.append(message.interrupted ? "Voicemail: the message was cut off" : "Voicemail: message left")
        }
        if let number = sync.transferredTo { lines.append("Handed off to a person: \(number)") }
        if let callback = sync.callback { lines.append("Callback asked for: \(Self.window(callback))") }
        if sync.transcript.isEmpty { lines.append("(no conversation)") }
        for entry in sync.transcript {
            let total = max(0, entry.startMs) / 1000
            let stamp = String(format: "%02d:%02d:%02d", total / 3600, total / 60 % 60, total % 60)
            lines.append("[\(stamp)] \(entry.speaker.uppercased()): \(entry.text)\(entry.interrupted ? " [interrupted]" : "")")
        }
        return truncated(lines.joined(separator: "\n"))
    }

    /// A callback's window in the callee's zone: `Tue 2026-12-08 12:00–17:00 America/Chicago`.
    static func window(_ callback: ScheduledCallback) -> String {
        let zone = TimeZone(identifier: callback.timeZone) ?? .gmt
        let day = DateFormatter()
        day.locale = Locale(identifier: "en_US_POSIX")
        day.timeZone = zone
        day.dateFormat = "EEE yyyy-MM-dd HH:mm"
        let time = DateFormatter()
        time.locale = day.locale
        time.timeZone = zone
        time.dateFormat = "HH:mm"
        return "\(day.string(from: callback.from))–\(time.string(from: callback.until)) \(zone.identifier)"
    }

    /// The text cut to `limit` UTF-16 units, ending with a marker that says so; whole lines
    /// are kept where one fits, and a character is never split.
    static func truncated(_ text: String, limit: Int = descriptionLimit) -> String {
        let length = text.utf16.count
        guard length > limit else { return text }
        let marker = "\n[… transcript truncated: \(length) characters, the rest is in dialer.transcript_entries]"
        var kept = Substring(text)
        while kept.utf16.count > limit - marker.utf16.count { kept = kept.dropLast(max(1, (kept.utf16.count - limit + marker.utf16.count) / 2)) }
        if let lineEnd = kept.lastIndex(of: "\n"), kept.distance(from: lineEnd, to: kept.endIndex) < 2_000 { kept = kept[..<lineEnd] }
        return String(kept) + marker
    }
}
