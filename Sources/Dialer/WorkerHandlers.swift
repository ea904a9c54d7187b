import Logging
import Salesforce
import Queue
import Store
import Twilio
import Worker

/// The job kinds a production `dialer worker` runs. A kind whose outside service is not
/// configured is left to workers that have it, and said so at start; its jobs wait in the queue.
enum WorkerHandlers {
    static func production(
        database: Database, environment: [String: String], observer: any DialingObserver = NoDialingObserver(), logger: Logger
    ) throws -> [any JobHandler] {
        // Needs nothing but the database: every worker can complete finished campaigns.
        let completionInterval = try environment["DIALER_CAMPAIGN_CHECK_INTERVAL"].map { text in
            guard let seconds = Double(text), seconds > 0 else {
                throw CommandFailure("DIALER_CAMPAIGN_CHECK_INTERVAL must be a number of seconds above 0, not \(text)")
            }
            return Duration.milliseconds(Int64(seconds * 1000))
        } ?? .seconds(30)
        var handlers: [any JobHandler] = [CompleteCampaignsHandler(database: database, interval: completionInterval, logger: logger)]
        let classifier: ContactClassifier
        switch environment["DIALER_PHONE_FIELD"]?.lowercased() ?? "mobilephone" {
        case "mobilephone", "mobile": classifier = ContactClassifier(preferMobile: true)
        case "phone": classifier = ContactClassifier(preferMobile: false)
        case let other: throw CommandFailure("DIALER_PHONE_FIELD / --phone-field must be MobilePhone or Phone, not \(other)")
        }
        do {
            let salesforce = SalesforceClient(configuration: try SalesforceConfiguration.fromEnvironment(environment), logger: logger)
            handlers.append(ImportCampaignHandler(campaigns: CampaignStore(database: database), salesforce: salesforce, classifier: classifier, logger: logger))
            handlers.append(FinalizeCallHandler(
                database: database, salesforce: salesforce, configuration: try FinalizeOptions.configuration(environment), logger: logger,
                afterWrite: FinalizeOptions.afterWrite(environment)
            ))
            handlers.append(RecordConversationHandler(database: database, salesforce: salesforce, logger: logger))
        } catch let error as CommandFailure {
            throw error
        } catch {
            logger.warning("not running \(CampaignStore.importKind), \(CallStore.finalizeKind) or \(MediaStreamStore.recordConversationKind) jobs: \(error)")
        }
        let windowClock = try DialingOptions.windowClock(environment)
        do {
            let twilio = try TwilioConfiguration.fromEnvironment(environment)
            let dialing = try DialingOptions.configuration(environment, twilio: twilio)
            let client = TwilioClient(configuration: twilio, logger: logger)
            handlers.append(PlaceCallHandler(
                database: database, twilio: client, configuration: dialing,
                faults: DialingOptions.faults(environment), observer: observer,
                now: windowClock, logger: logger
            ))
            let quiet = environment["DIALER_RECONCILE_CALLS_AFTER"].flatMap(Double.init).map { Duration.milliseconds(Int64($0 * 1000)) }
            handlers.append(ReconcileCallsHandler(
                database: database, twilio: client, quietFor: quiet ?? .seconds(300), interval: min(quiet ?? .seconds(60), .seconds(60)), logger: logger
            ))
        } catch {
            logger.warning("not running \(CampaignStore.placeCallKind) jobs: \(error)")
        }
        return handlers
    }
}
