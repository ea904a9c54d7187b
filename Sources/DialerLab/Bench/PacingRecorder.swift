import DialerServices
import Foundation
import Synchronization
import Worker

/// Keeps every pacing figure a worker sees, and writes them as JSON when it stops: how
/// `dialer-lab bench pacing` learns what its worker processes (`dialer-lab pacing-worker
/// --stats-file`) measured.
final class PacingRecorder: DialingObserver {
    struct Figures: Codable {
        var reserveMs: [Double] = []
        var postLateMs: [Double] = []
        var missedLateMs: [Double] = []
    }

    let figures = Mutex(Figures())

    func slotReserved(latency: Duration) { figures.withLock { $0.reserveMs.append(latency.milliseconds) } }
    func callPosted(late: Duration) { figures.withLock { $0.postLateMs.append(late.milliseconds) } }
    func slotMissed(late: Duration) { figures.withLock { $0.missedLateMs.append(late.milliseconds) } }

    func write(to path: String) throws {
        try JSONEncoder().encode(figures.withLock { $0 }).write(to: URL(fileURLWithPath: path))
    }
}

extension Duration {
    var milliseconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }
}
