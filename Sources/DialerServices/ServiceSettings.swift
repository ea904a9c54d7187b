/// An outside service as a process's configuration has it: its settings, or why it has none.
/// A worker leaves the job kinds of a service it has no settings for to workers that have
/// them, and says so at start.
public enum ServiceSettings<Settings: Sendable>: Sendable {
    case configured(Settings)
    case notConfigured(reason: String)

    /// The settings, when configured.
    public var settings: Settings? {
        if case .configured(let settings) = self { return settings }
        return nil
    }
}
