#if canImport(Salesforce)
import Salesforce
#endif

/// One sObject record held by the Sandbox Salesforce server: its type ("Contact", "Task") and
/// its field values.
///
/// Field names match case-insensitively, as they do in Salesforce (`email` finds `Email`), and
/// a field keeps the casing it was first stored with, which is what responses echo back.
public struct SandboxRecord: Sendable, Equatable {
    /// The sObject type, e.g. "Contact" or "Task".
    public var type: String
    /// Values by field name. Prefer the subscript for access: writing here directly can store
    /// two casings of one name, and lookups then find either of them.
    public var fields: [String: SOQLValue]

    public init(type: String, fields: [String: SOQLValue] = [:]) {
        self.type = type
        self.fields = fields
    }

    /// The value of `field`, matched case-insensitively; `.null` when the record lacks it.
    /// Setting a field that exists under another casing keeps that casing.
    public subscript(field: String) -> SOQLValue {
        get { storedName(field).flatMap { fields[$0] } ?? .null }
        set { fields[storedName(field) ?? field] = newValue }
    }

    /// The record's Id, when it has a text one.
    public var id: String? {
        if case .string(let id) = self["Id"] { id } else { nil }
    }

    /// The requested fields in the requested order, named as the record names them (Salesforce
    /// answers with a field's API name, however the query spelled it), or as requested when the
    /// record lacks the field (its value is then null). A field requested twice appears once.
    /// Relationship paths such as `Account.Name` are looked up as one flat key.
    public func projected(_ names: [String]) -> [(name: String, value: SOQLValue)] {
        var seen = Set<String>()
        return names.compactMap { name in
            guard seen.insert(name.lowercased()).inserted else { return nil }
            guard let stored = storedName(name) else { return (name, .null) }
            return (stored, fields[stored] ?? .null)
        }
    }

    /// The key `name` is stored under, if any; an exact match first so the common case is one lookup.
    func storedName(_ name: String) -> String? {
        if fields[name] != nil { return name }
        let folded = name.lowercased()
        return fields.keys.first { $0.lowercased() == folded }
    }
}
