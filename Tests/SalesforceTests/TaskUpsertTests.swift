import Foundation
import Sandbox
import TestSupport
import Testing

@testable import Salesforce

/// TaskSubtype is createable but not updateable in Salesforce: an upsert that finds its Task
/// (a write repeated after a lost answer) is refused if it carries it. The client must still
/// update that Task, and a Task it creates must still be a Call.
@Suite struct TaskUpsertTests {
    static func task(_ sid: String, status: String = "Completed") -> SalesforceTask {
        SalesforceTask(
            WhoId: nil,
            WhatId: nil,
            Subject: "AI Voice Call - answered",
            Status: status,
            CallDisposition: "answered",
            CallObject: sid,
            CallDurationInSeconds: 42,
            ActivityDate: "2026-11-24",
            Description: "[00:00:01] AGENT: Hi",
            customFields: ["CallSid__c": sid]
        )
    }

    static func tasks(_ sandbox: SandboxSalesforce, _ sid: String) -> [SandboxRecord] {
        sandbox.records(ofType: "Task").filter { $0["CallObject"] == .string(sid) }
    }

    @Test func theSandboxRefusesAnUpdateOfTaskSubtypeAsSalesforceDoes() async throws {
        try await withSandboxSalesforce { sandbox, configuration in
            let client = SalesforceClientTests.client(configuration)
            let id = try await client.createTask(Self.task("CA1"))
            do {
                _ = try await client.send(
                    .PATCH,
                    "\(client.dataPath)/sobjects/Task/\(id)",
                    json: Data(#"{"TaskSubtype":"Call","Status":"Completed"}"#.utf8)
                )
                Issue.record("the Sandbox took an update of TaskSubtype")
            } catch let SalesforceError.api(status, code, _, fields) {
                #expect(status == 400 && code == "INVALID_FIELD_FOR_INSERT_UPDATE" && fields == ["TaskSubtype"])
            }
            let body =
                #"{"allOrNone":false,"records":[{"attributes":{"type":"Task"},"CallSid__c":"CA1","Subject":"s","Status":"Completed","TaskSubtype":"Call"}]}"#
            let results = try await client.send(.PATCH, "\(client.dataPath)/composite/sobjects/Task/CallSid__c", json: Data(body.utf8))
                .decode([SalesforceSaveResult].self)
            #expect(results.first?.success == false && results.first?.errors.first?.statusCode == "INVALID_FIELD_FOR_INSERT_UPDATE")
            #expect(Self.tasks(sandbox, "CA1").first?["Subject"] == .string("AI Voice Call - answered"), "nothing of the refused update was saved")
        }
    }

    @Test func anUpsertThatFindsItsTaskUpdatesItWithoutTaskSubtypeAndACreatedOneIsACall() async throws {
        try await withSandboxSalesforce { sandbox, configuration in
            let client = SalesforceClientTests.client(configuration)
            let first = try await client.upsertTask(Self.task("CA1", status: "Not Answered"), externalIDField: "CallSid__c", value: "CA1")
            let again = try await client.upsertTask(Self.task("CA1"), externalIDField: "CallSid__c", value: "CA1")
            #expect(first.created && !again.created && first.id == again.id)
            let task = try #require(Self.tasks(sandbox, "CA1").first)
            #expect(Self.tasks(sandbox, "CA1").count == 1)
            #expect(task["TaskSubtype"] == .string("Call") && task["Status"] == .string("Completed"))
        }
    }

    @Test func aBatchUpsertRepeatedAfterALostAnswerSavesEveryTaskOnceEachACall() async throws {
        try await withSandboxSalesforce { sandbox, configuration in
            let client = SalesforceClientTests.client(configuration)
            // CA1 and CA2 were written, their answer lost; CA3 is new.
            _ = try await client.upsertTasks([Self.task("CA1"), Self.task("CA2")], externalIDField: "CallSid__c")
            let results = try await client.upsertTasks([Self.task("CA1"), Self.task("CA3"), Self.task("CA2")], externalIDField: "CallSid__c")
            #expect(results.map(\.success) == [true, true, true], "\(results)")
            #expect(results.map(\.created) == [false, true, false])
            for sid in ["CA1", "CA2", "CA3"] {
                #expect(Self.tasks(sandbox, sid).count == 1)
                #expect(Self.tasks(sandbox, sid).first?["TaskSubtype"] == .string("Call"))
                #expect(Self.tasks(sandbox, sid).first?.id == results[["CA1", "CA3", "CA2"].firstIndex(of: sid)!].id)
            }
            // The updates went again, without the create-only field.
            let last = try #require(sandbox.requests.last { $0.path.hasSuffix("/composite/sobjects/Task/CallSid__c") })
            #expect(last.status == 200 && !last.body.contains("TaskSubtype") && last.body.contains("CA1") && !last.body.contains("CA3"))
        }
    }
}
