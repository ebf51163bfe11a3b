import Foundation

/// Installs packages into a root directory with the host's `dnf --installroot`, from the given repositories
/// only (the host's repo files are ignored). dnf runs on the host, outside the network-less sandbox.
public struct PackageInstaller: Sendable {
    /// Repository base URLs (`file://`, `http(s)://`); each becomes a `--repofrompath` repo.
    public var repos: [String]
    public var releaseVersion: String
    public var arch: String
    /// Where dnf's private HOME (holding the `.rpmmacros` that fixes the rpmdb's place) is made.
    public var scratchDirectory: String

    /// Where goose keeps the root's rpm database: EL's own place, whatever the host's rpm defaults to
    /// (Debian's rpm puts it in `~/.rpmdb`).
    public static let databasePath = "/var/lib/rpm"

    public init(repos: [String], releaseVersion: String, arch: String, scratchDirectory: String) {
        self.repos = repos
        self.releaseVersion = releaseVersion
        self.arch = arch
        self.scratchDirectory = scratchDirectory
    }

    /// The dnf command line installing `specs` (package names, provides, `name >= version`) into `root`.
    /// `strict` false lets dnf skip what it cannot find (the build then runs with what is there).
    /// `cacheDirectory` is a host path (dnf does not put an explicit cachedir under the installroot).
    public func arguments(installing specs: [String], into root: String, strict: Bool, cacheDirectory: String) -> [String] {
        var arguments = ["dnf", "-y", "--installroot=\(root)", "--releasever=\(releaseVersion)", "--noplugins",
                         "--setopt=reposdir=/dev/null", "--setopt=cachedir=\(cacheDirectory)", "--setopt=install_weak_deps=False",
                         "--setopt=gpgcheck=False", "--setopt=metadata_expire=0", "--setopt=keepcache=False",
                         "--setopt=strict=\(strict ? "True" : "False")", "--setopt=best=False"]
        if arch != BuildrootConfiguration.hostArch && arch != "noarch" { arguments.append("--forcearch=\(arch)") }
        for (index, url) in repos.enumerated() {
            arguments += ["--repofrompath=goose-\(index),\(url)", "--repo=goose-\(index)"]
        }
        return arguments + ["install"] + specs
    }

    /// The arguments dnf reported as unavailable (`No match for argument: X`, `nothing provides X needed by …`).
    public static func missing(inOutput output: String) -> [String] {
        var missing: [String] = []
        for line in output.split(separator: "\n") {
            let text = line.trimmingCharacters(in: .whitespaces)
            var found: String?
            if let range = text.range(of: "No match for argument: ") {
                found = String(text[range.upperBound...])
            } else if let range = text.range(of: "nothing provides ") {
                let rest = text[range.upperBound...]
                found = String(rest.range(of: " needed by ").map { rest[..<$0.lowerBound] } ?? rest)
            }
            if let found, !found.isEmpty, !missing.contains(found) { missing.append(found) }
        }
        return missing
    }

    /// Installs `specs` into `root`, appending dnf's output to `log`; returns what dnf could not find.
    /// Throws (exit 30, mock's package-manager code) when dnf fails, naming the missing packages.
    /// `kind` names what is installed in root.log's `missing …` lines (setup package, BuildRequires).
    public func install(_ specs: [String], into root: String, log: String, strict: Bool = true, subject: String, kind: String) throws -> [String] {
        guard !specs.isEmpty else { return [] }
        let home = try StagingArea.create(in: scratchDirectory, purpose: "dnf-home")
        defer { FileSystem.remove(home) }
        // rpm reads ~/.rpmmacros after the host's macros: the database lands in the root's /var/lib/rpm.
        try FileSystem.createDirectory(root + Self.databasePath)
        try AtomicFileWriter.write("%_dbpath \(Self.databasePath)\n", to: home + "/.rpmmacros")
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = home
        environment["LANG"] = "C.UTF-8"
        environment["LC_ALL"] = "C.UTF-8"
        // A private metadata cache per run: never the host's /var/cache/dnf, never another run's stale copy of a
        // repo regenerated at the same URL (a wave's repo, a rebuilt local repo).
        try FileSystem.createDirectory(home + "/cache")
        var argv = arguments(installing: specs, into: root, strict: strict, cacheDirectory: home + "/cache")
        // Unprivileged: dnf runs as root of a user namespace of its own (rpm chroots for scriptlets). Believing
        // it is root, it locks the host's /var/cache/dnf: a private directory is mounted over that there.
        if getuid() != 0 {
            argv = ["unshare", "--map-root-user", "--mount", "sh", "-c",
                    "if [ -d /var/cache/dnf ]; then mount --bind \"$0\" /var/cache/dnf || exit 1; fi; exec \"$@\"", home + "/cache"] + argv
        }
        // dnf dies with goose (a kill -9 of goose must not leave it writing into a root being reclaimed).
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") { argv = ["/usr/bin/setpriv", "--pdeathsig", "KILL", "--"] + argv }
        let capture = home + "/dnf.out"
        let result = try SandboxRunner.spawnAndWait(argv, log: capture, timeout: 3600, environment: environment)
        let output = String(decoding: (try? FileSystem.contents(of: capture)) ?? Data(), as: UTF8.self)
        appendLog("Executing command: \(argv.joined(separator: " "))\n" + output + "Child return code was: \(result.status)\n", to: log)
        let missing = Self.missing(inOutput: output)
        for name in missing { appendLog("\(BuildLogs.timestamp(Date())) - missing \(kind): \(name)\n", to: log) }
        guard result.status == 0 else {
            let reason = missing.isEmpty
                ? "dnf failed with exit status \(result.status) (see root.log): " + (output.split(separator: "\n").last(where: { $0.hasPrefix("Error") }).map(String.init) ?? "")
                : "missing \(kind) (not in the root's repos): " + missing.joined(separator: ", ")
            throw GooseError.buildFailed(subject: subject, reason: reason, code: MockExitCode.packageManager)
        }
        return missing
    }

    private func appendLog(_ text: String, to path: String) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        Data(text.utf8).withUnsafeBytes { try? FileSystem.writeAll($0, to: descriptor, path: path) }
    }
}
