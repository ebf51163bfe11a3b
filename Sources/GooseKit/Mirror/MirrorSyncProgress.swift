import Foundation

/// Files, bytes, rate and ETA of a sync on standard error, redrawn at most five times a second, only on a terminal.
public final class MirrorSyncProgress: @unchecked Sendable {
    private let lock = NSLock()
    private let totalFiles: Int
    private let totalBytes: Int64
    private let enabled: Bool
    private let started = Date()
    private var lastDraw = Date.distantPast
    private(set) var files = 0
    private(set) var bytes: Int64 = 0

    public init(totalFiles: Int, totalBytes: Int64, enabled: Bool) {
        self.totalFiles = totalFiles
        self.totalBytes = totalBytes
        self.enabled = enabled
    }

    /// Bytes received so far in this run.
    public var transferredBytes: Int64 {
        lock.lock()
        defer { lock.unlock() }
        return bytes
    }

    func add(bytes count: Int64) {
        lock.lock()
        defer { lock.unlock() }
        bytes += count
        draw(force: false)
    }

    func fileDone() {
        lock.lock()
        defer { lock.unlock() }
        files += 1
        draw(force: files == totalFiles)
    }

    private func draw(force: Bool) {
        guard enabled else { return }
        let now = Date()
        guard force || now.timeIntervalSince(lastDraw) >= 0.2 else { return }
        lastDraw = now
        let elapsed = max(0.001, now.timeIntervalSince(started))
        let rate = Double(bytes) / elapsed
        let remaining = rate > 0 ? Double(max(0, totalBytes - bytes)) / rate : 0
        let line = "\(files)/\(totalFiles) files  \(Self.format(bytes))/\(Self.format(totalBytes))  \(Self.format(Int64(rate)))/s  ETA \(Self.duration(remaining))"
        FileHandle.standardError.write(Data("\r\u{1B}[K\(line)".utf8))
    }

    /// Clears the line so that normal output follows.
    public func finish() {
        lock.lock()
        defer { lock.unlock() }
        if enabled { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }

    /// A byte count in binary units (1.5 GiB).
    public static func format(_ count: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(count)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 { value /= 1024; unit += 1 }
        return unit == 0 ? "\(count) B" : String(format: "%.1f %@", value, units[unit])
    }

    static func duration(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        return total >= 3600 ? String(format: "%d:%02d:%02d", total / 3600, total / 60 % 60, total % 60) : String(format: "%d:%02d", total / 60, total % 60)
    }
}
