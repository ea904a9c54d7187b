import Worker

/// The job kinds a production `dialer worker` runs. Each capability registers its handler
/// here as it lands (campaign import, call placing, call finalizing); with none registered
/// the worker still rescues expired leases and prunes finished jobs.
enum WorkerHandlers {
    static func production() -> [any JobHandler] {
        []
    }
}
