import Store
import Testing

@Suite struct RetryPolicyTests {
    @Test func defaultsRetryBusySoonNoAnswerLaterAndNeverAPermanentFailure() {
        let policy = RetryPolicy()
        #expect(policy.decide(.busy, attempt: 1) == .retry(after: .seconds(600)))
        #expect(policy.decide(.noAnswer, attempt: 1) == .retry(after: .seconds(3600)))
        #expect(policy.decide(.failed(transient: true), attempt: 2) == .retry(after: .seconds(900)))
        #expect(policy.decide(.failed(transient: false), attempt: 1) == .final(outcome: "failed"))
        #expect(policy.decide(.answered(byMachine: false), attempt: 1) == .final(outcome: "answered"))
        #expect(policy.decide(.answered(byMachine: nil), attempt: 1) == .final(outcome: "answered"))
        #expect(policy.decide(.canceled, attempt: 1) == .final(outcome: "canceled"))
    }

    @Test func theLastAttemptEndsTheContactWithItsOutcome() {
        let policy = RetryPolicy()
        #expect(policy.decide(.busy, attempt: 3) == .final(outcome: "busy"))
        #expect(policy.decide(.noAnswer, attempt: 3) == .final(outcome: "no_answer"))
        #expect(policy.decide(.failed(transient: true), attempt: 3) == .final(outcome: "failed"))
        #expect(policy.decide(.answered(byMachine: true), attempt: 3) == .final(outcome: "machine"))
    }

    @Test func aMachineFollowsTheCampaignsVoicemailPolicy() {
        var policy = RetryPolicy()
        #expect(policy.decide(.answered(byMachine: true), attempt: 1) == .retry(after: .seconds(4 * 3600)))
        policy.voicemail = .leaveMessage
        #expect(policy.decide(.answered(byMachine: true), attempt: 1) == .final(outcome: "voicemail_left"))
        // A campaign that wants a person too calls again after a message, while attempts last.
        let again = RetryPolicy(retryDelays: ["voicemail_left": 86400], maxAttempts: 2, voicemailPolicy: "leave_message")
        #expect(again.decide(.answered(byMachine: true), attempt: 1) == .retry(after: .seconds(86400)))
        #expect(again.decide(.answered(byMachine: true), attempt: 2) == .final(outcome: "voicemail_left"))
    }

    @Test func aCampaignRowConfiguresIt() {
        let policy = RetryPolicy(retryDelays: ["busy": 120, "no-answer": 7200, "bogus": 1], maxAttempts: 1, voicemailPolicy: "leave_message")
        #expect(policy.busyDelay == .seconds(120) && policy.noAnswerDelay == .seconds(7200))
        #expect(policy.machineDelay == .seconds(4 * 3600))
        #expect(policy.decide(.busy, attempt: 1) == .final(outcome: "busy"))
        #expect(policy.voicemail == .leaveMessage)
        #expect(RetryPolicy(retryDelays: [:], maxAttempts: 0, voicemailPolicy: "nonsense").maxAttempts == 1)
    }
}
