/// Counting events in sliding windows: how the pacing test and `dialer-lab bench pacing` judge a
/// rate limit from what the far end saw.
public enum RateWindow {
    /// The most events in any half-open window [t, t + width) over `instants` (seconds).
    public static func busiest(_ instants: [Double], width: Double = 1) -> Int {
        let sorted = instants.sorted()
        var best = 0
        var first = 0
        for last in sorted.indices {
            while sorted[last] - sorted[first] >= width { first += 1 }
            best = max(best, last - first + 1)
        }
        return best
    }

    /// How many windows [t, t + width), one starting at each event, hold more than `limit`.
    public static func windowsAbove(_ limit: Int, _ instants: [Double], width: Double = 1) -> Int {
        let sorted = instants.sorted()
        var count = 0
        var last = 0
        for first in sorted.indices {
            last = max(last, first)
            while last + 1 < sorted.count && sorted[last + 1] - sorted[first] < width { last += 1 }
            if last - first + 1 > limit { count += 1 }
        }
        return count
    }
}

extension SandboxTwilio {
    /// When each create that made a call arrived, in seconds since 1970.
    public var callCreateInstants: [Double] {
        requests.filter { $0.method == "POST" && $0.path.hasSuffix("/Calls.json") && ($0.status == 201 || $0.status == 500) }
            .map { $0.receivedAt.timeIntervalSince1970 }
    }
}
