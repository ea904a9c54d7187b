import Foundation
import Synchronization

/// Gathers the status callbacks that arrive while others are being written, and writes them
/// together: group commit in the application.
///
/// No timer and no added wait: a callback that finds a writer free is written at once, alone.
/// Only when every writer is busy do callbacks queue, and the next free writer takes all that
/// queued (up to `maxBatch`) in one statement and one commit. Under load batches grow by
/// themselves, which is when they pay. Each caller gets its own result once its batch has
/// committed; when a batch fails, its callbacks are written one by one, so one bad callback
/// fails alone.
final class CallStatusBatcher: Sendable {
    let writer: CallStatusWriter
    let maxWriters: Int
    let maxBatch: Int

    private struct Pending {
        let event: CallStatusEvent
        let continuation: CheckedContinuation<CallStatusResult, any Error>
    }

    private struct State {
        var queue: [Pending] = []
        var writers = 0
    }

    private let state = Mutex(State())

    init(writer: CallStatusWriter, maxWriters: Int, maxBatch: Int = 128) {
        self.writer = writer
        self.maxWriters = maxWriters
        self.maxBatch = maxBatch
    }

    func record(_ event: CallStatusEvent) async throws -> CallStatusResult {
        try await withCheckedThrowingContinuation { continuation in
            let startsWriter = state.withLock { state in
                state.queue.append(Pending(event: event, continuation: continuation))
                guard state.writers < maxWriters else { return false }
                state.writers += 1
                return true
            }
            if startsWriter {
                Task { await self.drain() }
            }
        }
    }

    /// Writes batches until the queue is empty, then retires.
    private func drain() async {
        while true {
            let batch = state.withLock { state -> [Pending] in
                let batch = Array(state.queue.prefix(maxBatch))
                state.queue.removeFirst(batch.count)
                if batch.isEmpty { state.writers -= 1 }
                return batch
            }
            guard !batch.isEmpty else { return }
            do {
                let results = try await writer.write(batch.map(\.event))
                for (pending, result) in zip(batch, results) { pending.continuation.resume(returning: result) }
            } catch  where batch.count > 1 {
                for pending in batch {
                    do {
                        pending.continuation.resume(returning: try await writer.write([pending.event])[0])
                    } catch {
                        pending.continuation.resume(throwing: error)
                    }
                }
            } catch {
                batch[0].continuation.resume(throwing: error)
            }
        }
    }
}
