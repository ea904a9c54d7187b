import Logging
import Queue
import Store

/// Runs runners in the background for the duration of `body`, then stops them gracefully.
public func withRunners<Result: Sendable>(_ runners: [JobRunner], _ body: () async throws -> Result) async throws -> Result {
    try await withThrowingTaskGroup(of: Void.self) { group in
        for runner in runners { group.addTask { await runner.runUntilStopped() } }
        do {
            let result = try await body()
            for runner in runners { runner.stop() }
            try await group.waitForAll()
            return result
        } catch {
            for runner in runners { runner.stop() }
            try? await group.waitForAll()
            throw error
        }
    }
}

/// A runner configuration for tests: fast polls and short intervals.
public func testConfiguration(concurrency: Int = 20, batch: Int = 20) -> JobRunnerConfiguration {
    var configuration = JobRunnerConfiguration()
    configuration.concurrency = concurrency
    configuration.claimBatch = batch
    configuration.pollInterval = .milliseconds(50)
    configuration.maintenanceInterval = .milliseconds(200)
    configuration.heartbeatInterval = .seconds(2)
    return configuration
}

public func runner(_ db: Database, _ handlers: [any JobHandler], _ configuration: JobRunnerConfiguration = testConfiguration()) -> JobRunner {
    JobRunner(queue: JobQueue(database: db), handlers: handlers, configuration: configuration, logger: TestDatabase.testLogger)
}
