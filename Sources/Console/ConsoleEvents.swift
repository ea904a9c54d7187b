import Foundation
import Logging
import PostgresNIO
import Store
import Synchronization

/// The console's one LISTEN connection per process, fanned out to every open live stream.
///
/// Triggers (sql/0021_console.sql) send small payloads on ``channel``: `campaign:<id>`,
/// `call:<CallSid>` and `tasks`. Each stream says which payloads concern it and is signalled
/// (``ChangeSignal``, which folds bursts) when one arrives; it then re-reads what it shows.
///
/// The connection is taken from the pool only while at least one stream is open, and given
/// back when the last one closes. It is the only place the console LISTENs: behind a
/// transaction-pooling PgBouncer, this is the connection that must go to Postgres directly.
final class ConsoleEvents: Sendable {
    static let channel = "dialer_console"

    private struct Subscriber {
        let wants: @Sendable (String) -> Bool
        let signal: ChangeSignal
    }

    private struct State {
        var subscribers: [Int: Subscriber] = [:]
        var nextID = 0
        var listener: Task<Void, Never>?
    }

    private let database: Database
    private let logger: Logger
    private let state = Mutex(State())
    /// Told of every campaign change, so cached progress is read again.
    private let progress: CampaignProgressCache

    init(database: Database, logger: Logger, progress: CampaignProgressCache) {
        self.database = database
        self.logger = logger
        self.progress = progress
    }

    /// Open streams, for the tests.
    var subscriberCount: Int { state.withLock { $0.subscribers.count } }

    /// Registers a stream; `wants` picks the payloads that concern it.
    func subscribe(_ wants: @escaping @Sendable (String) -> Bool) -> (id: Int, signal: ChangeSignal) {
        let signal = ChangeSignal()
        let id = state.withLock { state -> Int in
            let id = state.nextID
            state.nextID += 1
            state.subscribers[id] = Subscriber(wants: wants, signal: signal)
            if state.listener == nil {
                state.listener = Task { await self.listen() }
            }
            return id
        }
        return (id, signal)
    }

    func unsubscribe(_ id: Int) {
        let listener = state.withLock { state -> Task<Void, Never>? in
            state.subscribers[id] = nil
            guard state.subscribers.isEmpty else { return nil }
            defer { state.listener = nil }
            return state.listener
        }
        listener?.cancel()
    }

    private func deliver(_ payload: String?) {
        if payload?.hasPrefix("campaign:") ?? true { progress.noteChange() }
        let signals = state.withLock { state in
            state.subscribers.values.filter { subscriber in payload.map(subscriber.wants) ?? true }.map(\.signal)
        }
        for signal in signals { signal.signal() }
    }

    private func listen() async {
        while !Task.isCancelled {
            do {
                try await database.listener.withConnection { connection in
                    try await connection.listen(on: Self.channel) { notifications in
                        // Whatever changed while nobody listened is found by this look.
                        self.deliver(nil)
                        for try await notification in notifications {
                            self.deliver(notification.payload)
                        }
                    }
                }
            } catch {
                if Task.isCancelled { return }
                logger.warning("console LISTEN connection lost; retrying", metadata: ["error": "\(String(reflecting: error))"])
            }
            guard (try? await Task.sleep(for: .seconds(1))) != nil else { return }
        }
    }
}
