import CSpawn
import Foundation

/// A program goose runs (gpgconf, gpg, rpmsign, rsync, xorriso, bwrap, its own workers): posix_spawn, then
/// waitpid. Not Foundation's Process: its waitUntilExit polls the run loop in 50 ms steps, so every short run
/// of gpgconf or rpmsign cost up to 50 ms of waiting. The child gets its three standard descriptors and nothing
/// else goose has open (a lock or a socket must not outlive goose in a daemon it started), signals at their
/// defaults and an empty signal mask.
public struct ChildProcess: Sendable {
    /// Where one of the child's standard streams goes.
    public enum Stream: Sendable, Equatable {
        /// /dev/null.
        case null
        /// goose's own.
        case inherit
        /// A pipe to goose (`Running.input`, `.output`, `.error`).
        case pipe
        /// A descriptor goose has open (a log file).
        case descriptor(Int32)
        /// For standard error: wherever standard output goes.
        case standardOutput
    }

    /// An absolute path, or a name looked up on PATH.
    public var executable: String
    public var arguments: [String]
    /// nil: goose's own environment.
    public var environment: [String: String]?
    public var input: Stream
    public var output: Stream
    public var error: Stream
    /// Starts the child in a process group of its own (whose ID is its PID), so that it and everything it
    /// starts can be killed together.
    public var newProcessGroup: Bool

    public init(_ executable: String, _ arguments: [String] = [], environment: [String: String]? = nil,
                input: Stream = .null, output: Stream = .null, error: Stream = .null, newProcessGroup: Bool = false) {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.input = input
        self.output = output
        self.error = error
        self.newProcessGroup = newProcessGroup
    }

    /// What a child that ran to its end left: its exit status (128 + the signal when a signal ended it) and
    /// what it wrote to piped streams.
    public struct Finished: Sendable {
        public var status: Int32
        public var output: Data
        public var error: Data

        public var outputText: String { String(decoding: output, as: UTF8.self) }
        public var errorText: String { String(decoding: error, as: UTF8.self) }
        /// The last non-empty line of standard error, for a one-line message.
        public var lastErrorLine: String? { errorText.split(separator: "\n").last.map(String.init) }
    }

    /// Starts the child; the caller waits for it.
    public func spawn() throws -> Running {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF
        if newProcessGroup {
            flags |= POSIX_SPAWN_SETPGROUP
            posix_spawnattr_setpgroup(&attributes, 0)
        }
        posix_spawnattr_setflags(&attributes, Int16(flags))
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        var everySignal = sigset_t()
        sigfillset(&everySignal)
        posix_spawnattr_setsigdefault(&attributes, &everySignal)

        // goose's ends of the pipes: [input write end, output read end, error read end]; the child's ends are
        // closed here once it has them.
        var ours: [Int32] = [-1, -1, -1]
        var theirs: [Int32] = []
        defer { theirs.forEach { close($0) } }
        func fail(_ what: String, _ code: Int32 = Foundation.errno) -> GooseError {
            ours.filter { $0 >= 0 }.forEach { close($0) }
            return GooseError.errno(executable, what, code)
        }
        for (index, stream) in [input, output, error].enumerated() {
            let target = Int32(index)
            switch stream {
            case .null:
                posix_spawn_file_actions_addopen(&actions, target, "/dev/null", index == 0 ? O_RDONLY : O_WRONLY, 0)
            case .inherit:
                break
            case let .descriptor(descriptor):
                posix_spawn_file_actions_adddup2(&actions, descriptor, target)
            case .standardOutput:
                posix_spawn_file_actions_adddup2(&actions, 1, target)
            case .pipe:
                var ends: [Int32] = [-1, -1]
                guard pipe2(&ends, O_CLOEXEC) == 0 else { throw fail("cannot create a pipe") }
                let (childEnd, ourEnd) = index == 0 ? (ends[0], ends[1]) : (ends[1], ends[0])
                ours[index] = ourEnd
                theirs.append(childEnd)
                posix_spawn_file_actions_adddup2(&actions, childEnd, target)
            }
        }
        posix_spawn_file_actions_addclosefrom_np(&actions, 3)

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let status: Int32
        if let environment {
            let pairs = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
            defer { pairs.forEach { free($0) } }
            status = posix_spawnp(&pid, executable, &actions, &attributes, argv, pairs)
        } else {
            status = posix_spawnp(&pid, executable, &actions, &attributes, argv, environ)
        }
        guard status == 0 else { throw fail("cannot start", status) }
        return Running(pid: pid, input: ours[0], output: ours[1], error: ours[2])
    }

    /// Runs the child to its end, collecting what it writes to the streams that are `.pipe`.
    public func run() throws -> Finished {
        precondition(input != .pipe, "ChildProcess.run gives the child no input; use spawn()")
        let child = try spawn()
        let (output, error) = child.readToEnd()
        return Finished(status: child.wait(), output: output, error: error)
    }

    /// A started child: goose's ends of its pipes (-1 where a stream is not piped) and its PID.
    public final class Running {
        public let pid: pid_t
        /// Write end of the child's standard input.
        public private(set) var input: Int32
        /// Read end of the child's standard output.
        public private(set) var output: Int32
        /// Read end of the child's standard error.
        public private(set) var error: Int32
        private var exitStatus: Int32?
        /// The signal that ended the child, once waited for (nil: it exited).
        public private(set) var terminatingSignal: Int32?

        init(pid: pid_t, input: Int32, output: Int32, error: Int32) {
            self.pid = pid
            self.input = input
            self.output = output
            self.error = error
        }

        deinit {
            for descriptor in [input, output, error] where descriptor >= 0 { close(descriptor) }
        }

        /// Closes standard input: the child reads end of file.
        public func closeInput() {
            if input >= 0 { close(input) }
            input = -1
        }

        /// Reads standard output and standard error (those piped) until the child closes both.
        public func readToEnd() -> (output: Data, error: Data) {
            var collected = [Data(), Data()]
            var open = [output, error]
            var buffer = [UInt8](repeating: 0, count: 65536)
            while open.contains(where: { $0 >= 0 }) {
                var polled = open.filter { $0 >= 0 }.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
                guard poll(&polled, nfds_t(polled.count), -1) >= 0 || errno == EINTR else { break }
                for entry in polled where entry.revents != 0 {
                    guard let index = open.firstIndex(of: entry.fd) else { continue }
                    let count = read(entry.fd, &buffer, buffer.count)
                    if count > 0 {
                        collected[index].append(contentsOf: buffer[0..<count])
                    } else if count == 0 || errno != EINTR {
                        close(entry.fd)
                        open[index] = -1
                    }
                }
            }
            open.filter { $0 >= 0 }.forEach { close($0) }
            output = -1
            error = -1
            return (collected[0], collected[1])
        }

        /// Waits for the child to end; its exit status, or 128 + the signal that ended it. Asked again, the same.
        @discardableResult
        public func wait() -> Int32 {
            if let exitStatus { return exitStatus }
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 {
                guard errno == EINTR else { return 127 }
            }
            if (status & 0x7f) != 0 { terminatingSignal = status & 0x7f }
            let result: Int32 = terminatingSignal.map { 128 + $0 } ?? (status >> 8) & 0xff
            exitStatus = result
            return result
        }
    }
}

/// Other processes, as the kernel's process table shows them.
enum ProcessTable {
    /// True while `pid` exists and has not exited (a zombie has: only its parent's wait is left, and a process whose
    /// parent died waits, reparented, to be reaped). Another user's process, which may not be signalled, is running.
    static func isRunning(_ pid: Int32) -> Bool {
        guard kill(pid, 0) == 0 else { return errno == EPERM }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return true }
        return stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).first != "Z"
    }
}
