import Dispatch
import Foundation
import Synchronization

/// What to undo when the operator interrupts a command that started things of its own (Ctrl-C,
/// SIGTERM, or SIGHUP when its terminal goes away): child processes killed, the throwaway
/// cluster stopped and removed. Without it an interrupted `dialer-lab chaos` left its workers, its
/// webhook server and its cluster running.
/// The handlers are installed on the first registration, so commands that register nothing
/// keep the default signal behaviour.
public final class InterruptCleanup: Sendable {
    public static let shared = InterruptCleanup()

    private let actions = Mutex<[(id: UUID, run: @Sendable () -> Void)]>([])
    private let installed = Mutex(false)
    // Dispatch sources are not Sendable; they are only kept alive here, never touched again.
    nonisolated(unsafe) private static var sources: [any DispatchSourceSignal] = []

    /// Runs `action` if the process is interrupted before `remove` is called with the result.
    @discardableResult
    public func add(_ action: @escaping @Sendable () -> Void) -> UUID {
        let id = UUID()
        actions.withLock { $0.append((id, action)) }
        installOnce()
        return id
    }

    public func remove(_ id: UUID) {
        actions.withLock { $0.removeAll { $0.id == id } }
    }

    /// Undoes everything registered, then exits: for an interrupt, and for a command that
    /// gives up on itself (a watchdog).
    public func undoAllAndExit(_ status: Int32) -> Never {
        // Last registered, first undone: children before the cluster they use.
        for action in actions.withLock({ $0 }).reversed() { action.run() }
        exit(status)
    }

    private func installOnce() {
        let first = installed.withLock { installed -> Bool in
            defer { installed = true }
            return !installed
        }
        guard first else { return }
        for signalNumber in [SIGINT, SIGTERM, SIGHUP] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { [self] in
                FileHandle.standardError.write(Data("\ninterrupted: cleaning up\n".utf8))
                undoAllAndExit(128 + signalNumber)
            }
            source.resume()
            Self.sources.append(source)
        }
    }
}
