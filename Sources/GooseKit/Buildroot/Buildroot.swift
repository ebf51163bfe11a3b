import CRPM
import Foundation

/// Options of one build that are not part of the root's definition.
public struct BuildOptions: Sendable {
    /// `--with X` / `--without X` bconds.
    public var with: [String] = []
    public var without: [String] = []
    /// `--define 'name value'`.
    public var defines: [String] = []
    public var noCheck = false
    /// Build even when BuildRequires are not satisfied on the host (rpmbuild --nodeps).
    public var allowMissingDependencies = false
    /// Keep the root's scratch directory after the build (for debugging).
    public var keepRoot = false
    /// Overrides the definition's timeout (seconds) when set.
    public var timeout: Int?
    public var memoryLimit: Int64?
    /// Run without bubblewrap (tests of the isolation itself only).
    public var isolated = true
    /// Repos used for the BuildRequires besides the definition's (earlier waves' results), not part of the root's cache key.
    public var extraRepositories: [String] = []
    /// Use (and fill) the cache of populated roots; false populates a root of the build's own (`--no-cache`).
    public var useRootCache = true

    public init() {}

    /// Why a `--define` is not `NAME VALUE` as rpm reads it (a macro name of letters, digits and `_` not starting with
    /// a digit, an optional `(opts)`, blank, a non-empty body), nil when it is: rpmbuild would otherwise fail the build
    /// with "Macro %x has empty body" (exit 10, a failed build recorded) for what is a command-line mistake.
    public static func problem(withDefine define: String) -> String? {
        var rest = Substring(define).drop { $0 == " " || $0 == "\t" }
        if rest.first == "%" { rest = rest.dropFirst() }
        let name = rest.prefix { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
        guard let first = name.first, !first.isNumber else {
            return "--define '\(define)': expected 'NAME VALUE' with a macro name (letters, digits and _, not starting with a digit)"
        }
        rest = rest.dropFirst(name.count)
        if rest.first == "(" {
            guard let close = rest.firstIndex(of: ")") else { return "--define '\(define)': unclosed option list after %\(name)" }
            rest = rest[rest.index(after: close)...]
        }
        guard rest.first == " " || rest.first == "\t", rest.contains(where: { $0 != " " && $0 != "\t" }) else {
            return "--define '\(define)': macro %\(name) has no value (expected 'NAME VALUE')"
        }
        return nil
    }
}

/// One isolated build root with mock's life cycle: init → install → build → collect → clean,
/// writing its logs as it goes. Owns a scratch directory (removed by `clean`).
public final class Buildroot {
    public let configuration: BuildrootConfiguration
    public let options: BuildOptions
    /// Scratch directory: builddir/ (the sandbox's /builddir) and logs/.
    public let directory: String
    public let logs: BuildLogs
    /// The sandbox's `/`: the host's, a root directory, or an unpacked tarball.
    public private(set) var rootDirectory = "/"
    public var buildDirectory: String { directory + "/builddir" }
    /// Signalled when installed_pkgs.log is complete (it is written in the background).
    let packageListing = DispatchGroup()
    /// Where cached roots (unpacked tarballs, populated roots) live.
    let cacheDirectory: String
    /// Installs the BuildRequires with dnf, when the root has repos (its own, or earlier waves' results).
    var installer: PackageInstaller?
    /// Shared lock on the cached root while this build reads it (so `--scrub` cannot remove it underneath).
    var rootLock: FileLock?
    /// Whether `rootDirectory` is this build's own copy (under `directory`), which packages may be installed into.
    var ownsRootDirectory = false
    var topDirectory: String { buildDirectory + "/build" }
    /// The sandbox's /etc/passwd and /etc/group (see `identityFiles`).
    private(set) var passwdFile = "", groupFile = ""
    private var cleaned = false

    /// init: creates the root's directories and logs and records the hardware.
    public init(configuration: BuildrootConfiguration, options: BuildOptions, directory: String, cacheDirectory: String,
                sandboxFilesDirectory: String) throws {
        self.configuration = configuration
        self.options = options
        self.directory = directory
        self.cacheDirectory = cacheDirectory
        logs = try BuildLogs(directory: directory + "/logs")
        try logs.phase("init") {
            try FileSystem.createDirectory(topDirectory)
            (passwdFile, groupFile) = try Self.identityFiles(in: sandboxFilesDirectory)
            logs.append(BuildLogs.hardwareInfo(buildDirectory: directory), to: logs.hardwareInfo)
            logs.root("buildroot \(configuration.name) (\(configuration.hash)): base \(configuration.base), arch \(configuration.arch)")
            let logs = logs
            rootDirectory = try RootCache.rootDirectory(for: configuration.base, cacheDirectory: cacheDirectory) { logs.root($0) }
        }
    }

    /// The build user's name resolves inside the sandbox, as mock's `mockbuild`: a passwd and a group file bound over
    /// the root's. They are the same for every build, so they are written once in `directory` (atomically:
    /// concurrent builds may write them at once) and reused, rather than made in every root's scratch directory.
    static func identityFiles(in directory: String) throws -> (passwd: String, group: String) {
        let contents = [
            ("passwd", "root:x:0:0:root:/root:/bin/bash\nmockbuild:x:1000:1000::/builddir:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"),
            ("group", "root:x:0:\nmock:x:1000:\nnogroup:x:65534:\n"),
        ]
        var paths: [String] = []
        for (name, text) in contents {
            let path = directory + "/" + name
            if (try? FileSystem.contents(of: path)) != Data(text.utf8) {
                do {
                    try FileSystem.createDirectory(directory)
                    try AtomicFileWriter.write(text, to: path)
                } catch {
                    throw GooseError.io(path: path, reason: "cannot write the sandbox's \(name) file: \(error)")
                }
            }
            paths.append(path)
        }
        return (paths[0], paths[1])
    }

    /// Populates the root with dnf when the definition has repos: the cached populated root for the definition
    /// and the repos' current state, or with `--no-cache` a fresh one of this build's own. With only earlier
    /// waves' repos, the base root is used as it is and the BuildRequires are installed into a copy.
    public func prepareRoot() throws {
        let repos = configuration.repos + options.extraRepositories
        guard configuration.base != .host else {
            // The host's rpmbuild builds for its own arches only: `rpmbuild --target sparc9000` would label an x86_64
            // build with whatever arch was asked for. rpm's arch compatibility table decides (noarch, i686 on x86_64, …).
            RPMLibrary.ensureInitialized()
            guard rpmMachineScore(Int32(RPM_MACHTABLE_INSTARCH.rawValue), configuration.arch) > 0 || configuration.arch == "noarch" else {
                throw GooseError.buildFailed(subject: "buildroot \(configuration.name)", reason: "arch '\(configuration.arch)' is not one the host's rpmbuild can build (base host builds \(BuildrootConfiguration.hostArch) and its compatible arches)", code: MockExitCode.configuration)
            }
            if !repos.isEmpty { logs.root("base host: repos and packages are not installed (the host's root is read-only)") }
            return
        }
        guard !repos.isEmpty else { return }
        installer = PackageInstaller(repos: repos, releaseVersion: configuration.releaseVersion, arch: configuration.arch, scratchDirectory: directory)
        guard configuration.installsPackages else { return }
        let setup = PackageInstaller(repos: configuration.repos, releaseVersion: configuration.releaseVersion, arch: configuration.arch, scratchDirectory: directory)
        if options.useRootCache {
            let digests = try configuration.repos.map(RootCache.repositoryDigest)
            let key = RootCache.populationKey(baseRoot: RootCache.baseIdentity(rootDirectory), configuration: configuration, repositoryDigests: digests)
            (rootDirectory, rootLock) = try RootCache.populatedRoot(baseRoot: rootDirectory, configuration: configuration, key: key,
                                                                  cacheDirectory: cacheDirectory, installer: setup, log: logs)
        } else {
            let fresh = directory + "/root"
            try FileSystem.createDirectory(fresh)
            logs.root("--no-cache: populating a root of this build's own in \(fresh)")
            try RootCache.populate(fresh, baseRoot: rootDirectory, configuration: configuration, installer: setup, log: logs)
            (rootDirectory, ownsRootDirectory) = (fresh, true)
        }
    }

    /// Installs the BuildRequires the root lacks with dnf, into a copy of the cached root (hardlinks for the
    /// trees rpm only replaces by rename); returns those still missing (only with --allow-missing-deps).
    func installWithPackageManager(_ wanted: [Dependency], installer: PackageInstaller, subject: String) throws -> [Dependency] {
        let needed = RPMDatabase.unsatisfied(wanted, root: rootDirectory, databasePath: PackageInstaller.databasePath)
        var missing: [Dependency] = []
        if wanted.isEmpty {
            logs.root("no BuildRequires to install")
        } else if needed.isEmpty {
            logs.root("BuildRequires already in the root: " + wanted.map(\.description).joined(separator: ", "))
        } else {
            logs.root("installing BuildRequires: " + needed.map(\.description).joined(separator: ", "))
            if !ownsRootDirectory {
                let copy = directory + "/root"
                try FileSystem.createDirectory(copy)
                try RootCache.cloneTree(rootDirectory, to: copy, log: logs.root)
                logs.root("root: copied \(rootDirectory) to \(copy)")
                (rootDirectory, ownsRootDirectory) = (copy, true)
                rootLock = nil
            }
            _ = try installer.install(needed.map(\.description), into: rootDirectory, log: logs.root,
                                      strict: !options.allowMissingDependencies, subject: subject, kind: "BuildRequires")
            missing = RPMDatabase.unsatisfied(needed, root: rootDirectory, databasePath: PackageInstaller.databasePath)
            for dependency in missing { logs.root("missing BuildRequires: \(dependency)") }
        }
        logs.append(RPMDatabase.installedPackages(root: rootDirectory, databasePath: PackageInstaller.databasePath).joined(), to: logs.installedPackages)
        return missing
    }

    deinit {
        packageListing.wait()
        if !options.keepRoot { FileSystem.remove(directory) }
    }

    /// install: in `host` mode nothing is installed; the BuildRequires are checked against the host's
    /// rpm database and the missing ones returned (and logged to root.log). Also fills installed_pkgs.log.
    public func install(buildRequires: [Dependency], subject: String = "") throws -> [Dependency] {
        try logs.phase("install") {
            if let installer {
                return try installWithPackageManager(buildRequires.filter { !$0.name.hasPrefix("rpmlib(") }, installer: installer, subject: subject)
            }
            let wanted = buildRequires.filter { !$0.name.hasPrefix("rpmlib(") }
            guard configuration.base != .host else { return checkHost(wanted) }
            // The package list is only logged: the root's own rpm lists its database while the build runs,
            // off the critical path.
            let querySandbox = sandbox(sourceDateEpoch: nil)
            let logs = logs, directory = directory
            packageListing.enter()
            Thread.detachNewThread { [packageListing] in
                if let listing = try? Buildroot.captureOutput(directory: directory, sandbox: querySandbox, ["rpm", "-qa", "--qf", "%{nevra} %{buildtime} %{size}\\n"]),
                   listing.status == 0 {
                    logs.append(listing.output.split(separator: "\n").sorted().map { $0 + "\n" }.joined(), to: logs.installedPackages)
                }
                packageListing.leave()
            }
            guard !wanted.isEmpty else {
                logs.root("no BuildRequires to check")
                return []
            }
            logs.root("checking BuildRequires against the root rpm database: " + wanted.map(\.description).joined(separator: ", "))
            let check = try Self.captureOutput(directory: directory, sandbox: querySandbox, ["rpm", "-q", "--whatprovides"] + wanted.map(\.description))
            let missingNames = Set(check.output.split(separator: "\n").compactMap { line -> String? in
                line.hasPrefix("no package provides ") ? String(line.dropFirst("no package provides ".count)) : nil
            })
            let missing = wanted.filter { missingNames.contains($0.description) }
            for dependency in missing { logs.root("missing BuildRequires: \(dependency)") }
            return missing
        }
    }

    /// A host root's BuildRequires, checked against the host's rpm database with librpm in this process (rpm's
    /// own matching, no rpm process before the build); the package list is read the same way while the build
    /// runs. Only a database that exists is opened: librpm would create an empty one in its place.
    func checkHost(_ wanted: [Dependency]) -> [Dependency] {
        let database = Self.hostDatabaseCandidates.first(where: RPMDatabase.exists(in:))
        var missing: [Dependency] = []
        if wanted.isEmpty {
            logs.root("no BuildRequires to check")
        } else {
            logs.root("checking BuildRequires against the host rpm database (\(database ?? "none")): " + wanted.map(\.description).joined(separator: ", "))
            missing = database.map { RPMDatabase.unsatisfied(wanted, root: "/", databasePath: $0) } ?? wanted
            for dependency in missing { logs.root("missing BuildRequires: \(dependency)") }
        }
        if let database {
            let logs = logs
            packageListing.enter()
            Thread.detachNewThread { [packageListing] in
                logs.append(RPMDatabase.installedPackages(root: "/", databasePath: database).joined(), to: logs.installedPackages)
                packageListing.leave()
            }
        }
        return missing
    }

    /// Common rpm macro arguments: topdir, buildhost, the root's macros, the options' defines and bconds.
    func macroArguments(sourceDateEpoch: Int?) -> [String] {
        var arguments = ["--define", "_topdir /builddir/build", "--define", "_buildhost goose", "--define", "_tmppath /tmp",
                         "--define", "_dbpath /tmp/.rpmdb", "--target", configuration.arch]
        if sourceDateEpoch != nil {
            arguments += ["--define", "use_source_date_epoch_as_buildtime 1", "--define", "clamp_mtime_to_source_date_epoch 1",
                          "--define", "source_date_epoch_from_changelog 0"]
        }
        for key in configuration.macros.keys.sorted() { arguments += ["--define", "\(key) \(configuration.macros[key]!)"] }
        for define in options.defines { arguments += ["--define", define] }
        for name in options.with { arguments += ["--with", name] }
        for name in options.without { arguments += ["--without", name] }
        if options.noCheck { arguments.append("--nocheck") }
        return arguments
    }

    func sandbox(sourceDateEpoch: Int?, readOnly: [String] = [], readOnlyFiles: [String: String] = [:]) -> SandboxSpecification? {
        guard options.isolated else { return nil }
        var sandbox = SandboxSpecification(buildDirectory: buildDirectory)
        sandbox.rootDirectory = rootDirectory
        sandbox.network = configuration.network
        sandbox.passwdFile = passwdFile
        sandbox.groupFile = groupFile
        sandbox.readOnlyPaths = readOnly
        sandbox.readOnlyFiles = readOnlyFiles
        sandbox.environment = SandboxSpecification.cleanEnvironment(sourceDateEpoch: sourceDateEpoch)
        return sandbox
    }

    var timeout: Int { options.timeout ?? configuration.timeout }

    /// Runs rpmbuild in the sandbox, mapping the outcome to mock's exit codes.
    func runRPMBuild(_ arguments: [String], subject: String, sourceDateEpoch: Int?, readOnly: [String] = [], readOnlyFiles: [String: String] = [:]) throws {
        logs.append("Executing command: rpmbuild \(arguments.joined(separator: " "))\n", to: logs.build)
        let result = try SandboxRunner.run(["rpmbuild"] + arguments, sandbox: sandbox(sourceDateEpoch: sourceDateEpoch, readOnly: readOnly, readOnlyFiles: readOnlyFiles),
                                           memoryLimit: options.memoryLimit ?? configuration.memoryLimit, timeout: timeout, log: logs.build)
        logs.append("Child return code was: \(result.status)\n", to: logs.build)
        if result.timedOut {
            logs.append("Timeout(\(timeout)) expired, the build's processes were killed\n", to: logs.build)
            throw GooseError.buildFailed(subject: subject, reason: "build timed out after \(timeout) s", code: MockExitCode.timeout)
        }
        guard result.status == 0 else {
            if options.isolated, result.status == 1, (try? String(contentsOfFile: logs.build, encoding: .utf8))?.contains("bwrap: ") == true {
                throw GooseError.buildFailed(subject: subject, reason: "could not set up the sandbox (bwrap failed)", code: MockExitCode.unshareFailed)
            }
            throw GooseError.buildFailed(subject: subject, reason: "rpmbuild failed with exit status \(result.status)", code: MockExitCode.buildFailed)
        }
    }

    /// Makes an SRPM from a spec and its sources (a dist-git checkout, mounted read-only); returns its path.
    public func buildSourcePackage(spec: String, sourceDirectory: String, sourceDateEpoch: Int?) throws -> String {
        try logs.phase("rpmbuild -bs") {
            let output = topDirectory + "/SRPMS"
            try runRPMBuild(macroArguments(sourceDateEpoch: sourceDateEpoch) + [
                "--define", "_sourcedir \(sourceDirectory)", "--define", "_specdir \(sourceDirectory)",
                "--define", "_srcrpmdir /builddir/build/SRPMS", "--nodeps", "-bs", spec,
            ], subject: (spec as NSString).lastPathComponent, sourceDateEpoch: sourceDateEpoch, readOnly: [sourceDirectory])
            let made = try Self.buildOutputs(output, kind: S_IFREG).filter { $0.hasSuffix(".src.rpm") }
            guard made.count == 1 else {
                throw GooseError.buildFailed(subject: spec, reason: "rpmbuild -bs made \(made.count) source packages", code: MockExitCode.buildFailed)
            }
            return output + "/" + made[0]
        }
    }

    /// build: `rpmbuild --rebuild` of the SRPM inside the sandbox (after the BuildRequires check).
    public func rebuild(sourcePackage: String, package: RPMPackage, sourceDateEpoch: Int?) throws {
        let missing = try install(buildRequires: package.buildRequires, subject: (sourcePackage as NSString).lastPathComponent)
        if !missing.isEmpty && !options.allowMissingDependencies {
            throw GooseError.buildFailed(subject: (sourcePackage as NSString).lastPathComponent,
                                         reason: "missing BuildRequires in the \(installer == nil ? "root" : "root's repos"): \(missing.map(\.description).joined(separator: ", ")) (install them, or pass --allow-missing-deps)",
                                         code: MockExitCode.packageManager)
        }
        try logs.phase("build phase for \(package.nevra.name)") {
            let name = (sourcePackage as NSString).lastPathComponent
            var inside = Self.originalsDirectory + "/" + name
            var bound: [String: String] = [:]
            if options.isolated && sourcePackage.hasPrefix(buildDirectory + "/") {
                // Made in this root (from a dist-git checkout): built where it lies.
                inside = "/builddir/" + sourcePackage.dropFirst(buildDirectory.count + 1)
            } else if options.isolated {
                // Mounted read-only rather than copied: a large SRPM costs nothing, and the build cannot write it. Its
                // mount point is on the sandbox's own file system, so nothing is made for it in the scratch directory.
                bound[inside] = sourcePackage
            } else {
                inside = buildDirectory + "/originals/" + name
                if !FileSystem.exists(inside) {
                    try FileSystem.createDirectory(buildDirectory + "/originals")
                    try FileSystem.copyFile(sourcePackage, to: inside, mode: 0o644)
                }
            }
            // The BuildRequires were checked (or installed) above; rpmbuild's own check would consult the
            // sandbox's empty database, which is not even created (the dummy backend).
            try runRPMBuild(macroArguments(sourceDateEpoch: sourceDateEpoch) + ["--define", "_db_backend dummy", "--nodeps", "--rebuild", inside],
                            subject: (sourcePackage as NSString).lastPathComponent, sourceDateEpoch: sourceDateEpoch, readOnlyFiles: bound)
        }
    }

    /// Where the SRPM being rebuilt is inside the sandbox (read-only, outside `/builddir`).
    public static let originalsDirectory = "/originals"

    /// collect: moves the built RPMs into `<result>/<arch>/` and copies the SRPM into `<result>/src/` (with `flat`, all
    /// into `<result>/` itself, as a result directory holds them: file names carry the arch); returns relative paths.
    public func collect(sourcePackage: String, into result: String, flat: Bool = false) throws -> [String] {
        try logs.phase("collect") {
            var collected: [String] = []
            let rpms = topDirectory + "/RPMS"
            for arch in try Self.buildOutputs(rpms, kind: S_IFDIR) {
                for file in try Self.buildOutputs(rpms + "/" + arch, kind: S_IFREG) where file.hasSuffix(".rpm") {
                    let path = flat ? file : "\(arch)/\(file)"
                    if !flat { try FileSystem.createDirectory(result + "/" + arch) }
                    // No fsync per file: the caller publishes the whole result with one rename (or syncs its directory once).
                    try Self.move(rpms + "/\(arch)/\(file)", to: result + "/" + path)
                    collected.append(path)
                }
            }
            let name = (sourcePackage as NSString).lastPathComponent
            let path = flat ? name : "src/" + name
            if !flat { try FileSystem.createDirectory(result + "/src") }
            let destination = result + "/" + path
            if FileSystem.exists(destination) { FileSystem.remove(destination) }
            // A copy, not a hardlink: the build owns its files (goose sign replaces them), and the caller's SRPM
            // may be read-only or shared.
            // Copied by goose's own loop: its errors are one line naming the file and errno (Foundation's run to pages).
            try FileSystem.copyFile(sourcePackage, to: destination, mode: 0o644)
            collected.append(path)
            return collected
        }
    }

    /// The entries of a directory the build wrote (`RPMS/`, `RPMS/<arch>/`, `SRPMS/`), sorted; each must be of `kind`
    /// (a directory or a regular file) itself, not a symbolic link: the build writes these trees, and goose reads and
    /// moves what they hold on the host's side, where a link the build planted (to `/root/.gnupg`, `/etc/shadow`) would
    /// reach what the sandbox hides. A directory that does not exist has no entries.
    static func buildOutputs(_ directory: String, kind: mode_t) throws -> [String] {
        var status = stat()
        guard lstat(directory, &status) == 0 else { return [] }
        guard (status.st_mode & S_IFMT) == S_IFDIR else {
            throw GooseError.buildFailed(subject: directory, reason: "the build made this a symbolic link or other non-directory: its contents are not collected", code: MockExitCode.buildFailed)
        }
        // readdir's types (a link is neither a directory nor a regular file there): a stat only for an entry refused.
        let listing = try Directory(directory)
        let entries = try listing.entries().sorted { $0.name < $1.name }
        if let odd = entries.first(where: { kind == S_IFDIR ? !$0.isDirectory : !$0.isRegularFile }) {
            let isLink = listing.status(of: odd.name).map { ($0.st_mode & S_IFMT) == S_IFLNK } ?? false
            let what = isLink ? "a symbolic link" : "not a \(kind == S_IFDIR ? "directory" : "regular file")"
            throw GooseError.buildFailed(subject: directory + "/" + odd.name, reason: "the build left \(what) among its results: not collected", code: MockExitCode.buildFailed)
        }
        return entries.map(\.name)
    }

    /// Moves the finished logs into `destination` (copies them across file systems); nothing writes them after.
    public func copyLogs(into destination: String) throws {
        packageListing.wait()
        try FileSystem.createDirectory(destination)
        for name in BuildLogs.names {
            try Self.move(logs.directory + "/" + name, to: destination + "/" + name)
        }
    }

    /// Renames a file over `target`, or copies it when they are on different file systems.
    static func move(_ source: String, to target: String) throws {
        if rename(source, target) == 0 { return }
        guard errno == EXDEV else { throw GooseError.errno(target, "rename from \(source) failed") }
        if FileSystem.exists(target) { FileSystem.remove(target) }
        try FileSystem.copyFile(source, to: target, mode: 0o644)
    }

    /// clean: removes the root's scratch directory (unless --keep-root).
    public func clean() {
        // Once: a failed build is cleaned before its logs are published, which cleans again.
        guard !cleaned else { return }
        cleaned = true
        if options.keepRoot { logs.root("--keep-root: the root stays in \(directory)") }
        logs.append(BuildLogs.stateLine(Date(), starting: true, phase: "clean chroot"), to: logs.state)
        logs.append(BuildLogs.stateLine(Date(), starting: false, phase: "clean chroot"), to: logs.state)
    }

    /// Where a host keeps its rpm database: EL's places, then Debian rpm's per-user one.
    static var hostDatabaseCandidates: [String] {
        ["/usr/lib/sysimage/rpm", "/var/lib/rpm"] + (ProcessInfo.processInfo.environment["HOME"].map { [$0 + "/.rpmdb"] } ?? [])
    }

    /// Runs a host command (outside the sandbox) and returns its status and output.
    static func captureOutput(directory: String, sandbox: SandboxSpecification? = nil, _ argv: [String]) throws -> (status: Int32, output: String) {
        let file = directory + "/capture.\(UUID().uuidString)"
        defer { FileSystem.remove(file) }
        let result = try SandboxRunner.run(argv, sandbox: sandbox, timeout: 60, log: file)
        return (result.status, String(decoding: (try? FileSystem.contents(of: file)) ?? Data(), as: UTF8.self))
    }
}
