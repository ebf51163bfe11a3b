import Foundation

/// Prepared root file systems for `dir:` and `tarball:` bases. A tarball is unpacked once per
/// (tarball, size, modification time) into `<cache>/<key>/` — beside it, then renamed into place under a
/// lock — and every later build reuses it read-only, so a warm build starts without unpacking.
public enum RootCache {
    /// The directory to use as the sandbox's `/` for a base: `/` for host, the directory itself, or the
    /// cached unpacked tarball.
    public static func rootDirectory(for base: BuildrootBase, cacheDirectory: String, log: (String) -> Void) throws -> String {
        switch base {
        case .host:
            return "/"
        case let .directory(path):
            let absolute = FileSystem.absolute(path)
            try checkRoot(absolute, source: base.description)
            log("root: directory \(absolute)")
            return absolute
        case let .tarball(path):
            let absolute = FileSystem.absolute(path)
            var info = stat()
            guard stat(absolute, &info) == 0 else { throw GooseError.configuration(file: absolute, reason: "base tarball not found") }
            let key = ContentDigest.hexDigest(of: Data("\(absolute)\n\(info.st_size)\n\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)".utf8), algorithm: .sha256)
            let target = cacheDirectory + "/" + key
            if FileSystem.isDirectory(target) {
                log("root: cached unpacked \(absolute) (\(target))")
                return target
            }
            let lock = try FileLock(path: cacheDirectory + "/\(key).lock")
            defer { lock.unlock() }
            if FileSystem.isDirectory(target) { return target }
            let staging = try StagingArea.create(in: cacheDirectory, purpose: "unpack")
            let logFile = staging + ".log"
            defer { FileSystem.remove(logFile) }
            // Device nodes are left out: the sandbox brings its own /dev.
            let result = try SandboxRunner.spawnAndWait(["tar", "-xf", absolute, "-C", staging, "--no-same-owner", "--exclude=./dev/*", "--exclude=dev/*"],
                                                        log: logFile, timeout: 3600)
            guard result.status == 0 else {
                FileSystem.remove(staging)
                let output = String(decoding: (try? FileSystem.contents(of: logFile)) ?? Data(), as: UTF8.self)
                throw GooseError.configuration(file: absolute, reason: "cannot unpack the base tarball: " + (output.split(separator: "\n").last.map(String.init) ?? "tar failed"))
            }
            do { try checkRoot(staging, source: base.description) } catch {
                FileSystem.remove(staging)
                throw error
            }
            try FileSystem.moveIntoPlace(staging, target)
            log("root: unpacked \(absolute) into \(target)")
            return target
        }
    }

    /// The identity of a populated root: the base root it starts from, the arch and release, the repos, the setup
    /// packages and the repos' current repomd.xml digests (a repo that changed makes a new root). A pure function.
    public static func populationKey(baseRoot: String, configuration: BuildrootConfiguration, repositoryDigests: [String]) -> String {
        let text = ["goose populated root 1", baseRoot, configuration.arch, configuration.releaseVersion]
            + configuration.repos.map { "repo " + $0 } + configuration.packages.map { "package " + $0 }
            + repositoryDigests.map { "repomd " + $0 }
        return ContentDigest.hexDigest(of: Data(text.joined(separator: "\n").utf8), algorithm: .sha256)
    }

    /// A base root's identity for the population key: its path and the modification times of the places an
    /// update of the root changes (its rpm database, /usr, /etc), so a `dir:` root updated in place is not
    /// served from a cache populated over its old contents.
    public static func baseIdentity(_ root: String) -> String {
        var parts = [root]
        for place in ["", "/var/lib/rpm", "/usr/lib/sysimage/rpm", "/usr", "/etc", "/usr/bin"] {
            var info = stat()
            if stat(root + place, &info) == 0 { parts.append("\(place)=\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)") }
        }
        return parts.joined(separator: " ")
    }

    /// SHA-256 of a repo's `repodata/repomd.xml` (read from disk for `file://`, fetched with libcurl otherwise).
    public static func repositoryDigest(_ url: String) throws -> String {
        let base = url.hasSuffix("/") ? String(url.dropLast()) : url
        let data: Data
        if base.hasPrefix("file://") {
            let path = String(base.dropFirst("file://".count)) + "/repodata/repomd.xml"
            guard let contents = try? FileSystem.contents(of: path) else {
                throw GooseError.buildFailed(subject: url, reason: "repo has no readable repodata/repomd.xml", code: MockExitCode.packageManager)
            }
            data = contents
        } else {
            let response = try HTTPSession().get(url: base + "/repodata/repomd.xml")
            guard response.isSuccess else {
                throw GooseError.buildFailed(subject: url, reason: "repodata/repomd.xml: HTTP \(response.status)", code: MockExitCode.packageManager)
            }
            data = response.body
        }
        return ContentDigest.hexDigest(of: data, algorithm: .sha256)
    }

    /// Name of a populated root's cache entry: the definition's hash (so stale siblings can be found) and the key.
    static func populatedName(configuration: BuildrootConfiguration, key: String) -> String {
        "populated-" + configuration.hash.prefix(16) + "-" + key.prefix(32)
    }

    /// A root with the setup packages installed, cached under `<cache>/populated-…/` and shared read-only by
    /// builds. Built once per key: beside its target, under an exclusive lock, then renamed into place.
    /// Returns the root and the shared lock that keeps it from being scrubbed while the build uses it.
    public static func populatedRoot(baseRoot: String, configuration: BuildrootConfiguration, key: String, cacheDirectory: String,
                                     installer: PackageInstaller, log: BuildLogs) throws -> (root: String, lock: FileLock) {
        let name = populatedName(configuration: configuration, key: key)
        let target = cacheDirectory + "/" + name, lockPath = cacheDirectory + "/" + name + ".lock"
        while true {
            let reader = try FileLock(path: lockPath, shared: true)
            if FileSystem.isDirectory(target) {
                log.root("root: cached populated root \(target)")
                return (target, reader)
            }
            reader.unlock()
            let writer = try FileLock(path: lockPath)
            if !FileSystem.isDirectory(target) {
                let staging = try StagingArea.create(in: cacheDirectory, purpose: "populate")
                do {
                    try populate(staging, baseRoot: baseRoot, configuration: configuration, installer: installer, log: log)
                    try FileSystem.moveIntoPlace(staging, target)
                } catch {
                    FileSystem.remove(staging)
                    throw error
                }
                log.root("root: populated \(target) (key \(key))")
                removeStale(configuration: configuration, keeping: name, cacheDirectory: cacheDirectory, log: log)
            }
            writer.unlock()
            // Loops to take the reader's lock; the root may (rarely) have been scrubbed in between.
        }
    }

    /// Fills `directory` with a copy of the base root and installs the setup packages into it.
    public static func populate(_ directory: String, baseRoot: String, configuration: BuildrootConfiguration,
                                installer: PackageInstaller, log: BuildLogs) throws {
        try log.phase("populate root") {
            if baseRoot != "/" { try cloneTree(baseRoot, to: directory, log: log.root) }
            log.root("installing the setup packages: " + configuration.packages.joined(separator: " "))
            _ = try installer.install(configuration.packages, into: directory, log: log.root, subject: "buildroot \(configuration.name)", kind: "setup package")
        }
    }

    /// Copies a root cheaply: hardlinks for the read-only trees, real copies (reflinked where the file system
    /// can) of /etc and /var, which package scriptlets and the rpm database change in place. rpm itself
    /// replaces files by rename, so later installs into the copy never write through a hardlink.
    public static func cloneTree(_ source: String, to destination: String, log: (String) -> Void) throws {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: source)) ?? []).sorted()
        let skipped: Set<String> = ["dev", "proc", "sys", "lost+found"]
        let copied = names.filter { ["etc", "var", "root", "tmp", "run"].contains($0) }
        let linked = names.filter { !copied.contains($0) && !skipped.contains($0) }
        let logFile = destination + ".clone.log"
        defer { FileSystem.remove(logFile) }
        func copy(_ entries: [String], hardlinks: Bool) throws -> Bool {
            guard !entries.isEmpty else { return true }
            let flags = hardlinks ? ["-a", "-l"] : ["-a", "--reflink=auto"]
            let result = try SandboxRunner.spawnAndWait(["cp"] + flags + entries.map { source + "/" + $0 } + [destination + "/"], log: logFile, timeout: 3600)
            return result.status == 0
        }
        if try !copy(linked, hardlinks: true) {
            // Another file system (or a file this user may not link): full copies instead.
            log("root: cannot hardlink from \(source); copying")
            for entry in linked { FileSystem.remove(destination + "/" + entry) }
            guard try copy(linked, hardlinks: false) else { throw cloneFailure(source, logFile) }
        }
        guard try copy(copied, hardlinks: false) else { throw cloneFailure(source, logFile) }
        for entry in skipped where names.contains(entry) { try FileSystem.createDirectory(destination + "/" + entry) }
    }

    static func cloneFailure(_ source: String, _ logFile: String) -> GooseError {
        let output = String(decoding: (try? FileSystem.contents(of: logFile)) ?? Data(), as: UTF8.self)
        return GooseError.io(path: source, reason: "cannot copy the root: " + (output.split(separator: "\n").last.map(String.init) ?? "cp failed"))
    }

    /// Removes populated roots of the same definition made for other keys (repos changed), unless a build uses them.
    static func removeStale(configuration: BuildrootConfiguration, keeping name: String, cacheDirectory: String, log: BuildLogs) {
        let prefix = "populated-" + configuration.hash.prefix(16) + "-"
        for entry in ((try? FileManager.default.contentsOfDirectory(atPath: cacheDirectory)) ?? []) where entry.hasPrefix(prefix) && entry != name && !entry.hasSuffix(".lock") {
            if remove(entry, cacheDirectory: cacheDirectory) { log.root("root: removed stale \(cacheDirectory)/\(entry)") }
        }
    }

    /// Removes one cache entry when no build holds it (non-blocking exclusive lock); returns whether it went.
    @discardableResult
    static func remove(_ entry: String, cacheDirectory: String) -> Bool {
        guard let lock = try? FileLock(path: cacheDirectory + "/" + entry + ".lock", wait: false) else { return false }
        defer { lock.unlock() }
        // Renamed aside first: a kill -9 during the removal leaves a reclaimable scratch name, not a half root.
        let doomed = cacheDirectory + "/scrub.\(getpid()).\(entry)"
        guard rename(cacheDirectory + "/" + entry, doomed) == 0 else { return false }
        // The lock file stays: a waiter may hold it open, and a new one beside it would split the lock.
        FileSystem.remove(doomed)
        return true
    }

    /// `--scrub`: removes the cached roots (all of them, or only this definition's populated ones) that no
    /// build is using; returns the entries removed.
    public static func scrub(cacheDirectory: String, configuration: BuildrootConfiguration?) -> [String] {
        StagingArea.removeAbandoned(in: cacheDirectory)
        let prefix = configuration.map { "populated-" + $0.hash.prefix(16) + "-" }
        var removed: [String] = []
        for entry in ((try? FileManager.default.contentsOfDirectory(atPath: cacheDirectory)) ?? []).sorted() where !entry.hasSuffix(".lock") {
            if let prefix, !entry.hasPrefix(prefix) { continue }
            guard FileSystem.isDirectory(cacheDirectory + "/" + entry) else { continue }
            if remove(entry, cacheDirectory: cacheDirectory) { removed.append(entry) }
        }
        return removed
    }

    /// A root must hold rpmbuild and the directories the sandbox mounts over.
    static func checkRoot(_ directory: String, source: String) throws {
        guard FileSystem.isDirectory(directory) else { throw GooseError.configuration(file: source, reason: "the root directory does not exist") }
        var info = stat()
        guard lstat(directory + "/usr/bin/rpmbuild", &info) == 0 else {
            throw GooseError.configuration(file: source, reason: "no usr/bin/rpmbuild in the root \(directory)")
        }
        for needed in ["etc", "var"] where !FileSystem.isDirectory(directory + "/" + needed) {
            throw GooseError.configuration(file: source, reason: "the root \(directory) has no /\(needed)")
        }
    }
}
