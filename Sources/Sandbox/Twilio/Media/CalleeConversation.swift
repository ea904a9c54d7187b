import Backoff
import Foundation
import Voice

/// The callee's side of a media stream, 20 ms at a time, with no socket and no clock: it
/// plays the agent's audio as Twilio would (in order, marks echoed once the audio before
/// them has played, everything dropped on `clear`), and says the script's lines on their cues.
struct CalleeConversation: Sendable {
    static let frameBytes = 160
    static let frameMs = 20

    let script: CalleeScript
    let lineAudio: [[UInt8]]
    var log: MediaSessionLog

    /// Agent audio queued and not yet played, and the running totals marks are placed by.
    private var queued = 0
    private var receivedTotal = 0
    private var playedTotal = 0
    private var pendingMarks: [(position: Int, name: String)] = []
    /// How long the agent's current stretch of audio has played, and when it last fell silent.
    private var agentStretchMs = 0
    private var agentSilentSinceMs: Int?
    private var heardAgentSinceLine = false
    private var nextLine = 0
    private var speaking: (line: Int, offset: Int, startMs: Int)?
    private var lastLineEndMs = 0
    private var noise: UInt32 = 0x2545_F491
    /// The agent's next played frame starts a new playback stretch.
    private var playbackBroken = true
    /// An answering machine's beep, playing until this stream time.
    private var beepUntilMs: Int?
    /// An answering machine's greeting has ended, and nobody has been told yet.
    private var greetingEndPending = false

    init(script: CalleeScript, lineAudio: [[UInt8]], log: MediaSessionLog) {
        self.script = script
        self.lineAudio = lineAudio
        self.log = log
    }

    mutating func receiveMedia(_ payload: [UInt8]) {
        queued += payload.count
        receivedTotal += payload.count
        log.agentAudioReceivedMs += payload.count / 8
    }

    /// A mark from the dialer; returns it at once when nothing is queued before it.
    mutating func receiveMark(_ name: String) -> [String] {
        log.marksReceived.append(name)
        guard queued > 0 else { return echo([name]) }
        pendingMarks.append((receivedTotal, name))
        return []
    }

    /// Drops the queued audio; Twilio then echoes every pending mark.
    mutating func receiveClear(atMs ms: Int) -> [String] {
        log.clearsAtMs.append(ms)
        queued = 0
        playedTotal = receivedTotal
        agentStretchMs = 0
        playbackBroken = true
        if agentSilentSinceMs == nil { agentSilentSinceMs = ms }
        let names = pendingMarks.map(\.name)
        pendingMarks = []
        return echo(names)
    }

    private mutating func echo(_ names: [String]) -> [String] {
        log.marksEchoed += names
        return names
    }

    /// The 20 ms starting at `ms`: the callee's frame to send, the marks now played, and
    /// whether the callee hangs up after this frame.
    mutating func tick(atMs ms: Int) -> (frame: [UInt8], echoes: [String], ending: MediaSessionLog.Ending?) {
        // The agent's audio plays.
        var echoes: [String] = []
        if queued > 0 {
            let played = min(Self.frameBytes, queued)
            queued -= played
            playedTotal += played
            log.agentAudioPlayedMs += played / 8
            agentStretchMs += Self.frameMs
            heardAgentSinceLine = true
            agentSilentSinceMs = queued == 0 ? ms + Self.frameMs : nil
            if !playbackBroken, let last = log.agentPlayback.indices.last, log.agentPlayback[last].endMs == ms {
                log.agentPlayback[last].endMs = ms + Self.frameMs
            } else {
                log.agentPlayback.append(.init(startMs: ms, endMs: ms + Self.frameMs))
            }
            playbackBroken = false
            if let from = log.recordingFromMs, ms >= from { log.recordedAgentMs += played / 8 }
            while let mark = pendingMarks.first, mark.position <= playedTotal {
                pendingMarks.removeFirst()
                echoes += echo([mark.name])
            }
        } else {
            agentStretchMs = 0
            playbackBroken = true
        }

        // The callee speaks, starts a line, or is quiet.
        var frame: [UInt8]
        if let until = beepUntilMs {
            frame = Self.beepFrame(atMs: ms)
            if ms + Self.frameMs >= until {
                beepUntilMs = nil
                startRecording(atMs: ms + Self.frameMs)
            }
        } else if let current = speaking {
            frame = chunk(of: current.line, from: current.offset)
            let offset = current.offset + Self.frameBytes
            if offset >= lineAudio[current.line].count {
                log.spoken.append(.init(text: script.lines[current.line].text, startMs: current.startMs, endMs: ms + Self.frameMs))
                speaking = nil
                lastLineEndMs = ms + Self.frameMs
                heardAgentSinceLine = false
                if let machine = script.machine {
                    if let beep = machine.beep { beepUntilMs = ms + Self.frameMs + Self.ms(beep) } else { startRecording(atMs: ms + Self.frameMs) }
                }
            } else {
                speaking = (current.line, offset, current.startMs)
            }
        } else if nextLine < script.lines.count, cueReady(script.lines[nextLine].cue, atMs: ms) {
            speaking = (nextLine, Self.frameBytes, ms)
            frame = chunk(of: nextLine, from: 0)
            nextLine += 1
        } else {
            frame = quiet()
        }
        log.framesSent += 1
        log.lengthMs = ms + Self.frameMs

        if ms + Self.frameMs >= Self.ms(script.maximumLength) { return (frame, echoes, .timedOut) }
        if let machine = script.machine {
            // A machine hangs up when its recording time is up, whatever it heard.
            let done = log.recordingFromMs.map { ms + Self.frameMs - $0 >= Self.ms(machine.recordsFor) } ?? false
            return (frame, echoes, done ? .calleeHungUp : nil)
        }
        if nextLine == script.lines.count, speaking == nil {
            let answered =
                heardAgentSinceLine && queued == 0
                && (agentSilentSinceMs.map { ms - $0 >= Self.ms(script.hangUpAfterAnswer) } ?? false)
            if answered || ms - lastLineEndMs >= Self.ms(script.patience) { return (frame, echoes, .calleeHungUp) }
        }
        return (frame, echoes, nil)
    }

    private mutating func startRecording(atMs ms: Int) {
        log.recordingFromMs = ms
        greetingEndPending = true
    }

    /// Whether the machine's greeting has ended since the last call: Twilio's AMD with
    /// DetectMessageEnd reports it then.
    mutating func takeGreetingEnd() -> Bool {
        defer { greetingEndPending = false }
        return greetingEndPending
    }

    /// 20 ms of the machine's 1 kHz tone, at half scale.
    static func beepFrame(atMs ms: Int) -> [UInt8] {
        (0..<frameBytes).map { index in
            let t = Double(ms * 8 + index) / 8000
            return MuLaw.encode(Int16(16_000 * sin(2 * Double.pi * 1000 * t)))
        }
    }

    private func cueReady(_ cue: CalleeScript.Cue, atMs ms: Int) -> Bool {
        let waitedTooLong = ms - lastLineEndMs >= Self.ms(script.patience)
        switch cue {
        case .afterAgent(let silence):
            guard queued == 0 else { return false }
            let agentDone = heardAgentSinceLine && (agentSilentSinceMs.map { ms - $0 >= Self.ms(silence) } ?? false)
            return agentDone || waitedTooLong
        case .duringAgent(let after):
            // The stretch already counts this tick's frame: the line starts once `after` has played.
            return (queued > 0 && agentStretchMs > Self.ms(after)) || waitedTooLong
        case .at(let time):
            return ms >= Self.ms(time)
        }
    }

    static func ms(_ duration: Duration) -> Int {
        Int((duration.seconds * 1000).rounded())
    }

    private func chunk(of line: Int, from offset: Int) -> [UInt8] {
        let audio = lineAudio[line]
        let end = min(offset + Self.frameBytes, audio.count)
        var frame = offset < end ? Array(audio[offset..<end]) : []
        if frame.count < Self.frameBytes { frame += [UInt8](repeating: 0xFF, count: Self.frameBytes - frame.count) }
        return frame
    }

    /// A line's worth of quiet is never digital silence on a phone line: faint noise.
    private mutating func quiet() -> [UInt8] {
        var frame = [UInt8](repeating: 0, count: Self.frameBytes)
        for index in frame.indices {
            noise = noise &* 1_103_515_245 &+ 12_345
            frame[index] = MuLaw.encode(Int16(Int((noise >> 16) & 0x1F) - 16))
        }
        return frame
    }
}
