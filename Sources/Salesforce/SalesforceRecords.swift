/// A Contact as the dialer reads it.
public struct SalesforceContact: Codable, Sendable, Equatable {
    public var Id: String
    public var FirstName: String?
    public var LastName: String?
    public var Phone: String?
    public var MobilePhone: String?
    public var AccountId: String?
    public var DoNotCall: Bool?
    public var MailingState: String?
    public var MailingPostalCode: String?
    /// Every other field the query selected, as text, by its API name: `Description`,
    /// `Account.Name` (a relationship's field, by its path), `Custom__c`. What an agent's
    /// script may say about the contact (`{Description}`, `{Account.Name}`).
    public var context: [String: String] = [:]

    /// The fields every campaign query must select: those the dialer dials by, and the
    /// Description and account name the built-in script's context uses.
    public static let fields = [
        "Id", "FirstName", "LastName", "Phone", "MobilePhone", "AccountId", "DoNotCall", "MailingState", "MailingPostalCode", "Description",
        "Account.Name",
    ]

    /// A context value is cut to this many characters: a Description can hold 32,000.
    public static let maxContextValueLength = 1000

    enum CodingKeys: String, CodingKey {
        case Id, FirstName, LastName, Phone, MobilePhone, AccountId, DoNotCall, MailingState, MailingPostalCode
    }

    public init(
        Id: String,
        FirstName: String? = nil,
        LastName: String? = nil,
        Phone: String? = nil,
        MobilePhone: String? = nil,
        AccountId: String? = nil,
        DoNotCall: Bool? = nil,
        MailingState: String? = nil,
        MailingPostalCode: String? = nil
    ) {
        self.Id = Id
        self.FirstName = FirstName
        self.LastName = LastName
        self.Phone = Phone
        self.MobilePhone = MobilePhone
        self.AccountId = AccountId
        self.DoNotCall = DoNotCall
        self.MailingState = MailingState
        self.MailingPostalCode = MailingPostalCode
    }

    public init(from decoder: any Decoder) throws {
        let known = try decoder.container(keyedBy: CodingKeys.self)
        Id = try known.decode(String.self, forKey: .Id)
        FirstName = try known.decodeIfPresent(String.self, forKey: .FirstName)
        LastName = try known.decodeIfPresent(String.self, forKey: .LastName)
        Phone = try known.decodeIfPresent(String.self, forKey: .Phone)
        MobilePhone = try known.decodeIfPresent(String.self, forKey: .MobilePhone)
        AccountId = try known.decodeIfPresent(String.self, forKey: .AccountId)
        DoNotCall = try known.decodeIfPresent(Bool.self, forKey: .DoNotCall)
        MailingState = try known.decodeIfPresent(String.self, forKey: .MailingState)
        MailingPostalCode = try known.decodeIfPresent(String.self, forKey: .MailingPostalCode)
        context = try RecordFields.text(of: decoder, skipping: Set(CodingKeys.allNames))
    }
}

extension SalesforceContact.CodingKeys {
    static let allNames: [String] = [
        "Id", "FirstName", "LastName", "Phone", "MobilePhone", "AccountId", "DoNotCall", "MailingState", "MailingPostalCode",
    ]
}

/// A record's fields as text by API name, relationships flattened to paths as SOQL names
/// them (`{"Account": {"Name": "Acme"}}` is `Account.Name`), `attributes` and nulls left
/// out, long text cut.
enum RecordFields {
    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    static func text(of decoder: any Decoder, skipping: Set<String>, prefix: String = "") throws -> [String: String] {
        let container = try decoder.container(keyedBy: Key.self)
        var fields: [String: String] = [:]
        for key in container.allKeys where key.stringValue != "attributes" && !skipping.contains(key.stringValue) {
            let name = prefix + key.stringValue
            if let text = try? container.decodeIfPresent(String.self, forKey: key) {
                fields[name] = String(text.prefix(SalesforceContact.maxContextValueLength))
            } else if let number = try? container.decodeIfPresent(Double.self, forKey: key) {
                fields[name] = number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : String(number)
            } else if let flag = try? container.decodeIfPresent(Bool.self, forKey: key) {
                fields[name] = flag ? "true" : "false"
            } else if let nested = try? container.superDecoder(forKey: key),
                let related = try? text(of: nested, skipping: [], prefix: name + ".")
            {
                fields.merge(related) { first, _ in first }
            }
        }
        return fields
    }
}

/// A call's Task, as the finalizer writes it. `customFields` carries org-specific fields such
/// as the external-ID field (`CallSid__c`).
public struct SalesforceTask: Sendable, Equatable, Encodable {
    public var WhoId: String?
    public var WhatId: String?
    public var Subject: String
    public var Status: String
    /// Create-only in Salesforce (createable, not updateable): left out of updates
    /// (`withoutCreateOnlyFields`), so a Task keeps what it was created with.
    public var TaskSubtype: String? = "Call"
    public var CallType: String = "Outbound"
    public var CallDisposition: String?
    public var CallObject: String
    public var CallDurationInSeconds: Int?
    /// `YYYY-MM-DD`, the callee's local date.
    public var ActivityDate: String?
    public var Description: String?
    public var customFields: [String: String] = [:]

    public init(
        WhoId: String?,
        WhatId: String?,
        Subject: String,
        Status: String,
        CallDisposition: String?,
        CallObject: String,
        CallDurationInSeconds: Int?,
        ActivityDate: String?,
        Description: String?,
        customFields: [String: String] = [:]
    ) {
        self.WhoId = WhoId
        self.WhatId = WhatId
        self.Subject = Subject
        self.Status = Status
        self.CallDisposition = CallDisposition
        self.CallObject = CallObject
        self.CallDurationInSeconds = CallDurationInSeconds
        self.ActivityDate = ActivityDate
        self.Description = Description
        self.customFields = customFields
    }

    /// The Task's fields Salesforce takes on create and refuses on update
    /// (INVALID_FIELD_FOR_INSERT_UPDATE), even unchanged.
    public static let createOnlyFields = ["TaskSubtype"]

    /// This Task as an update of an existing one may carry it.
    public var withoutCreateOnlyFields: SalesforceTask {
        var task = self
        task.TaskSubtype = nil
        return task
    }

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ string: String) { stringValue = string }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encodeIfPresent(WhoId, forKey: Key("WhoId"))
        try container.encodeIfPresent(WhatId, forKey: Key("WhatId"))
        try container.encode(Subject, forKey: Key("Subject"))
        try container.encode(Status, forKey: Key("Status"))
        try container.encodeIfPresent(TaskSubtype, forKey: Key("TaskSubtype"))
        try container.encode(CallType, forKey: Key("CallType"))
        try container.encodeIfPresent(CallDisposition, forKey: Key("CallDisposition"))
        try container.encode(CallObject, forKey: Key("CallObject"))
        try container.encodeIfPresent(CallDurationInSeconds, forKey: Key("CallDurationInSeconds"))
        try container.encodeIfPresent(ActivityDate, forKey: Key("ActivityDate"))
        try container.encodeIfPresent(Description, forKey: Key("Description"))
        for (name, value) in customFields.sorted(by: { $0.key < $1.key }) {
            try container.encode(value, forKey: Key(name))
        }
    }
}

/// One record's outcome in a create or composite request.
public struct SalesforceSaveResult: Decodable, Sendable, Equatable {
    public let id: String?
    public let success: Bool
    public let errors: [SalesforceRecordError]
    /// Upserts only: whether the record was created (true) or updated.
    public let created: Bool?
}

/// Why one record was not saved: `{statusCode, message, fields}`.
public struct SalesforceRecordError: Decodable, Sendable, Equatable {
    public let statusCode: String
    public let message: String
    public let fields: [String]?

    /// Salesforce refused a Task's create-only field: the upsert found the Task and was an update.
    var refusesTaskCreateOnlyField: Bool {
        SalesforceTask.refusesCreateOnlyField(code: statusCode, message: message, fields: fields ?? [])
    }
}

extension SalesforceTask {
    /// Whether an error is Salesforce refusing one of the Task's create-only fields in an update.
    static func refusesCreateOnlyField(code: String, message: String, fields: [String]) -> Bool {
        code == "INVALID_FIELD_FOR_INSERT_UPDATE"
            && createOnlyFields.contains { name in fields.contains(name) || message.contains(name) }
    }
}
