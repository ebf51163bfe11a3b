import Foundation

/// Independent work over indices, striped over a fixed number of threads.
enum ParallelMap {
    /// `body(0..<count)` in order, computed by `workers` threads (at most the active cores, at least one).
    static func map<T>(_ count: Int, workers: Int = ProcessInfo.processInfo.activeProcessorCount, _ body: @Sendable (Int) -> T?) -> [T?] {
        var results = [T?](repeating: nil, count: count)
        let threads = max(1, min(workers, ProcessInfo.processInfo.activeProcessorCount, count))
        results.withUnsafeMutableBufferPointer { buffer in
            // Each index is written by exactly one thread.
            nonisolated(unsafe) let output = buffer
            DispatchQueue.concurrentPerform(iterations: threads) { worker in
                for index in stride(from: worker, to: count, by: threads) { output[index] = body(index) }
            }
        }
        return results
    }
}
