import Foundation

/// The level of the line's background noise, followed frame by frame by minimum
/// statistics: the quietest smoothed frame level over a sliding window.
///
/// Speech cannot pull the floor up, because speakers pause within any window of a second
/// or two; steady noise (a fan, a car, line hiss) pulls it up within one window. A new
/// stream starts with no history, so noise present from the first frame is the floor from
/// the first frame.
struct NoiseFloor: Sendable {
    private var levels: [Double]
    private var next = 0
    private var filled = 0
    /// Frame power smoothed over about three frames: the minimum of raw 20 ms levels sits
    /// well below a fluctuating noise's typical level.
    private var smoothedPower: Double?

    init(windowFrames: Int) {
        levels = Array(repeating: 0, count: max(1, windowFrames))
    }

    /// Adds one frame's mean power (as a fraction of full scale squared) and returns the
    /// floor in dBFS.
    mutating func update(power: Double) -> Double {
        let smoothed = smoothedPower.map { $0 + (power - $0) / 3 } ?? power
        smoothedPower = smoothed
        levels[next] = decibels(power: smoothed)
        next = (next + 1) % levels.count
        filled = min(filled + 1, levels.count)
        return levels[0..<filled].min() ?? decibels(power: smoothed)
    }
}

/// dBFS of a mean power relative to full scale squared, bottoming out at -100 (digital
/// silence) rather than minus infinity.
func decibels(power: Double) -> Double {
    10 * log10(max(power, 1e-10))
}
