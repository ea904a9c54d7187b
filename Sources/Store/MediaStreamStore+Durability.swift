import Foundation
import Logging
import PostgresNIO
import Queue

/// What keeps a conversation's record whatever fails on the way: text Postgres cannot store
/// is cleaned, an entry Postgres refuses does not hold back the others, and what cannot be
/// written now is handed to a durable job (`record_conversation`) that a worker writes later.
extension MediaStreamStore {

    /// What a `record_conversation` job writes.
    public struct Leftovers: Codable, Sendable, Equatable {
        public var callSID: String
        public var attemptID: UUID
        public var entries: [TranscriptEntryRecord]
        /// The callee opted out on the call: the number must reach the DNC list.
        public var optOut: Bool
        /// The callee picked a time to be called back: the contact's next call must be scheduled.
        public var callback: ScheduledCallback?

        public init(callSID: String, attemptID: UUID, entries: [TranscriptEntryRecord], optOut: Bool, callback: ScheduledCallback? = nil) {
            self.callSID = callSID
            self.attemptID = attemptID
            self.entries = entries
            self.optOut = optOut
            self.callback = callback
        }
    }

    /// `text` as a Postgres `text` value can hold it: without NUL (a model's reply may carry one).
    static func storable(_ text: String) -> String {
        text.contains("\u{0}") ? text.replacingOccurrences(of: "\u{0}", with: "") : text
    }

    /// Writes `entries` like ``append(_:callSID:attemptID:)``, except that an entry Postgres
    /// refuses for what it is (a value out of range, a broken constraint) is left out and
    /// returned, so that the others are written. Any other failure (the database is away) is
    /// thrown, with nothing left out.
    @discardableResult
    public func appendEach(_ entries: [TranscriptEntryRecord], callSID: String, attemptID: UUID?) async throws -> [TranscriptEntryRecord] {
        do {
            try await append(entries, callSID: callSID, attemptID: attemptID)
            return []
        } catch let error as PSQLError where Self.isAboutTheData(error) && entries.count > 1 {
            var refused: [TranscriptEntryRecord] = []
            for entry in entries {
                do {
                    try await append([entry], callSID: callSID, attemptID: attemptID)
                } catch let error as PSQLError where Self.isAboutTheData(error) {
                    refused.append(entry)
                }
            }
            return refused
        } catch let error as PSQLError where Self.isAboutTheData(error) {
            return entries
        }
    }

    /// SQLSTATE classes 22 (data exception) and 23 (integrity constraint violation): writing
    /// the same values again will fail again.
    static func isAboutTheData(_ error: PSQLError) -> Bool {
        guard let state = error.serverInfo?[.sqlState] else { return false }
        return state.hasPrefix("22") || state.hasPrefix("23")
    }

    /// Hands what could not be written to a worker, as a job that retries with backoff. One
    /// INSERT: it succeeds whenever Postgres takes any write at all.
    public func handOff(_ leftovers: Leftovers) async throws {
        var leftovers = leftovers
        // jsonb refuses \u0000 as text does.
        for index in leftovers.entries.indices {
            leftovers.entries[index].text = Self.storable(leftovers.entries[index].text)
            leftovers.entries[index].intent = leftovers.entries[index].intent.map(Self.storable)
        }
        try await JobQueue(database: database).enqueue(leftovers)
    }
}
