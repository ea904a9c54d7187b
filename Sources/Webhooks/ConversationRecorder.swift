import Foundation
import Logging
import Store
import Voice

/// Writes a call's transcript entries, opt-out and callback to Postgres as the conversation goes,
/// off the path that sends audio: entries queue here and one task writes whatever has
/// queued, in order.
///
/// Nothing is given up lightly. A failed write keeps its entries for the next one (the
/// insert is idempotent on CallSid and seq); an entry Postgres refuses for what it is does
/// not hold back the others; an opt-out or a callback that cannot be written is tried again
/// at once and then handed to a durable `record_conversation` job. When the stream is over, whatever is
/// left is retried with backoff, handed to a job once the quick tries are spent, and kept
/// trying for ``Persistence/keepTrying`` (a Postgres outage of minutes), since a process
/// that exits with it loses it.
public final class ConversationRecorder: Sendable {
    /// How hard the recorder tries before a write is lost.
    public struct Persistence: Sendable {
        /// Tries before what is left is handed to a job.
        public var quickTries = 3
        /// The first wait between tries, doubled each time up to `longestWait`.
        public var firstWait: Duration = .milliseconds(200)
        public var longestWait: Duration = .seconds(5)
        /// How long after the stream's end the recorder keeps trying (writing, or handing off).
        public var keepTrying: Duration = .seconds(300)

        public init() {}

        func wait(afterTry n: Int) -> Duration {
            min(firstWait * (1 << min(n, 20)), longestWait)
        }
    }

    private enum Item: Sendable {
        case entry(TranscriptEntryRecord)
        case optOut
        case callback(ScheduledCallback)
    }

    /// What is still to be written.
    private struct Backlog {
        var entries: [TranscriptEntryRecord] = []
        var optOut = false
        var callback: ScheduledCallback?
        var isEmpty: Bool { entries.isEmpty && !optOut && callback == nil }
        /// What must not wait for the next entry, nor be lost with this process.
        var isUrgent: Bool { optOut || callback != nil }
    }

    private let input: AsyncStream<Item>.Continuation
    private let writer: Task<Void, Never>

    public init(
        streams: MediaStreamStore,
        callSID: String,
        attemptID: UUID,
        metrics: WebhookMetrics,
        persistence: Persistence = Persistence(),
        logger: Logger
    ) {
        let (items, input) = AsyncStream.makeStream(of: Item.self)
        self.input = input
        let writing = Writing(streams: streams, callSID: callSID, attemptID: attemptID, metrics: metrics, persistence: persistence, logger: logger)
        writer = Task {
            var backlog = Backlog()
            for await item in items {
                switch item {
                case .entry(let entry): backlog.entries.append(entry)
                case .optOut: backlog.optOut = true
                case .callback(let callback): backlog.callback = callback
                }
                backlog = await writing.write(backlog)
                if backlog.isUrgent { backlog = await writing.persist(backlog, for: persistence.quickTries) }
            }
            // The stream is over: keep at it until written, handed off, or out of time.
            backlog = await writing.persist(backlog, for: nil)
            if !backlog.isEmpty {
                logger.critical(
                    "conversation record lost after retrying",
                    metadata: [
                        "call_sid": "\(callSID)", "entries": "\(backlog.entries.count)", "opt_out": "\(backlog.optOut)",
                        "callback": "\(backlog.callback != nil)",
                    ]
                )
            }
        }
    }

    public func record(_ entry: TranscriptEntry) {
        input.yield(
            .entry(
                TranscriptEntryRecord(
                    seq: entry.seq,
                    speaker: entry.speaker.rawValue,
                    text: entry.text,
                    startMs: entry.startMs,
                    endMs: entry.endMs,
                    interrupted: entry.interrupted,
                    confidence: entry.confidence,
                    intent: entry.intent
                )
            )
        )
    }

    public func recordOptOut() {
        input.yield(.optOut)
    }

    public func recordCallback(_ callback: ScheduledCallback) {
        input.yield(.callback(callback))
    }

    /// Returns once everything recorded has been written, handed off, or given up on.
    public func finish() async {
        input.finish()
        await writer.value
    }

    /// The writes themselves.
    private struct Writing: Sendable {
        let streams: MediaStreamStore
        let callSID: String
        let attemptID: UUID
        let metrics: WebhookMetrics
        let persistence: Persistence
        let logger: Logger

        /// One try at everything in `backlog`; returns what is still to write.
        func write(_ backlog: Backlog) async -> Backlog {
            var backlog = backlog
            if backlog.optOut {
                do {
                    _ = try await metrics.database("record_opt_out") { try await streams.recordOptOut(callSID: callSID, attemptID: attemptID) }
                    logger.notice("callee opted out: number added to the DNC list", metadata: ["call_sid": "\(callSID)"])
                    backlog.optOut = false
                } catch {
                    logger.error("opt-out not recorded yet", metadata: ["call_sid": "\(callSID)", "error": "\(String(reflecting: error))"])
                }
            }
            if let callback = backlog.callback {
                do {
                    _ = try await metrics.database("schedule_callback") { try await streams.recordCallback(callback, attemptID: attemptID) }
                    logger.info("callback scheduled", metadata: ["call_sid": "\(callSID)", "from": "\(callback.from)"])
                    backlog.callback = nil
                } catch {
                    logger.error("callback not scheduled yet", metadata: ["call_sid": "\(callSID)", "error": "\(String(reflecting: error))"])
                }
            }
            guard !backlog.entries.isEmpty else { return backlog }
            do {
                let refused = try await metrics.database("append_transcript") {
                    try await streams.appendEach(backlog.entries, callSID: callSID, attemptID: attemptID)
                }
                for entry in refused {
                    metrics.conversationFailure(stage: "transcript_entry_refused")
                    logger.error("transcript entry refused by Postgres: left out", metadata: ["call_sid": "\(callSID)", "seq": "\(entry.seq)"])
                }
                backlog.entries = []
            } catch {
                logger.error("transcript entries not written yet", metadata: ["call_sid": "\(callSID)", "error": "\(String(reflecting: error))"])
            }
            return backlog
        }

        /// Tries `backlog` again with backoff; once the quick tries are spent, hands what is
        /// left to a job. `tries`: at most that many, or (nil) until ``Persistence/keepTrying``.
        func persist(_ backlog: Backlog, for tries: Int?) async -> Backlog {
            var backlog = backlog
            let deadline = ContinuousClock.now + persistence.keepTrying
            var n = 0
            while !backlog.isEmpty, tries.map({ n < $0 }) ?? (ContinuousClock.now < deadline) {
                try? await Task.sleep(for: persistence.wait(afterTry: n))
                n += 1
                backlog = await write(backlog)
                if !backlog.isEmpty, n >= persistence.quickTries { backlog = await handOff(backlog) }
            }
            return backlog
        }

        /// What is left, as a `record_conversation` job; returns what is still to write.
        func handOff(_ backlog: Backlog) async -> Backlog {
            do {
                try await streams.handOff(
                    .init(callSID: callSID, attemptID: attemptID, entries: backlog.entries, optOut: backlog.optOut, callback: backlog.callback)
                )
                logger.warning(
                    "conversation record handed to a worker",
                    metadata: [
                        "call_sid": "\(callSID)", "entries": "\(backlog.entries.count)", "opt_out": "\(backlog.optOut)",
                        "callback": "\(backlog.callback != nil)",
                    ]
                )
                return Backlog()
            } catch {
                logger.error("conversation record not handed off yet", metadata: ["call_sid": "\(callSID)", "error": "\(String(reflecting: error))"])
                return backlog
            }
        }
    }
}
