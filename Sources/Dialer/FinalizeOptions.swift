import ArgumentParser
import Foundation
import Worker

/// How `dialer worker` writes Tasks; each flag overrides its environment variable.
struct FinalizeOptions: ParsableArguments {
    @Option(help: "The Task's external-ID field that holds the CallSid, such as CallSid__c; Tasks are then upserted on it ($DIALER_TASK_EXTERNAL_ID_FIELD).")
    var taskExternalIDField: String?

    @Option(help: "Task Status for an answered call ($DIALER_TASK_STATUS_ANSWERED, default Completed).")
    var taskStatusAnswered: String?

    @Option(help: "Task Status for a call nobody answered ($DIALER_TASK_STATUS_NOT_ANSWERED, default Not Answered).")
    var taskStatusNotAnswered: String?

    /// The environment with these flags laid over it.
    func environment(_ base: [String: String]) -> [String: String] {
        var merged = base
        if let taskExternalIDField { merged["DIALER_TASK_EXTERNAL_ID_FIELD"] = taskExternalIDField }
        if let taskStatusAnswered { merged["DIALER_TASK_STATUS_ANSWERED"] = taskStatusAnswered }
        if let taskStatusNotAnswered { merged["DIALER_TASK_STATUS_NOT_ANSWERED"] = taskStatusNotAnswered }
        return merged
    }

    /// The finalizer's configuration from the environment. `DIALER_TASK_SYNC_LEASE` and
    /// `DIALER_FINALIZE_STREAM_WAIT` (seconds) are for tests and unusual deployments.
    static func configuration(_ environment: [String: String]) throws -> FinalizeConfiguration {
        var configuration = FinalizeConfiguration(externalIDField: environment["DIALER_TASK_EXTERNAL_ID_FIELD"].flatMap { $0.isEmpty ? nil : $0 })
        if let field = configuration.externalIDField, field.range(of: #"^[A-Za-z][A-Za-z0-9_]*$"#, options: .regularExpression) == nil {
            throw CommandFailure("DIALER_TASK_EXTERNAL_ID_FIELD / --task-external-id-field must be a field's API name, such as CallSid__c, not \(field)")
        }
        if let status = environment["DIALER_TASK_STATUS_ANSWERED"], !status.isEmpty { configuration.answeredStatus = status }
        if let status = environment["DIALER_TASK_STATUS_NOT_ANSWERED"], !status.isEmpty { configuration.notAnsweredStatus = status }
        if let seconds = environment["DIALER_TASK_SYNC_LEASE"].flatMap(Double.init) { configuration.lease = .milliseconds(Int64(seconds * 1000)) }
        if let seconds = environment["DIALER_FINALIZE_STREAM_WAIT"].flatMap(Double.init) { configuration.streamWait = .milliseconds(Int64(seconds * 1000)) }
        return configuration
    }

    /// The crash test's hook: `DIALER_FAULT=kill-after-task-write` makes the worker SIGKILL
    /// itself once Salesforce has answered a Task write, before the sync is recorded.
    static func afterWrite(_ environment: [String: String]) -> (@Sendable ([String]) async throws -> Void)? {
        guard environment["DIALER_FAULT"] == "kill-after-task-write" else { return nil }
        return { _ in kill(getpid(), SIGKILL) }
    }
}
