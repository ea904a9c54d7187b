import Queue

/// `reconcile_calls`: asks Twilio about calls whose status never came (ReconcileCallsHandler).
/// One recurring job; every worker that runs the kind makes sure it exists.
public struct ReconcileCallsArgs: RecurringJobArgs {
    public static let kind = "reconcile_calls"
    public init() {}
}

/// `complete_campaigns`: completes the campaigns that are finished (CompleteCampaignsHandler).
/// One recurring job; every worker that runs the kind makes sure it exists.
public struct CompleteCampaignsArgs: RecurringJobArgs {
    public static let kind = "complete_campaigns"
    public init() {}
}

/// `prune_idempotency_keys`: deletes the API's stored answers past their 24 hours
/// (PruneIdempotencyKeysHandler). One recurring job; every worker makes sure it exists.
public struct PruneIdempotencyKeysArgs: RecurringJobArgs {
    public static let kind = "prune_idempotency_keys"
    public init() {}
}
