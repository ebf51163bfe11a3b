import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What `goose doctor` found about the host: the facts the checks are judged on, gathered once.
public struct HostFacts: Sendable, Equatable {
    /// Program names found on PATH, with their paths.
    public var programs: [String: String] = [:]
    /// Whether an unprivileged user namespace could be made (bubblewrap's sandbox needs one); nil: not tried.
    public var userNamespaces: Bool?
    /// Why user namespaces failed, when they did.
    public var userNamespaceDetail = ""
    /// createrepo_c's version as the linked library reports it; nil when it could not be asked.
    public var createrepoVersion: String?
    /// The directory whose free space was measured, and its free bytes.
    public var directory = "."
    public var freeBytes: UInt64 = 0

    public init() {}

    /// Gathers the facts of this host: PATH lookups, a bubblewrap user-namespace probe, linked library
    /// versions, free space under `directory`.
    public static func current(directory: String) -> HostFacts {
        var facts = HostFacts()
        let searchPath = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for program in HostCheck.programs {
            if let found = searchPath.split(separator: ":").map({ "\($0)/\(program)" }).first(where: FileManager.default.isExecutableFile(atPath:)) {
                facts.programs[program] = found
            }
        }
        if let bwrap = facts.programs["bwrap"] {
            // The same namespaces mock-build asks for, with nothing but / read-only: the real test of whether
            // the kernel (and any AppArmor/sysctl policy) lets this user sandbox a build.
            let (status, errors) = run(bwrap, ["--unshare-user", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
                                               "--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev", "/bin/true"])
            facts.userNamespaces = status == 0
            facts.userNamespaceDetail = errors.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        facts.createrepoVersion = LinkedLibraries.versions["createrepo_c"]
        facts.directory = directory
        var info = statvfs()
        if statvfs(directory, &info) == 0 {
            facts.freeBytes = UInt64(info.f_bavail) * UInt64(info.f_frsize)
        }
        return facts
    }

    private static func run(_ path: String, _ arguments: [String]) -> (Int32, String) {
        do {
            let finished = try ChildProcess(path, arguments, error: .pipe).run()
            return (finished.status, finished.errorText)
        } catch {
            return (127, "\(error)")
        }
    }
}

/// One line of `goose doctor`'s report.
public struct HostCheckResult: Sendable, Equatable, Codable {
    /// What was checked (`rpmbuild`, `user namespaces`, `free disk`, …).
    public var name: String
    /// The subcommands that need it.
    public var neededBy: [String]
    /// Whether goose cannot do its core work without it (doctor then exits non-zero).
    public var required: Bool
    /// Whether the host has it.
    public var ok: Bool
    /// What was found, or what is wrong.
    public var detail: String
    /// The Debian package that provides it, when installing one fixes it.
    public var package: String?
}

/// The host requirements of goose's subcommands, judged from `HostFacts` (a pure function, so tests need no host).
public enum HostCheck {
    /// A program a subcommand runs, the Debian package with it, and whether goose needs it or only checks with it.
    struct Program {
        var name: String
        var package: String
        var neededBy: [String]
        var required: Bool
    }

    static let programTable: [Program] = [
        Program(name: "rpmbuild", package: "rpm", neededBy: ["mock-build", "build-order"], required: true),
        Program(name: "bwrap", package: "bubblewrap", neededBy: ["mock-build"], required: true),
        Program(name: "gpg", package: "gnupg", neededBy: ["sign", "mash --require-key"], required: true),
        Program(name: "gpg-agent", package: "gpg-agent", neededBy: ["sign"], required: true),
        Program(name: "rpmsign", package: "rpm", neededBy: ["sign rpm (agent signer)"], required: true),
        Program(name: "implantisomd5", package: "isomd5sum", neededBy: ["compose-iso"], required: true),
        Program(name: "xorriso", package: "xorriso", neededBy: ["compose-iso (EFI boot)", "tests"], required: false),
        Program(name: "dnf", package: "dnf", neededBy: ["mock-build with repos", "checking repositories", "tests"], required: false),
        Program(name: "rsync", package: "rsync", neededBy: ["mirror-sync rsync://"], required: false),
        Program(name: "parallel", package: "parallel", neededBy: ["scripts/rebuild --sshloginfile"], required: false),
    ]

    /// The programs `HostFacts.current` looks for.
    public static var programs: [String] { programTable.map(\.name) }

    /// Below this, builds and composes of a real distribution fail part-way.
    public static let minimumFreeBytes: UInt64 = 2 << 30
    /// Below this, doctor warns: a DVD compose alone needs ~10 GB in the workspace and $TMPDIR.
    public static let recommendedFreeBytes: UInt64 = 20 << 30

    /// Judges the facts: one result per program, user namespaces, createrepo_c and free disk.
    public static func evaluate(_ facts: HostFacts) -> [HostCheckResult] {
        var results: [HostCheckResult] = programTable.map { program in
            let path = facts.programs[program.name]
            return HostCheckResult(name: program.name, neededBy: program.neededBy, required: program.required,
                                   ok: path != nil, detail: path ?? "not found on PATH", package: program.package)
        }
        if let namespaces = facts.userNamespaces {
            let detail = namespaces
                ? "bubblewrap can create user, pid, net, ipc and uts namespaces"
                : "bubblewrap cannot create namespaces" + (facts.userNamespaceDetail.isEmpty ? "" : ": " + facts.userNamespaceDetail)
                    + " (sysctl kernel.unprivileged_userns_clone=1 / user.max_user_namespaces, or AppArmor's restriction)"
            results.append(HostCheckResult(name: "user namespaces", neededBy: ["mock-build"], required: true,
                                           ok: namespaces, detail: detail, package: nil))
        }
        results.append(HostCheckResult(name: "createrepo_c library", neededBy: ["mash", "compose-iso"], required: true,
                                       ok: facts.createrepoVersion != nil,
                                       detail: facts.createrepoVersion.map { "linked, version \($0)" } ?? "not loadable",
                                       package: "libcreaterepo-c0"))
        let gib = Double(facts.freeBytes) / Double(1 << 30)
        let free = String(format: "%.1f GiB free in %@", gib, facts.directory)
        results.append(HostCheckResult(name: "free disk", neededBy: ["mock-build", "mash", "compose-iso"], required: true,
                                       ok: facts.freeBytes >= minimumFreeBytes,
                                       detail: facts.freeBytes >= recommendedFreeBytes ? free
                                           : free + (facts.freeBytes >= minimumFreeBytes ? " (20 GiB recommended for composes)" : " (at least 2 GiB needed)"),
                                       package: nil))
        return results
    }

    /// The apt-get command that installs every missing package, or nil when nothing installable is missing.
    public static func installCommand(for results: [HostCheckResult], includeOptional: Bool = true) -> String? {
        let packages = results.filter { !$0.ok && (includeOptional || $0.required) }.compactMap(\.package)
        var unique: [String] = []
        for package in packages where !unique.contains(package) { unique.append(package) }
        return unique.isEmpty ? nil : "apt-get install -y " + unique.joined(separator: " ")
    }
}
