import Dispatch

/// A serial executor on a thread of its own, for actors whose methods block for a long time
/// inside a C library (a PocketSphinx recognition, an espeak-ng synthesis: tens to hundreds
/// of milliseconds of CPU each).
///
/// On the default executor those calls would hold one of the cooperative pool's threads,
/// and the pool has one thread per core: two of them on a 2-core machine stall every media
/// stream in the process, whose 20 ms frames and paced playback cannot wait that long. On
/// a dispatch queue of their own they are ordinary threads the kernel time-slices with the
/// pool's.
final class BlockingWorkExecutor: SerialExecutor {
    private let queue: DispatchQueue

    init(label: String) {
        queue = DispatchQueue(label: label, qos: .userInitiated)
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedSerialExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }

    func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }
}
