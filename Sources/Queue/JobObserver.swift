/// Sees what a ``JobRunner`` does, for metrics: jobs claimed, and each run's outcome and
/// duration, by kind. Called on the runner's own tasks: keep it cheap.
public protocol JobObserver: Sendable {
    func claimed(kind: String, count: Int)
    /// `outcome`: completed, snoozed, cancelled, failed, released, or lost (a run given up on
    /// because its lease was taken back or could not be extended).
    func finished(kind: String, outcome: String, duration: Duration)
}
