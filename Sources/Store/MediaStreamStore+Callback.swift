import Foundation
import PostgresNIO

/// A callback a callee asked for: the window the contact's next call starts in, and the
/// callee's zone the agent said it in.
public struct ScheduledCallback: Sendable, Equatable, Codable {
    public var from: Date
    public var until: Date
    public var timeZone: String

    public init(from: Date, until: Date, timeZone: String) {
        self.from = from
        self.until = until
        self.timeZone = timeZone
    }
}

extension MediaStreamStore {
    /// Records the callback the callee of `attemptID` asked for, on the attempt and its
    /// contact, and enqueues the contact's next `place_call` for it (`dialer.schedule_callback`;
    /// idempotent). Returns the job's id; nil for an attempt that does not exist.
    @discardableResult
    public func recordCallback(_ callback: ScheduledCallback, attemptID: UUID) async throws -> Int64? {
        let rows = try await database.client.query(
            """
            SELECT dialer.schedule_callback(\(attemptID), \(callback.from), \(callback.until), \(callback.timeZone), \(PlaceCallArgs.kind))
            """,
            logger: logger
        )
        for try await job in rows.decode(Int64?.self) { return job }
        return nil
    }
}
