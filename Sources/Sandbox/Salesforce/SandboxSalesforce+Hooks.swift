/// Code the Sandbox runs at given moments of a data request, so that a test or `dialer-lab`
/// can act on the dialer from outside at that instant: SIGKILL the worker whose Tasks were
/// just written, before it hears so, say. The production dialer has no switch for it.
extension SandboxSalesforce {
    public struct Hooks: Sendable {
        /// A request has created or updated at least one Task; its answer has not been sent yet.
        /// (Requests run at once are not told apart: it runs after any Task write made while
        /// this request was carried out.)
        public var afterTaskWrite: (@Sendable () async -> Void)?

        public init(afterTaskWrite: (@Sendable () async -> Void)? = nil) {
            self.afterTaskWrite = afterTaskWrite
        }
    }

    public var hooks: Hooks {
        get { state.withLock { $0.hooks } }
        set { state.withLock { $0.hooks = newValue } }
    }
}
