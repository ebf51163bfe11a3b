import Foundation

/// How a build command is isolated: bubblewrap namespaces over a read-only host (or root directory).
public struct SandboxSpecification: Equatable, Sendable {
    /// The directory whose top-level entries become the sandbox's `/` (read-only): `/` for a host root.
    public var rootDirectory = "/"
    /// Host directory mounted read-write at `/builddir`.
    public var buildDirectory: String
    /// Extra host paths visible read-only at the same place (inputs outside the root).
    public var readOnlyPaths: [String] = []
    /// Host files mounted read-only at a path inside (sandbox path → host path), e.g. the SRPM under
    /// /originals: no copy, and the build cannot change the caller's file.
    public var readOnlyFiles: [String: String] = [:]
    public var network = false
    /// Unprivileged user and group the command runs as inside.
    public var userID: UInt32 = 1000
    public var groupID: UInt32 = 1000
    /// Files (passwd, group) generated for the sandbox, bound over the root's.
    public var passwdFile: String?
    public var groupFile: String?
    public var environment: [String: String] = [:]
    public var workingDirectory = "/builddir"

    /// Top-level entries never taken from the root: the sandbox gets its own.
    static let privateTopLevel: Set<String> = ["proc", "dev", "sys", "tmp", "run", "builddir", "lost+found"]
    /// On the host's own root (base `host`), the only top-level entries a build sees: the operating system's (what a
    /// mock chroot holds). People's files (`/home`, `/root`, `/mnt`, `/media`), served data (`/srv`), `/boot` and
    /// whatever else a host keeps at its top level stay out, so that a build can neither read a volunteer's keys nor
    /// put them in a package; each bind is also a mount bwrap sets up per build. Inputs outside the root still come
    /// in through `readOnlyPaths` and `readOnlyFiles`.
    static let hostSystemTopLevel: Set<String> = ["usr", "etc", "opt", "var", "bin", "sbin", "lib", "lib32", "lib64", "libx32"]

    public init(buildDirectory: String) { self.buildDirectory = buildDirectory }

    /// The clean environment builds start from (mock's defaults plus the reproducibility settings). `LANG` as mock sets
    /// it and no `LC_ALL`: rpm's build scripts set `LANG=C` (`%___build_pre`), which an `LC_ALL` would override, making
    /// every tool of the build (and `sort`'s order) work in another locale than under mock, and each load it.
    public static func cleanEnvironment(sourceDateEpoch: Int?) -> [String: String] {
        var environment = ["PATH": "/usr/bin:/bin:/usr/sbin:/sbin", "HOME": "/builddir", "TERM": "vt100", "SHELL": "/bin/bash",
                           "LANG": "C.UTF-8", "TZ": "UTC", "USER": "mockbuild", "LOGNAME": "mockbuild",
                           "HOSTNAME": "goose"]
        if let sourceDateEpoch { environment["SOURCE_DATE_EPOCH"] = String(sourceDateEpoch) }
        return environment
    }

    /// The bwrap arguments (without the program) for the root's top-level entries: each directory bound
    /// read-only (on the host's root, only the system's), each symlink recreated, the private ones made
    /// fresh. A pure function of the listing.
    public func arguments(topLevel entries: [(name: String, symlinkTarget: String?, isDirectory: Bool)]) -> [String] {
        var arguments = ["--unshare-user", "--unshare-ipc", "--unshare-pid", "--unshare-uts", "--unshare-cgroup-try",
                         "--die-with-parent", "--new-session", "--uid", String(userID), "--gid", String(groupID),
                         "--hostname", "goose"]
        if !network { arguments.append("--unshare-net") }
        let root = rootDirectory.hasSuffix("/") ? rootDirectory : rootDirectory + "/"
        let taken: (String) -> Bool = root == "/" ? { Self.hostSystemTopLevel.contains($0) } : { !Self.privateTopLevel.contains($0) }
        for entry in entries.sorted(by: { $0.name < $1.name }) where taken(entry.name) {
            if let target = entry.symlinkTarget {
                arguments += ["--symlink", target, "/" + entry.name]
            } else if entry.isDirectory {
                arguments += ["--ro-bind", root + entry.name, "/" + entry.name]
            }
        }
        arguments += ["--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp", "--dir", "/run"]
        if entries.contains(where: { $0.name == "var" && $0.isDirectory }) { arguments += ["--tmpfs", "/var/tmp"] }
        arguments += ["--bind", buildDirectory, "/builddir"]
        for path in readOnlyPaths { arguments += ["--ro-bind", path, path] }
        for inside in readOnlyFiles.keys.sorted() { arguments += ["--ro-bind", readOnlyFiles[inside]!, inside] }
        if let passwdFile { arguments += ["--ro-bind", passwdFile, "/etc/passwd"] }
        if let groupFile { arguments += ["--ro-bind", groupFile, "/etc/group"] }
        if network { arguments += ["--ro-bind-try", "/etc/resolv.conf", "/etc/resolv.conf"] }
        arguments += ["--remount-ro", "/", "--chdir", workingDirectory, "--clearenv"]
        for key in environment.keys.sorted() { arguments += ["--setenv", key, environment[key]!] }
        return arguments
    }

    /// Lists the root's top-level entries from the file system.
    public func topLevelEntries() throws -> [(name: String, symlinkTarget: String?, isDirectory: Bool)] {
        let manager = FileManager.default
        let names: [String]
        do { names = try manager.contentsOfDirectory(atPath: rootDirectory) } catch {
            throw GooseError.io(path: rootDirectory, reason: "cannot list the root: \(error.localizedDescription)")
        }
        return names.map { name in
            let path = (rootDirectory as NSString).appendingPathComponent(name)
            let target = try? manager.destinationOfSymbolicLink(atPath: path)
            return (name, target, target == nil && FileSystem.isDirectory(path))
        }
    }
}

/// How a sandboxed command ended.
public struct SandboxResult: Equatable, Sendable {
    /// Exit status, or 128 + signal when killed.
    public var status: Int32
    public var timedOut: Bool
    public var duration: TimeInterval
}

/// Runs programs with their output appended to a log, in their own process group, killing the whole
/// group (and with it bwrap's PID namespace) when a timeout expires.
public enum SandboxRunner {
    /// bwrap's path, or nil when bubblewrap is not installed.
    public static var bubblewrap: String? {
        ["/usr/bin/bwrap", "/usr/local/bin/bwrap", "/bin/bwrap"].first(where: FileManager.default.isExecutableFile(atPath:))
    }

    /// Runs `bwrap <sandbox arguments> <command>` (or the command directly when `sandbox` is nil) and waits.
    public static func run(_ command: [String], sandbox: SandboxSpecification?, memoryLimit: Int64 = 0, timeout: Int = 0,
                           log: String) throws -> SandboxResult {
        var argv = command
        if memoryLimit > 0 { argv = ["prlimit", "--as=\(memoryLimit)", "--"] + argv }
        if let sandbox {
            guard let bwrap = bubblewrap else {
                throw GooseError.buildFailed(subject: "bwrap", reason: "bubblewrap is not installed (apt-get install bubblewrap)", code: MockExitCode.unshareFailed)
            }
            argv = [bwrap] + sandbox.arguments(topLevel: try sandbox.topLevelEntries()) + argv
            // bwrap itself starts with the clean environment too: its --clearenv cleans only the command's, and bwrap's
            // init (PID 1 in the sandbox) would keep goose's, readable by the build in /proc/1/environ.
            return try spawnAndWait(argv, log: log, timeout: timeout, environment: sandbox.environment)
        }
        return try spawnAndWait(argv, log: log, timeout: timeout)
    }

    /// Spawns `argv` (argv[0] a path or a name on the host PATH) with stdout and stderr appended to `log`.
    static func spawnAndWait(_ argv: [String], log: String, timeout: Int, environment: [String: String]? = nil) throws -> SandboxResult {
        let logDescriptor = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard logDescriptor >= 0 else { throw GooseError.errno(log, "cannot open log") }
        defer { close(logDescriptor) }
        // Its own process group, so a timeout can kill everything it started.
        let child = try ChildProcess(argv[0], Array(argv.dropFirst()), environment: environment,
                                     output: .descriptor(logDescriptor), error: .descriptor(logDescriptor), newProcessGroup: true).spawn()
        let pid = child.pid
        let started = Date()
        // The timeout kills from another thread; the process is waited for without being reaped first
        // (WNOWAIT), so that the kill can never reach a recycled process group.
        let state = KillSwitch()
        if timeout > 0 {
            let processGroup = pid
            DispatchQueue.global().asyncAfter(deadline: .now() + .seconds(timeout)) {
                // bwrap's namespace init dies with it (--die-with-parent) and takes the PID namespace along.
                state.fire { kill(-processGroup, SIGKILL) }
            }
        }
        var information = siginfo_t()
        while waitid(P_PID, id_t(pid), &information, WEXITED | WNOWAIT) != 0 {
            guard errno == EINTR else { throw GooseError.errno(argv[0], "wait failed") }
        }
        let timedOut = state.disarm()
        // Anything the command left in its group (outside a sandbox) goes too, before the group can be reused.
        kill(-pid, SIGKILL)
        return SandboxResult(status: child.wait(), timedOut: timedOut, duration: Date().timeIntervalSince(started))
    }
}

/// A one-shot action that either fires (the timeout) or is disarmed (the process ended first).
final class KillSwitch: @unchecked Sendable {
    private let lock = NSLock()
    private var armed = true
    private var fired = false

    func fire(_ action: () -> Void) {
        lock.lock()
        defer { lock.unlock() }
        guard armed else { return }
        fired = true
        action()
    }

    /// Disarms the switch; returns whether it had fired.
    func disarm() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        armed = false
        return fired
    }
}
