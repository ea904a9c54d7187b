import Foundation
import Store

// What the templates read (Mustache looks stored properties up by name, through Mirror, or
// `MustacheParent` for the models a page repeats (ConsoleModels+Mustache.swift):
// computed ones are invisible to it, hence the stored `has…` flags). `{{x}}` escapes HTML, so
// names, transcripts and errors from Salesforce or callers cannot inject markup.

struct CampaignListModel {
    let campaigns: [CampaignModel]
}

struct CampaignModel {
    let name: String
    let path: String
    let status: String
    let importError: String?
    let contacts: Int
    let callable: Int
    let pending: Int
    let inProgress: Int
    let done: Int
    let answered: Int
    let voicemail: Int
    let noAnswer: Int
    let busy: Int
    let failed: Int
    let callsPlaced: Int
    let tasksSynced: Int
    let tasksFailed: Int
    let averageDuration: String
    let canPause: Bool
    let canResume: Bool
    let canCancel: Bool

    init(_ p: CampaignProgress) {
        name = p.name
        path = ConsolePaths.campaign(p.name)
        status = p.status.rawValue
        importError = p.importError
        contacts = p.contacts
        callable = max(p.callable, 1)
        pending = p.pending
        inProgress = p.inProgress
        done = p.done
        answered = p.outcomes["answered", default: 0]
        voicemail = p.outcomes["voicemail_left", default: 0] + p.outcomes["machine", default: 0]
        noAnswer = p.outcomes["no_answer", default: 0]
        busy = p.outcomes["busy", default: 0]
        failed = p.outcomes["failed", default: 0]
        callsPlaced = p.callsPlaced
        tasksSynced = p.tasksSynced
        tasksFailed = p.tasksFailed
        averageDuration = consoleDuration(p.averageDurationSeconds.map { Int($0.rounded()) })
        // The moves `dialer campaign pause|resume|cancel` allow from each status.
        canPause = [.active, .importing].contains(p.status)
        canResume = p.status == .paused
        canCancel = [.importing, .active, .paused].contains(p.status)
    }
}

struct CampaignPageModel {
    let campaign: CampaignModel
    let canWrite: Bool
    let csrf: String
    let calls: [CallRowModel]
    let hasCalls: Bool
    let older: String?
}

struct CallRowModel {
    let path: String
    let started: String
    let to: String
    let attempt: Int
    let state: String
    let outcome: String
    let duration: String

    init(_ call: CallRecord) {
        path = ConsolePaths.call(call.id.uuidString.lowercased())
        started = consoleTime(call.createdAt)
        to = call.to
        attempt = call.attempt
        state = call.state
        outcome = call.outcome
        duration = consoleDuration(call.durationSeconds)
    }
}

struct CallPageModel {
    let campaign: String
    let campaignPath: String
    let to: String
    let from: String
    let callSID: String
    let attempt: Int
    let state: String
    let outcome: String
    let answeredBy: String
    let duration: String
    let started: String
    let ended: String
    let live: Bool
    let error: String?
    let taskSync: String
    let transcript: [TurnModel]

    init(_ call: CallRecord) {
        campaign = call.campaign
        campaignPath = ConsolePaths.campaign(call.campaign)
        to = call.to
        from = call.from
        callSID = call.callSID ?? "not yet placed"
        attempt = call.attempt
        state = call.state
        outcome = call.outcome
        answeredBy = call.answeredBy ?? ""
        duration = consoleDuration(call.durationSeconds)
        started = consoleTime(call.createdAt)
        ended = consoleTime(call.endedAt)
        live = call.endedAt == nil
        error = call.errorMessage
        taskSync =
            call.taskSync.map { sync in
                [sync.state, sync.salesforceTaskID, sync.lastError].compactMap { $0 }.joined(separator: " · ")
            } ?? "none yet"
        transcript = call.transcript.map(TurnModel.init)
    }
}

struct TurnModel {
    let speaker: String
    let text: String
    let at: String
    let interrupted: Bool

    init(_ line: CallRecord.TranscriptLine) {
        speaker = line.speaker
        text = line.text
        at = String(format: "%d:%02d", line.startMs / 60_000, line.startMs / 1000 % 60)
        interrupted = line.interrupted
    }
}

struct TaskListModel {
    let failures: [TaskFailureModel]
    let canRetry: Bool
    let csrf: String
    let hasFailures: Bool
}

struct TaskFailureModel {
    let callSID: String
    let callPath: String
    let campaign: String
    let contact: String
    let state: String
    let attempts: Int
    let error: String
    let updated: String

    init(_ failure: TaskSyncOperations.Failure) {
        callSID = failure.callSID
        callPath = ConsolePaths.call(failure.callSID)
        campaign = failure.campaign
        contact = failure.contact ?? "-"
        state = failure.state
        attempts = failure.attempts
        error = [failure.errorCode, failure.error].compactMap { $0 }.joined(separator: ": ")
        updated = consoleTime(failure.updatedAt)
    }
}

struct LayoutModel {
    struct SignedIn {
        let keyName: String
        let csrf: String
    }
    let title: String
    let session: SignedIn?
    let body: String
}

struct PageModel {
    let heading: String
    let crumbs: [Crumb]
    let subtitle: String?
    let eventsPath: String
    let live: String
    let hasCrumbs: Bool

    struct Crumb {
        let label: String
        let path: String
    }
}

struct SignInModel {
    let error: String?
}

struct MessageModel {
    let heading: String
    let message: String
    let back: String
}
