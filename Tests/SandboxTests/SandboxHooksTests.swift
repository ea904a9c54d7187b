import AsyncHTTPClient
import Foundation
import NIOCore
import Salesforce
import Sandbox
import Synchronization
import TestSupport
import Testing
import Twilio

/// The moments at which the Sandboxes let a test act from outside the dialer (the crash
/// tests SIGKILL a worker there): each hook runs at its moment, and the request then goes on
/// as the hook says.
@Suite struct SandboxHooksTests {
    struct IDOnly: Decodable, Sendable { let Id: String }

    /// A raw call create, so that a 503 is seen as it is sent, without a client's retries.
    static func postCall(_ configuration: TwilioConfiguration, to: String) async throws -> Int {
        var request = HTTPClientRequest(url: "\(configuration.baseURL)/2010-04-01/Accounts/\(configuration.accountSID)/Calls.json")
        request.method = .POST
        let credentials = Data("\(configuration.username):\(configuration.secret)".utf8).base64EncodedString()
        request.headers.add(name: "Authorization", value: "Basic \(credentials)")
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        let form = "To=\(to.replacingOccurrences(of: "+", with: "%2B"))&From=%2B14155550100&Url=https%3A%2F%2Fdialer.example.com%2Ftwilio%2Fvoice"
        request.body = .bytes(ByteBuffer(string: form))
        return Int(try await HTTPClient.shared.execute(request, timeout: .seconds(5)).status.code)
    }

    @Test func aCallCreateDroppedBeforeCreatingMakesNoCallAndTheNextOneGoesThrough() async throws {
        try await withSandboxTwilio(configure: { $0.simulatesCalls = false }) { sandbox, configuration in
            let seen = Mutex<[String]>([])
            sandbox.hooks.beforeCallCreate = { to in
                seen.withLock { $0.append(to) }
                return seen.withLock { $0.count } == 1 ? .drop : .proceed
            }
            let dropped = try await Self.postCall(configuration, to: "+14155550123")
            #expect(dropped == 503)
            #expect(sandbox.calls.isEmpty, "a dropped create makes no call")
            let next = try await Self.postCall(configuration, to: "+14155550123")
            #expect(next == 201)
            #expect(sandbox.calls.count == 1)
            let numbers = seen.withLock { $0 }
            #expect(numbers == ["+14155550123", "+14155550123"])
        }
    }

    @Test func afterCallCreateRunsOnceTheCallExistsAndBeforeItsAnswer() async throws {
        try await withSandboxTwilio(configure: { $0.simulatesCalls = false }) { sandbox, configuration in
            let callsWhenRun = Mutex<Int?>(nil)
            let answered = Mutex(false)
            sandbox.hooks.afterCallCreate = { _ in
                callsWhenRun.withLock { $0 = sandbox.calls.count }
                try? await Task.sleep(for: .milliseconds(300))
                let early = answered.withLock { $0 }
                #expect(!early, "the answer waits for the hook")
            }
            let started = ContinuousClock.now
            let status = try await Self.postCall(configuration, to: "+14155550124")
            answered.withLock { $0 = true }
            #expect(status == 201)
            let calls = callsWhenRun.withLock { $0 }
            #expect(calls == 1, "the call existed when the hook ran")
            #expect(ContinuousClock.now - started >= .milliseconds(300))
        }
    }

    @Test func afterTaskWriteRunsBeforeSalesforceAnswersAndNotForOtherRequests() async throws {
        try await withSandboxSalesforce { sandbox, configuration in
            let client = SalesforceClient(configuration: configuration, logger: TestDatabase.testLogger)
            let tasksWhenRun = Mutex<[Int]>([])
            sandbox.hooks.afterTaskWrite = { tasksWhenRun.withLock { $0.append(sandbox.records(ofType: "Task").count) } }
            _ = try await client.query("SELECT Id FROM Contact", as: IDOnly.self)
            let afterQuery = tasksWhenRun.withLock { $0 }
            #expect(afterQuery.isEmpty, "a query writes no Task")
            let task = SalesforceTask(
                WhoId: nil,
                WhatId: nil,
                Subject: "AI Voice Call - answered",
                Status: "Completed",
                CallDisposition: "answered",
                CallObject: "CA1",
                CallDurationInSeconds: 42,
                ActivityDate: "2026-11-24",
                Description: ""
            )
            let results = try await client.createTasks([task, task])
            let saved = results.filter { $0.success }.count
            #expect(saved == 2)
            let afterWrite = tasksWhenRun.withLock { $0 }
            #expect(afterWrite == [2], "one run per request, once its Tasks exist")
        }
    }
}
