/// Code the Sandbox runs at given moments of a call create, so that a test or `dialer-lab`
/// can act on the dialer from outside at that instant: SIGKILL the worker that sent the
/// request, say, where a crash is hardest to recover from. The production dialer has no
/// switch for it; the faults come from here.
extension SandboxTwilio {
    /// What the Sandbox does with a call create once `beforeCallCreate` has run.
    public enum HookVerdict: Sendable, Equatable {
        /// Carry on as if nothing had happened.
        case proceed
        /// Make no call and answer 503, which the sender, killed by the hook, never reads:
        /// from its side, it died before its POST.
        case drop
    }

    public struct Hooks: Sendable {
        /// A call create has arrived and is authenticated; no call exists yet. Gets the To number.
        public var beforeCallCreate: (@Sendable (_ to: String) async -> HookVerdict)?
        /// The call exists; its answer has not been sent yet. Gets the To number.
        public var afterCallCreate: (@Sendable (_ to: String) async -> Void)?

        public init(
            beforeCallCreate: (@Sendable (_ to: String) async -> HookVerdict)? = nil,
            afterCallCreate: (@Sendable (_ to: String) async -> Void)? = nil
        ) {
            self.beforeCallCreate = beforeCallCreate
            self.afterCallCreate = afterCallCreate
        }
    }

    public var hooks: Hooks {
        get { state.withLock { $0.hooks } }
        set { state.withLock { $0.hooks = newValue } }
    }
}
