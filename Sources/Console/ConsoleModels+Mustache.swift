import Mustache

// The models a page repeats, looked up by name directly: through Mirror (Mustache's fallback
// for plain values), rendering a campaign page of 50 calls spent two thirds of its time
// reflecting. A name missing here renders as nothing, and the page tests would show it.

extension CampaignModel: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "name": self.name
        case "path": path
        case "status": status
        case "importError": importError
        case "contacts": contacts
        case "callable": callable
        case "pending": pending
        case "inProgress": inProgress
        case "done": done
        case "answered": answered
        case "voicemail": voicemail
        case "noAnswer": noAnswer
        case "busy": busy
        case "failed": failed
        case "callsPlaced": callsPlaced
        case "tasksSynced": tasksSynced
        case "tasksFailed": tasksFailed
        case "averageDuration": averageDuration
        case "canPause": canPause
        case "canResume": canResume
        case "canCancel": canCancel
        default: nil
        }
    }
}

extension CampaignPageModel: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "campaign": campaign
        case "canWrite": canWrite
        case "csrf": csrf
        case "calls": calls
        case "hasCalls": hasCalls
        case "older": older
        default: nil
        }
    }
}

extension CampaignListModel: MustacheParent {
    func child(named name: String) -> Any? {
        name == "campaigns" ? campaigns : nil
    }
}

extension CallRowModel: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "path": path
        case "started": started
        case "to": to
        case "attempt": attempt
        case "state": state
        case "outcome": outcome
        case "duration": duration
        default: nil
        }
    }
}
