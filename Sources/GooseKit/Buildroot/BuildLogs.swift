import Foundation

/// mock's exit codes, where goose's failures map onto them.
public enum MockExitCode {
    public static let success: Int32 = 0
    public static let commandLine: Int32 = 5
    public static let configuration: Int32 = 3
    public static let buildFailed: Int32 = 10
    public static let timeout: Int32 = 11
    public static let packageManager: Int32 = 30
    public static let resultDirectory: Int32 = 70
    public static let unshareFailed: Int32 = 80

    /// mock's code for a goose error: an input that cannot be built from (not an SRPM or a damaged one, not a dist-git
    /// checkout, a lookaside source missing or not matching its hash) is mock's 5 like a missing one; configuration
    /// and workspace errors 3; the others keep goose's codes (1 for I/O, 7 for a lock held).
    public static func code(for error: GooseError) -> Int32 {
        switch error {
        case let .buildFailed(_, _, code): return code
        case .usage, .invalidPackage, .unsafePayloadEntry, .importRefused, .hashMismatch, .network, .lookaside: return commandLine
        case .configuration, .workspace: return configuration
        default: return error.exitCode
        }
    }
}

/// A build's mock-compatible logs, appended to as the build goes: build.log, root.log, state.log,
/// hw_info.log, installed_pkgs.log.
public struct BuildLogs: Sendable {
    public let directory: String
    public var build: String { directory + "/build.log" }
    public var root: String { directory + "/root.log" }
    public var state: String { directory + "/state.log" }
    public var hardwareInfo: String { directory + "/hw_info.log" }
    public var installedPackages: String { directory + "/installed_pkgs.log" }
    public static let names = ["build.log", "root.log", "state.log", "hw_info.log", "installed_pkgs.log"]

    public init(directory: String) throws {
        self.directory = directory
        try FileSystem.createDirectory(directory)
        // Plain creates: FileManager's createFile writes a temporary file and renames it, five times per build.
        for name in Self.names {
            let descriptor = open(directory + "/" + name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard descriptor >= 0 else { throw GooseError.errno(directory + "/" + name, "cannot create log") }
            close(descriptor)
        }
    }

    /// mock's `asctime` format: `2024-05-01 12:00:00,123` in UTC.
    public static func timestamp(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let milliseconds = Int((date.timeIntervalSince1970 - Double(seconds)) * 1000)
        return String(format: "%04d-%02d-%02d %02d:%02d:%02d,%03d", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
                      Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), max(0, milliseconds))
    }

    /// One state.log line: `<asctime> - Start: <phase>` or `Finish: <phase>`.
    public static func stateLine(_ date: Date, starting: Bool, phase: String) -> String {
        "\(timestamp(date)) - \(starting ? "Start" : "Finish"): \(phase)\n"
    }

    /// Appends text to one of the logs (opened, written and closed, so a kill loses nothing written).
    public func append(_ text: String, to path: String) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        let data = Data(text.utf8)
        data.withUnsafeBytes { try? FileSystem.writeAll($0, to: descriptor, path: path) }
    }

    /// Appends a timestamped line to root.log (mock's `DEBUG` lines).
    public func root(_ message: String) {
        append("\(Self.timestamp(Date())) - \(message)\n", to: root)
    }

    /// Runs `body` between `Start:` and `Finish:` lines in state.log.
    public func phase<T>(_ name: String, _ body: () throws -> T) rethrows -> T {
        append(Self.stateLine(Date(), starting: true, phase: name), to: state)
        defer { append(Self.stateLine(Date(), starting: false, phase: name), to: state) }
        return try body()
    }

    /// hw_info.log as mock writes it: CPU, memory and storage of the machine.
    public static func hardwareInfo(buildDirectory: String) -> String {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let models = cpuinfo.split(separator: "\n").filter { $0.hasPrefix("model name") }
        let model = models.first.map { String($0.split(separator: ":", maxSplits: 1).last ?? "").trimmingCharacters(in: .whitespaces) } ?? "unknown"
        let meminfo = (try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8)) ?? ""
        let memory = meminfo.split(separator: "\n").filter { $0.hasPrefix("MemTotal") || $0.hasPrefix("MemAvailable") || $0.hasPrefix("SwapTotal") }
        var storage = "unknown"
        var stats = statvfs()
        if statvfs(buildDirectory, &stats) == 0 {
            let total = UInt64(stats.f_blocks) * UInt64(stats.f_frsize), free = UInt64(stats.f_bavail) * UInt64(stats.f_frsize)
            storage = "\(buildDirectory): \(total / 1_048_576) MiB total, \(free / 1_048_576) MiB available"
        }
        return "CPU info:\nArchitecture: \(BuildrootConfiguration.hostArch)\nCPU(s): \(ProcessInfo.processInfo.activeProcessorCount)\n"
            + "Model name: \(model)\n\n\nMemory:\n" + memory.joined(separator: "\n") + "\n\n\nStorage:\n" + storage + "\n"
    }
}
