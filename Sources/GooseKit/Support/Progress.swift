import Foundation

/// A one-line progress bar on standard error, drawn only when it is a terminal.
public final class ProgressBar: @unchecked Sendable {
    private let lock = NSLock()
    private let total: Int
    private let label: String
    private var done = 0
    private let enabled: Bool

    public init(total: Int, label: String, enabled: Bool = isatty(STDERR_FILENO) != 0) {
        self.total = total
        self.label = label
        self.enabled = enabled && total > 1
    }

    /// Counts one finished item and redraws.
    public func advance(current: String) {
        lock.lock()
        defer { lock.unlock() }
        done += 1
        guard enabled else { return }
        let width = 30
        let filled = total == 0 ? width : width * done / total
        let bar = String(repeating: "=", count: filled) + String(repeating: " ", count: width - filled)
        let name = current.count > 40 ? String(current.prefix(37)) + "..." : current
        FileHandle.standardError.write(Data("\r\u{1B}[K\(label) [\(bar)] \(done)/\(total) \(name)".utf8))
    }

    /// Clears the bar so that normal output follows on a clean line.
    public func finish() {
        lock.lock()
        defer { lock.unlock() }
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}
