import Foundation

/// What `goose mash` is asked to do.
public struct MashOptions: Sendable {
    public var tag: String
    public var arches: [String]
    public var multilib: MultilibPolicy
    /// Fingerprint of the key every package must be signed with (exported from gpg), or a public key file.
    public var requireKey: String?
    public var strict: Bool
    public var keep = 3
    public var repodata = RepodataOptions()
    /// Other repositories (directories with repodata/) that the closure check may resolve against.
    public var baseRepositories: [String] = []
    /// Fingerprint of the key that signs each repomd.xml (detached, armored repomd.xml.asc); nil: unsigned.
    public var signKey: String?
    /// GnuPG home holding `signKey` (nil: $GNUPGHOME or ~/.gnupg); its passphrase comes from gpg-agent.
    public var gnupgHome: String?

    public init(tag: String, arches: [String], multilib: MultilibPolicy, requireKey: String? = nil, strict: Bool) {
        self.tag = tag
        self.arches = arches
        self.multilib = multilib
        self.requireKey = requireKey
        self.strict = strict
    }
}

/// What a mash produced.
public struct MashReport: Codable, Equatable, Sendable {
    public struct Repository: Codable, Equatable, Sendable {
        public var path: String
        public var packages: Int
        public var reused: Int
    }
    public var tag: String
    public var directory: String
    public var builds: Int
    public var repositories: [Repository]
    public var multilib: [String]
    public var broken: [BrokenDependency]
}

extension Mash {
    /// A `--base-repo` argument as a directory: a path, or a `file://` URL of one.
    public static func baseRepositoryPath(_ argument: String) -> String {
        FileSystem.absolute(argument.hasPrefix("file://") ? String(argument.dropFirst("file://".count)) : argument)
    }

    /// Each arch names a directory of the tree: one that is not an rpm arch name (`x86_64`, `aarch64`, `ppc64le`, `s390x`)
    /// could lead out of it (`../x`) or stand in for the source or debug repository, and none at all would publish a
    /// tree of sources only.
    static func validate(arches: [String]) throws {
        guard !arches.isEmpty else {
            throw GooseError.usage("no arches to mash: give --arches or set distribution.arches in goose.toml")
        }
        for arch in arches {
            guard !arch.isEmpty, arch.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }),
                  !["source", "src", "nosrc", "noarch", "debug"].contains(arch) else {
                throw GooseError.usage("'\(arch)' is not an arch to mash (an rpm arch name such as x86_64, aarch64, ppc64le or s390x)")
            }
        }
        if Set(arches).count != arches.count { throw GooseError.usage("arches \(arches.joined(separator: ",")) name one arch twice") }
    }
}

/// A source package's ExcludeArch and ExclusiveArch, which decide the arch repositories its noarch packages go to.
public struct ArchRestriction: Equatable, Sendable {
    public var excluded: Set<String>
    public var exclusive: Set<String>
    public init(excluded: [String] = [], exclusive: [String] = []) {
        self.excluded = Set(excluded)
        self.exclusive = Set(exclusive)
    }

    /// mash's rule: not when an arch of the repository is excluded, nor when ExclusiveArch names none of them.
    public func allows(_ arch: String) -> Bool {
        let native = MashPlan.nativeArches(for: arch)
        if !excluded.isDisjoint(with: native) { return false }
        return exclusive.isEmpty || !exclusive.isDisjoint(with: native)
    }
}

/// Which file goes into which repository of a mash, as a pure function of the builds.
public enum MashPlan {
    /// `-debuginfo` and `-debugsource` packages, and the shared parts of debuginfo (`kernel-debuginfo-common-x86_64`),
    /// which the debuginfo packages require: they belong in the debug repository with them, as on EL's mirrors.
    public static func isDebug(_ name: String) -> Bool {
        name.hasSuffix("-debuginfo") || name.hasSuffix("-debugsource") || name.contains("-debuginfo-")
    }

    /// The last component of a planned file (`<build>/<arch>/<file>.rpm`); plain string work, as NSString's path
    /// methods cost more than the rest of an unchanged package's handling.
    /// Searched as UTF-8 bytes: Character-wise search walks grapheme clusters, thousands of times per mash.
    static func fileName(_ file: String) -> String {
        let bytes = file.utf8
        guard let slash = bytes.lastIndex(of: UInt8(ascii: "/")) else { return file }
        return String(file[bytes.index(after: slash)...])
    }

    /// The build directory of a planned file (`<build>/<arch>/<file>.rpm`).
    static func buildDirectory(of file: String) -> String {
        let bytes = file.utf8
        guard let last = bytes.lastIndex(of: UInt8(ascii: "/")), let arch = bytes[..<last].lastIndex(of: UInt8(ascii: "/")) else { return "" }
        return String(file[..<arch])
    }

    /// The package arches that belong natively to a repository arch.
    public static func nativeArches(for arch: String) -> Set<String> {
        switch arch {
        case "i686", "i386": return ["i386", "i486", "i586", "i686", "athlon"]
        default: return [arch]
        }
    }

    /// Repository path (`<arch>`, `<arch>/debug`, `source/tree`) → build-relative artifacts with their build directory.
    /// `multilibNames[arch]` names the multilib packages the policy chose for that arch.
    /// `restrictions[directory]` is the ExcludeArch/ExclusiveArch of that build's source package (noarch packages only;
    /// arch packages exist only for the arches their build allowed).
    public static func plan(builds: [(record: BuildRecord, directory: String)], arches: [String], multilibNames: [String: Set<String>],
                            restrictions: [String: ArchRestriction] = [:]) -> [String: [String]] {
        var plan: [String: Set<String>] = ["source/tree": []]
        for arch in arches {
            plan[arch] = []
            plan[arch + "/debug"] = []
        }
        for (record, directory) in builds {
            for artifact in record.artifacts {
                let file = directory + "/" + artifact.path
                if artifact.arch == "src" || artifact.arch == "nosrc" {
                    plan["source/tree"]!.insert(file)
                    continue
                }
                for arch in arches {
                    let debug = isDebug(artifact.name)
                    let native = artifact.arch == "noarch" || nativeArches(for: arch).contains(artifact.arch)
                    let multilib = Multilib.multilibArches(for: arch).contains(artifact.arch) && (multilibNames[arch]?.contains(artifact.name) ?? false)
                    guard native || (multilib && !debug) else { continue }
                    if artifact.arch == "noarch", let restriction = restrictions[directory], !restriction.allows(arch) { continue }
                    plan[debug ? arch + "/debug" : arch]!.insert(file)
                }
            }
        }
        return plan.mapValues { $0.sorted() }
    }
}

/// The closure checks' outcomes per arch, handed over from the threads they ran on.
final class ClosureResults: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [String: Result<[BrokenDependency], Error>] = [:]

    func record(_ arch: String, _ result: Result<[BrokenDependency], Error>) {
        lock.lock()
        defer { lock.unlock() }
        results[arch] = result
    }

    func result(of arch: String) -> Result<[BrokenDependency], Error>? {
        lock.lock()
        defer { lock.unlock() }
        return results[arch]
    }
}

/// `goose mash`: turns a tag into published, closure-checked yum repositories under `repos/<tag>/`.
public struct Mash {
    public let workspace: Workspace
    public init(workspace: Workspace) { self.workspace = workspace }

    public func repositoryRoot(of tag: String) -> String { workspace.root + "/repos/" + tag }

    /// Runs the mash; `progress` hears one line per step.
    public func run(_ options: MashOptions, progress: (String) -> Void = { _ in }) throws -> MashReport {
        try Self.validate(arches: options.arches)
        // comps goes into every arch repository as it is: one that is not a comps document would break dnf's group
        // commands on the published repository (checked with libxml2's reader, as compose-iso reads it).
        if let comps = options.repodata.comps { _ = try CompsDocument.parse(try FileSystem.contents(of: comps), file: comps) }
        // The repodata's and the closure check's libraries are mapped and set up while the tag is resolved and the
        // tree reconciled, which need neither: an incremental mash spent a fifth of its time in their loading.
        let libraries = LibraryPreload(["libcreaterepo_c.so.0", "libsolv.so.1", "libsolvext.so.1"]) {
            RPMLibrary.ensureInitialized()
            _ = RepodataGenerator.libraryReady
        }
        defer { libraries.wait() }
        let tags = TagStore(workspace: workspace)
        let inventory = BuildInventory(workspace: workspace)
        let lock = try FileLock(path: workspace.lockPath("mash-\(options.tag)"), wait: false)
        defer { lock.unlock() }
        let recordsFile = "\(workspace.root)/.goose/cache/mash/\(options.tag)/builds"
        var records = BuildRecordCache.load(recordsFile)
        let builds = try tags.resolve(options.tag, inventory: inventory, records: &records).map { ($0, inventory.directory(of: $0)) }
        try records.save(recordsFile)
        // `goose tag add` takes complete builds only; one that is not (its build.json changed since) is not mashed.
        if let (record, directory) = builds.first(where: { $0.0.state != .complete }) {
            throw GooseError.workspace("\(directory)/build.json: build \(record.nvr) of tag \(options.tag) is \(record.state.rawValue), not complete")
        }
        progress("\(builds.count) builds selected from \(options.tag)")

        // Header facts of files seen by earlier mashes come from the cache: an incremental mash reads new headers only.
        let factsFile = "\(workspace.root)/.goose/cache/mash/\(options.tag)/headers"
        var headerFacts = HeaderFactsCache.load(factsFile)
        var multilibNames: [String: Set<String>] = [:]
        for arch in options.arches where !Multilib.multilibArches(for: arch).isEmpty && options.multilib != .none {
            let compatible = Set(Multilib.multilibArches(for: arch))
            var candidates: [MultilibCandidate] = []
            for (record, directory) in builds {
                for artifact in record.artifacts where compatible.contains(artifact.arch) && !MashPlan.isDebug(artifact.name) {
                    let path = directory + "/" + artifact.path
                    let facts = try headerFacts.facts(of: path) {
                        let package = try RPMPackageReader.read(path)
                        return ["multilib", package.files.map(\.path).joined(separator: "\n"), package.requires.map(\.name).joined(separator: "\n"),
                                package.provides.map(\.name).joined(separator: "\n")]
                    }
                    guard facts.count == 4 else { throw GooseError.io(path: factsFile, reason: "damaged entry for \(path)") }
                    let lines = { (text: String) in text.isEmpty ? [] : text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) }
                    candidates.append(MultilibCandidate(name: artifact.name, files: lines(facts[1]), requires: lines(facts[2]), provides: lines(facts[3])))
                }
            }
            multilibNames[arch] = Multilib.select(candidates, policy: options.multilib, settings: workspace.configuration.multilib)
        }
        // rpmbuild keeps ExcludeArch/ExclusiveArch in the source RPM only: read it for builds that made noarch packages.
        var restrictions: [String: ArchRestriction] = [:]
        for (record, directory) in builds where record.artifacts.contains(where: { $0.arch == "noarch" }) {
            guard let source = record.artifacts.first(where: { $0.arch == "src" || $0.arch == "nosrc" }) else { continue }
            let path = directory + "/" + source.path
            let facts = try headerFacts.facts(of: path) {
                let package = try RPMPackageReader.read(path)
                return ["arch", package.excludeArch.joined(separator: " "), package.exclusiveArch.joined(separator: " ")]
            }
            guard facts.count == 3 else { throw GooseError.io(path: factsFile, reason: "damaged entry for \(path)") }
            let excluded = facts[1].split(separator: " ").map(String.init), exclusive = facts[2].split(separator: " ").map(String.init)
            if !excluded.isEmpty || !exclusive.isEmpty {
                restrictions[directory] = ArchRestriction(excluded: excluded, exclusive: exclusive)
            }
        }

        let plan = MashPlan.plan(builds: builds, arches: options.arches, multilibNames: multilibNames, restrictions: restrictions)
        // Packages/ holds each file by its name: two builds shipping one file name cannot both be in a repository.
        for repository in plan.keys.sorted() {
            var seen: [String: String] = [:]
            for file in plan[repository]! {
                let name = MashPlan.fileName(file)
                if let other = seen[name] {
                    throw GooseError.workspace("\(repository): \(name) comes from two builds of tag \(options.tag), \(MashPlan.buildDirectory(of: other)) and \(MashPlan.buildDirectory(of: file)): untag one of them")
                }
                seen[name] = file
            }
        }

        if let requireKey = options.requireKey {
            let keyring = try RequiredKey.keyring(for: requireKey, scratch: workspace.temporaryDirectory)
            let files = Set(plan.values.flatMap { $0 }).sorted()
            progress("checking signatures of \(files.count) packages")
            // A file that passed with this key and is unchanged (size, mtime) is not read and checked again; goose sign
            // rewrites the files it signs, so a new signature is a new file.
            let purpose = "signed-by " + (FileSystem.isRegularFile(requireKey) ? try ContentDigest.hexDigest(ofFile: requireKey, algorithm: .sha256) : requireKey)
            for file in files {
                do {
                    _ = try headerFacts.facts(of: file, purpose: purpose) {
                        try RPMPackageReader.verify(file, keyring: keyring)
                        return ["verified"]
                    }
                } catch let error as GooseError {
                    throw GooseError.invalidPackage(file: file, reason: "not signed by the required key \(requireKey): \(error.description.replacingOccurrences(of: file + ": ", with: ""))")
                }
            }
        }
        try headerFacts.save(factsFile)

        // An unusable signing key is an error before anything is written.
        let signer = try options.signKey.map { fingerprint -> (GPGContext, SigningKey) in
            let context = try GPGContext(homeDirectory: options.gnupgHome)
            return (context, try context.signingKey(fingerprint: fingerprint))
        }
        let root = repositoryRoot(of: options.tag)
        try FileSystem.createDirectory(root)
        let spare = spareTree(of: options.tag)
        Self.removeAbandoned(in: root, spare: spare)
        let stamp = Self.timestamp(existing: Set(Self.names(in: root)))
        let staging = "\(root)/\(stamp).\(getpid()).tmp"
        // The tree the last prune retired becomes this one: only the links that differ are changed (see PackageTree).
        let adopted = PackageTree.adopt(spare: spare, as: staging)
        if !adopted { try FileSystem.createDirectory(staging) }
        var published = false
        defer { if !published { PackageTree.retire(staging, spare: spare) } }
        let previous = FileSystem.exists(root + "/latest") ? root + "/latest" : nil

        let written = plan.keys.sorted().filter { !(plan[$0]!.isEmpty && $0.hasSuffix("/debug")) }
        var members: [String: [PackageTree.Member]] = [:]
        for repository in written { members[repository] = plan[repository]!.map { PackageTree.Member(name: MashPlan.fileName($0), source: $0) } }
        let linked = adopted ? try PackageTree.reconcile(staging, repositories: members) : [:]

        // Each file's sha256 as its build.json records it, checked wherever a package is read afresh.
        var recordedDigests: [String: String] = [:]
        for (record, directory) in builds { for artifact in record.artifacts { recordedDigests[directory + "/" + artifact.path] = artifact.sha256 } }
        var repositories: [MashReport.Repository] = []
        // The closure check of an arch repository runs while its XML is compressed and written (see RepodataGenerator).
        let closureResults = ClosureResults()
        for repository in written {
            let files = plan[repository]!
            let directory = staging + "/" + repository
            let identities = linked[repository]
            // The build directory groups packages: an incremental mash recompresses only the builds that changed.
            let packages = files.enumerated().map { index, file in
                let identity = identities?[index]
                return RepodataPackage(href: "Packages/" + members[repository]![index].name, source: identity == nil ? file : nil,
                                       group: MashPlan.buildDirectory(of: file), size: identity?.size, modificationTime: identity?.modificationTime,
                                       recordedSHA256: recordedDigests[file])
            }
            try FileSystem.createDirectory(directory + "/Packages")
            progress("\(repository): repodata for \(packages.count) packages")
            var repodataOptions = options.repodata
            if repository.hasSuffix("/debug") || repository == "source/tree" { repodataOptions.comps = nil }
            let cacheName = "\(workspace.root)/.goose/cache/mash/\(options.tag)/\(repository.replacingOccurrences(of: "/", with: "-"))"
            repodataOptions.chunkCache = cacheName + ".chunks"
            repodataOptions.segmentCache = cacheName + ".members"
            var check: (@Sendable ([ClosureGroup]) -> Void)?
            if options.arches.contains(repository) {
                progress("\(repository): closure check")
                let arch = repository, cache = cacheName + ".solv", baseRepositories = options.baseRepositories
                check = { groups in
                    closureResults.record(arch, Result { try ClosureCheck.check(groups: groups, cache: cache, baseRepositories: baseRepositories, arch: arch) })
                }
            }
            let summary = try RepodataGenerator.generate(repository: directory, packages: packages, previous: previous.map { $0 + "/" + repository },
                                                         options: repodataOptions, whileWriting: check)
            repositories.append(.init(path: repository, packages: summary.packages, reused: summary.reused))
            if let (context, key) = signer {
                let repomd = directory + "/repodata/repomd.xml"
                let signature = try context.sign(try FileSystem.contents(of: repomd), key: key.fingerprint, clear: false)
                try RepodataCache.replace(repomd + ".asc", with: signature)
            }
        }

        var broken: [BrokenDependency] = []
        // Every arch repository is among `written`, so its check has run by now.
        for arch in options.arches { broken += try closureResults.result(of: arch)?.get() ?? [] }
        if options.strict && !broken.isEmpty {
            throw GooseError.workspace("\(broken.count) broken dependencies in \(options.tag), not published (first: \(broken[0]))")
        }

        // Durable before visible: the new tree reaches the disk before any name points at it.
        // Packages the spare already linked are hardlinks of builds/ (same inode), whose data is durable there.
        var reusedLinks: [String: Set<String>] = [:]
        for (repository, identities) in linked {
            reusedLinks["\(staging)/\(repository)/Packages"] = Set(zip(members[repository]!, identities).compactMap { $1 == nil ? nil : $0.name })
        }
        Self.syncTree(staging, reusedLinks: reusedLinks)
        let final = root + "/" + stamp
        try FileSystem.moveIntoPlace(staging, final)
        published = true
        try Self.switchLatest(in: root, to: stamp)
        Self.prune(root, keep: max(1, options.keep), spare: spare)
        let multilib = multilibNames.values.flatMap { $0 }.sorted()
        return MashReport(tag: options.tag, directory: final, builds: builds.count, repositories: repositories, multilib: multilib, broken: broken)
    }

    /// Where the tree the last prune retired waits for the next mash of `tag`: under the mash cache, outside `repos/`.
    public func spareTree(of tag: String) -> String { "\(workspace.root)/.goose/cache/mash/\(tag)/spare" }

    /// The names in `directory` (none when it cannot be read).
    static func names(in directory: String) -> [String] {
        ((try? Directory(directory).entries()) ?? []).map(\.name)
    }

    /// `YYYYMMDD-HHMMSS` in UTC, with `.N` appended when mashes of the same second exist already: N is one more than
    /// any of theirs (published or staging), so a new name always sorts after the older ones, even when the plain
    /// name was pruned meanwhile.
    static func timestamp(existing: Set<String>, now: Date = Date()) -> String {
        // gmtime_r, not DateFormatter: that loads ICU's calendar data, milliseconds of every mash.
        var seconds = time_t(now.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func digits(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        let base = digits(parts.tm_year + 1900, 4) + digits(parts.tm_mon + 1, 2) + digits(parts.tm_mday, 2) + "-"
            + digits(parts.tm_hour, 2) + digits(parts.tm_min, 2) + digits(parts.tm_sec, 2)
        let counters = existing.compactMap { name -> Int? in
            // Staging trees are `<stamp>.<pid>.tmp`.
            let stamp = stampOrder(name.hasSuffix(".tmp") ? name.split(separator: ".").dropLast(2).joined(separator: ".") : name)
            return stamp?.second == base ? stamp?.counter : nil
        }
        guard let highest = counters.max() else { return base }
        return "\(base).\(highest + 1)"
    }

    /// A published mash's name as (second, counter): `20260101-000000` is counter 0, `20260101-000000.12` counter 12;
    /// nil for anything else (`latest`, staging trees, dot files).
    static func stampOrder(_ name: String) -> (second: String, counter: Int)? {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        guard let second = parts.first, second.count == 15, second.allSatisfy({ $0.isNumber || $0 == "-" }) else { return nil }
        switch parts.count {
        case 1: return (String(second), 0)
        case 2: return Int(parts[1]).map { (String(second), $0) }
        default: return nil
        }
    }

    /// fsyncs what a mash wrote under `directory`: every directory (the hardlinks are entries there) and every file
    /// except the hardlinked packages, whose data builds/ made durable. Cheaper than syncfs, which would also wait for
    /// every other writer on the file system. The fsyncs run at once, one thread each: they wait on the disk, not the
    /// CPU, and the file system's journal commits concurrent ones together (one after another, each waited for its
    /// own commit: ~25 ms apiece on a busy disk).
    /// `reusedLinks`: per directory, the package links known to be hardlinks (not stat'ed again).
    static func syncTree(_ directory: String, reusedLinks: [String: Set<String>] = [:]) {
        let paths = (try? durablePaths(Directory(directory), reusedLinks: reusedLinks)) ?? [directory]
        let group = DispatchGroup()
        for path in paths {
            group.enter()
            Thread.detachNewThread {
                let descriptor = open(path, O_RDONLY | O_CLOEXEC)
                if descriptor >= 0 { fsync(descriptor); close(descriptor) }
                group.leave()
            }
        }
        group.wait()
    }

    /// The directories and written files under `directory` (see `syncTree`).
    static func durablePaths(_ directory: Directory, reusedLinks: [String: Set<String>] = [:]) throws -> [String] {
        var paths = [directory.path]
        let reused = reusedLinks[directory.path] ?? []
        for entry in try directory.entries() {
            if entry.isDirectory {
                paths += try durablePaths(directory.subdirectory(entry.name), reusedLinks: reusedLinks)
            } else if entry.isRegularFile && !reused.contains(entry.name) {
                // A package's own stat only where it might be a copy (a hardlink's data is durable under builds/).
                if entry.name.hasSuffix(".rpm"), let status = directory.status(of: entry.name), status.st_nlink > 1 { continue }
                paths.append(directory.path + "/" + entry.name)
            }
        }
        return paths
    }

    /// Points `latest` at `stamp` with one rename of a fresh symlink over the old one.
    static func switchLatest(in root: String, to stamp: String) throws {
        let temporary = "\(root)/.latest.\(getpid()).tmp"
        FileSystem.remove(temporary)
        guard symlink(stamp, temporary) == 0 else { throw GooseError.errno(temporary, "cannot create symlink") }
        try FileSystem.moveIntoPlace(temporary, root + "/latest")
    }

    /// Removes staging trees and symlinks of mashes whose process is gone (killed); a staging tree becomes the spare
    /// when there is none (PackageTree checks every entry it reuses).
    static func removeAbandoned(in root: String, spare: String) {
        for name in names(in: root) where name.hasSuffix(".tmp") {
            let parts = name.split(separator: ".")
            guard parts.count >= 3, let pid = Int32(parts[parts.count - 2]) else { continue }
            if pid != getpid() && !ProcessTable.isRunning(pid) { PackageTree.retire(root + "/" + name, spare: spare) }
        }
    }

    /// The published mashes to delete so that `keep` remain; the one `latest` names is never deleted.
    public static func toPrune(_ names: [String], latest: String?, keep: Int) -> [String] {
        // Oldest first by (second, counter): as text, `…000000.10` would sort before `…000000.2`.
        let published = names.compactMap { name in stampOrder(name).map { (name, $0) } }
            .sorted { ($0.1.second, $0.1.counter) < ($1.1.second, $1.1.counter) }.map(\.0)
        return Array(published.dropLast(keep)).filter { $0 != latest }
    }

    /// Deletes the trees beyond `keep`; the newest of them is retired as the spare (one rename), not deleted.
    static func prune(_ root: String, keep: Int, spare: String) {
        let latest = try? FileManager.default.destinationOfSymbolicLink(atPath: root + "/latest")
        for name in toPrune(names(in: root), latest: latest, keep: keep).reversed() { PackageTree.retire(root + "/" + name, spare: spare) }
    }
}
