import Foundation

/// A failed HTTP transfer, marked transient when another attempt may succeed.
///
/// `RetryPolicy.run` turns it into `GooseError.network` once it gives up, so callers outside
/// the network layer only ever see `GooseError`.
public struct HTTPTransferError: Error, Equatable, Sendable {
    public var url: String
    public var reason: String
    /// Connection failures, broken transfers and 5xx answers are transient; 4xx answers are not.
    public var isTransient: Bool

    public init(url: String, reason: String, isTransient: Bool) {
        self.url = url
        self.reason = reason
        self.isTransient = isTransient
    }

    /// The error as goose reports it.
    public var gooseError: GooseError { .network(url: url, reason: reason) }
}

/// How often and how patiently to repeat a transfer that failed transiently: the delay doubles each time.
public struct RetryPolicy: Sendable, Equatable {
    /// Attempts in total, the first one included.
    public var maximumAttempts: Int
    /// Wait before the second attempt, in seconds; each later wait is twice the previous one.
    public var initialDelay: Double

    public init(maximumAttempts: Int = 4, initialDelay: Double = 1) {
        self.maximumAttempts = max(1, maximumAttempts)
        self.initialDelay = max(0, initialDelay)
    }

    /// No retries: one attempt only.
    public static let once = RetryPolicy(maximumAttempts: 1, initialDelay: 0)

    /// The wait after failed attempt `attempt` (1-based).
    public func delay(afterAttempt attempt: Int) -> Double {
        initialDelay * pow(2, Double(attempt - 1))
    }

    /// Runs `operation` (given the 1-based attempt number), retrying transient `HTTPTransferError`s;
    /// the final transfer error is thrown as `GooseError.network`, other errors pass through at once.
    public func run<Result>(_ operation: (_ attempt: Int) throws -> Result) throws -> Result {
        var attempt = 1
        while true {
            do {
                return try operation(attempt)
            } catch let error as HTTPTransferError {
                guard error.isTransient, attempt < maximumAttempts else { throw error.gooseError }
                // Blocking sleep: transfers run on their own threads (see `BlockingWork`).
                Thread.sleep(forTimeInterval: delay(afterAttempt: attempt))
                attempt += 1
            }
        }
    }
}
