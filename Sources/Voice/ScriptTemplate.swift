/// The placeholders of a script's lines, filled from the call: `{firstName}`,
/// `{lastName}`, `{accountName}`, `{description}`, `{message}` (the message a
/// `POST /v1/calls` carried, or its Contact's Description), and any field the campaign's
/// query selected by its API name (`{Account.Name}`, `{Renewal_Date__c}`).
///
/// `{name|words}` says `words` when the call has no value for `name`; a placeholder
/// without one says nothing, so a line made only of missing placeholders is left out.
/// Values come from the CRM and the API's clients: braces in them are not placeholders.
public enum ScriptTemplate {
    /// `line` with its placeholders filled from `call`.
    public static func render(_ line: String, for call: AgentCallContext) -> String {
        guard line.contains("{") else { return line }
        var result = ""
        var rest = Substring(line)
        // One pass over the template: a value put in is never read for placeholders.
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            result += rest[..<open]
            let inside = rest[rest.index(after: open)..<close]
            let parts = inside.split(separator: "|", maxSplits: 1, omittingEmptySubsequences: false)
            let name = parts[0].trimmingCharacters(in: .whitespaces)
            let value = Self.value(name, for: call)?.trimmingCharacters(in: .whitespacesAndNewlines)
            if let value, !value.isEmpty {
                result += value
            } else if parts.count == 2 {
                result += parts[1]
            }
            rest = rest[rest.index(after: close)...]
        }
        result += rest
        // A missing value leaves two spaces, or a space before a full stop.
        return result.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
            .replacingOccurrences(of: " .", with: ".").replacingOccurrences(of: " ,", with: ",")
    }

    static func value(_ name: String, for call: AgentCallContext) -> String? {
        switch name.lowercased() {
        case "firstname": return call.firstName
        case "lastname": return call.lastName
        case "accountname", "account.name": return field("Account.Name", of: call)
        case "description": return field("Description", of: call)
        case "message": return call.message
        default: return field(name, of: call)
        }
    }

    private static func field(_ name: String, of call: AgentCallContext) -> String? {
        if let exact = call.fields[name] { return exact }
        let folded = name.lowercased()
        return call.fields.first { $0.key.lowercased() == folded }?.value
    }
}
