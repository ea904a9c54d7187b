import Testing

@testable import Sandbox

/// The Sandbox callee plays the agent's audio as Twilio does and speaks on its cues.
@Suite struct CalleeConversationTests {
    static let log = MediaSessionLog(callSID: "CA1", streamSID: "MZ1", url: "ws://127.0.0.1/twilio/media", customParameters: [:])

    /// 200 ms of a line: ten frames.
    static func callee(_ script: CalleeScript) -> CalleeConversation {
        CalleeConversation(script: script, lineAudio: script.lines.map { _ in [UInt8](repeating: 0x10, count: 1600) }, log: log)
    }

    /// Runs frames from `from` until `until` (ms), returning the stream time of each callee line start.
    static func run(_ callee: inout CalleeConversation, from: Int, until: Int) -> (echoes: [String], ending: MediaSessionLog.Ending?) {
        var echoes: [String] = []
        for ms in stride(from: from, to: until, by: 20) {
            let tick = callee.tick(atMs: ms)
            echoes += tick.echoes
            if let ending = tick.ending { return (echoes, ending) }
        }
        return (echoes, nil)
    }

    @Test func marksAreEchoedWhenTheAudioBeforeThemHasPlayedAndAllAtOnceOnClear() {
        var callee = Self.callee(.says("yes"))
        callee.receiveMedia([UInt8](repeating: 0x7F, count: 800))  // 100 ms
        #expect(callee.receiveMark("a").isEmpty)
        callee.receiveMedia([UInt8](repeating: 0x7F, count: 800))
        #expect(callee.receiveMark("b").isEmpty)
        #expect(Self.run(&callee, from: 0, until: 100).echoes == ["a"])
        #expect(Self.run(&callee, from: 100, until: 120).echoes.isEmpty)
        #expect(callee.receiveClear(atMs: 120) == ["b"])
        #expect(callee.log.agentAudioPlayedMs == 120)
        #expect(callee.log.agentAudioReceivedMs == 200)
        // Nothing queued: a mark comes straight back.
        #expect(callee.receiveMark("c") == ["c"])
        #expect(callee.log.marksEchoed == ["a", "b", "c"])
    }

    @Test func aLineWaitsForTheAgentToFinishThenTheCalleeHangsUpAfterTheAnswer() {
        var callee = Self.callee(.says("yes"))
        callee.receiveMedia([UInt8](repeating: 0x7F, count: 8000))  // a 1 s greeting
        #expect(Self.run(&callee, from: 0, until: 1000).ending == nil)
        #expect(callee.log.spoken.isEmpty)
        // 300 ms of silence after the greeting, then the line (200 ms).
        #expect(Self.run(&callee, from: 1000, until: 1600).ending == nil)
        #expect(callee.log.spoken == [.init(text: "yes", startMs: 1300, endMs: 1500)])
        // The agent answers; the callee listens 500 ms after it and hangs up.
        callee.receiveMedia([UInt8](repeating: 0x7F, count: 1600))
        let end = Self.run(&callee, from: 1600, until: 3000)
        #expect(end.ending == .calleeHungUp)
        #expect(callee.log.lengthMs == 1800 + 500 + 20)
    }

    @Test func aBargeInLineStartsWhileTheAgentIsStillSpeaking() {
        var callee = Self.callee(CalleeScript([.init("wait", cue: .duringAgent(after: .milliseconds(400)))]))
        callee.receiveMedia([UInt8](repeating: 0x7F, count: 16000))  // 2 s
        _ = Self.run(&callee, from: 0, until: 600)
        #expect(callee.log.spoken.first?.startMs == 400)
    }

    @Test func anAgentThatNeverSpeaksIsWaitedForOnlyThePatience() {
        var script = CalleeScript.says("hello?")
        script.patience = .seconds(1)
        var callee = Self.callee(script)
        let end = Self.run(&callee, from: 0, until: 5000)
        #expect(callee.log.spoken.first?.startMs == 1000)
        #expect(end.ending == .calleeHungUp)
        #expect(callee.log.lengthMs == 1200 + 1000 + 20)
    }
}
