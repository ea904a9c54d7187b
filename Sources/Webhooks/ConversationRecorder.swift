import Foundation
import Logging
import Store
import Voice

/// Writes a call's transcript entries and opt-out to Postgres as the conversation goes,
/// off the path that sends audio: entries queue here and one task writes whatever has
/// queued, in order. A failed write keeps its entries for the next attempt (the insert is
/// idempotent on CallSid and seq), so a database blip delays rows rather than losing them.
final class ConversationRecorder: Sendable {
    private enum Item: Sendable {
        case entry(TranscriptEntryRecord)
        case optOut
    }

    private let input: AsyncStream<Item>.Continuation
    private let writer: Task<Void, Never>

    init(streams: MediaStreamStore, callSID: String, attemptID: UUID, metrics: WebhookMetrics, logger: Logger) {
        let (items, input) = AsyncStream.makeStream(of: Item.self)
        self.input = input
        writer = Task {
            var pending: [TranscriptEntryRecord] = []
            for await item in items {
                switch item {
                case .entry(let entry):
                    pending.append(entry)
                    pending = await Self.write(pending, streams: streams, callSID: callSID, attemptID: attemptID, metrics: metrics, logger: logger)
                case .optOut:
                    do {
                        try await metrics.database("record_opt_out") { try await streams.recordOptOut(callSID: callSID, attemptID: attemptID) }
                        logger.notice("callee opted out: number added to the DNC list", metadata: ["call_sid": "\(callSID)"])
                    } catch {
                        logger.error("opt-out not recorded", metadata: ["call_sid": "\(callSID)", "error": "\(String(reflecting: error))"])
                    }
                }
            }
            // The stream is over: a last try for anything a failed write left.
            for _ in 0..<3 where !pending.isEmpty {
                try? await Task.sleep(for: .milliseconds(200))
                pending = await Self.write(pending, streams: streams, callSID: callSID, attemptID: attemptID, metrics: metrics, logger: logger)
            }
        }
    }

    func record(_ entry: TranscriptEntry) {
        input.yield(.entry(TranscriptEntryRecord(
            seq: entry.seq, speaker: entry.speaker.rawValue, text: entry.text, startMs: entry.startMs, endMs: entry.endMs,
            interrupted: entry.interrupted, confidence: entry.confidence, intent: entry.intent
        )))
    }

    func recordOptOut() {
        input.yield(.optOut)
    }

    /// Returns once everything recorded has been written (or given up on).
    func finish() async {
        input.finish()
        await writer.value
    }

    /// Writes `pending`; returns what is still to write (nothing, or all of it on failure).
    private static func write(
        _ pending: [TranscriptEntryRecord], streams: MediaStreamStore, callSID: String, attemptID: UUID, metrics: WebhookMetrics, logger: Logger
    ) async -> [TranscriptEntryRecord] {
        do {
            try await metrics.database("append_transcript") { try await streams.append(pending, callSID: callSID, attemptID: attemptID) }
            return []
        } catch {
            logger.error("transcript entries not written yet", metadata: ["call_sid": "\(callSID)", "error": "\(String(reflecting: error))"])
            return pending
        }
    }
}
