import Foundation

/// Runs blocking work (libcurl transfers, retry sleeps) on a thread of its own.
///
/// Swift concurrency has one thread per core; a blocked transfer there would stall every other
/// task, so `--jobs` parallel transfers each get a dedicated thread instead.
public enum BlockingWork {
    /// Runs `work` on a new thread and returns its result to the awaiting task.
    public static func run<Value: Sendable>(_ work: @escaping @Sendable () throws -> Value) async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(with: Result { try work() })
            }
            thread.name = "goose-transfer"
            thread.start()
        }
    }
}
