import Foundation
import Salesforce
import Sandbox
import TestSupport
import Testing
import Twilio

/// The referee neither side wrote: Twilio's Python helper library and simple-salesforce, as
/// their users run them, against the Sandboxes. The Sandboxes are what the dialer's own
/// clients are tested against; where they only agree with those clients, a misunderstanding
/// of the real services shared by both would go unseen. Each client must work against the
/// Sandbox as it would against Twilio and Salesforce (`Tests/Referee/official_clients.py`).
///
/// The clients come from PyPI into a throwaway virtual environment (pinned versions): the
/// only network this needs is the package index.
@Suite(.runsAlone("installs Twilio's and Salesforce's Python clients into a throwaway virtual environment")) struct OfficialClientsTests {
    static let packages = ["twilio==9.13.0", "simple-salesforce==1.12.10"]
    /// An API key of the Sandbox's account: the credentials the README prefers.
    static let apiKey = "SKreferee0000000000000000000000000"
    static let apiSecret = "referee-api-secret"

    /// Answered calls stay on the line (the script's voice URL pauses), so each has a start
    /// time when it is listed and is still in progress when it is ended through the API.
    @Sendable static func configureTwilio(_ configuration: inout SandboxTwilio.Configuration) {
        configuration.apiKeys = [apiKey: apiSecret]
        configuration.timing.talk = .seconds(60)
    }

    static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:], timeout: Duration) async throws -> String {
        let child = ChildProcess(URL(fileURLWithPath: executable), arguments: arguments, environment: environment)
        try child.start()
        let status = await child.wait(timeout: timeout)
        guard status == 0 else {
            throw TestSetupError("\(executable) \(arguments.joined(separator: " ")) exited \(String(describing: status)): \(child.text)")
        }
        return child.text
    }

    /// A virtual environment with the two clients; its python.
    static func python(in directory: URL) async throws -> String {
        let venv = directory.appendingPathComponent("venv").path
        _ = try await run("/usr/bin/env", ["python3", "-m", "venv", venv], timeout: .seconds(120))
        _ = try await run(venv + "/bin/pip", ["install", "--quiet", "--disable-pip-version-check"] + packages, timeout: .seconds(300))
        return venv + "/bin/python"
    }

    static var script: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Referee").appendingPathComponent("official_clients.py").path
    }

    @Test func twiliosAndSalesforcesOwnClientsWorkAgainstTheSandboxes() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dialer-referee-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let python = try await Self.python(in: directory)
        let keyFile = directory.appendingPathComponent("connected-app.key")
        try TestKeys.connectedAppPrivateKey.write(to: keyFile, atomically: true, encoding: .utf8)
        let output = directory.appendingPathComponent("seen.json")

        try await withSandboxSalesforce(pageSize: 2) { salesforce, salesforceConfiguration in
            salesforce.insert((1...5).map { SandboxRecord(type: "Contact", fields: ["LastName": .string("Referee \($0)")]) })
            try await withSandboxTwilio(configure: OfficialClientsTests.configureTwilio) { twilio, twilioConfiguration in
                _ = try await Self.run(
                    python,
                    [Self.script],
                    environment: [
                        "REFEREE_OUTPUT": output.path,
                        "TWILIO_BASE_URL": twilioConfiguration.baseURL, "TWILIO_ACCOUNT_SID": twilioConfiguration.accountSID,
                        "TWILIO_API_KEY": Self.apiKey, "TWILIO_API_SECRET": Self.apiSecret,
                        "TWILIO_FROM": "+14155550100", "TWILIO_TO": "+12125550142",
                        "SALESFORCE_BASE_URL": salesforce.baseURL, "SALESFORCE_CLIENT_ID": salesforceConfiguration.clientID,
                        "SALESFORCE_USERNAME": salesforceConfiguration.username, "SALESFORCE_PRIVATE_KEY_FILE": keyFile.path,
                        "SALESFORCE_EXTERNAL_ID_FIELD": "CallSid__c",
                    ],
                    timeout: .seconds(120)
                )
                let seen = try JSONSerialization.jsonObject(with: Data(contentsOf: output)) as? [String: Any] ?? [:]
                let failed = seen.filter { ($0.value as? [String: Any])?["error"] != nil }
                #expect(failed.isEmpty, "steps the official clients could not do against the Sandboxes: \(failed)")

                // Twilio: five calls made with an API key, fetched, listed by To across pages of two.
                let created = ((seen["twilio_create"] as? [String: Any])?["sids"] as? [String]) ?? []
                #expect(created.count == 5)
                #expect((seen["twilio_fetch"] as? [String: Any])?["to"] as? String == "+12125550142")
                let listed = ((seen["twilio_list_all_by_to"] as? [String: Any])?["sids"] as? [String]) ?? []
                #expect(Set(listed) == Set(created), "every page followed: \(listed)")
                let started = ((seen["twilio_list"] as? [String: Any])?["sids"] as? [String]) ?? []
                #expect(Set(started) == Set(created), "StartTime>= today, in pages of two: \(started)")
                #expect((seen["twilio_update"] as? [String: Any])?["status"] as? String == "completed")
                #expect(twilio.requests.contains { $0.path.hasSuffix("/Calls.json") && $0.method == "GET" })

                // Salesforce: JWT login as for a production org, every page of a query, a
                // composite create, and upserts by external ID of an existing and a new Task.
                #expect((seen["salesforce_query_all"] as? [String: Any])?["records"] as? Int == 5)
                #expect((seen["salesforce_upsert_existing"] as? [String: Any])?["status"] as? Int == 200)
                #expect((seen["salesforce_upsert_new"] as? [String: Any])?["status"] as? Int == 201)
                let tasks = salesforce.records(ofType: "Task")
                #expect(tasks.count == 3)
                #expect(tasks.first { $0["CallObject"] == .string("CAref1") }?["Subject"] == .string("Call 1, again"))
            }
        }
    }
}
