import Foundation

/// The `builds/` directory of a workspace: one directory per NVR with build.json, the RPMs and logs.
public struct BuildInventory: Sendable {
    public let root: String
    /// Where staged build directories are assembled before they are switched into place.
    let temporaryDirectory: String
    let locksDirectory: String

    public init(workspace: Workspace) {
        root = workspace.root + "/builds"
        temporaryDirectory = workspace.temporaryDirectory
        locksDirectory = workspace.locksDirectory
    }

    /// `builds/<name>/<version>/<release>`.
    public func directory(name: String, version: String, release: String) -> String {
        "\(root)/\(name)/\(version)/\(release)"
    }

    public func directory(of record: BuildRecord) -> String {
        directory(name: record.name, version: record.version, release: record.release)
    }

    /// The record of one build, or nil when it does not exist.
    public func record(name: String, version: String, release: String) throws -> BuildRecord? {
        let path = directory(name: name, version: version, release: release) + "/build.json"
        guard FileSystem.isRegularFile(path) else { return nil }
        return try BuildRecord.decode(try FileSystem.contents(of: path), file: path)
    }

    /// Every build in the workspace, sorted by name then EVR.
    public func allRecords() throws -> [BuildRecord] {
        var records: [BuildRecord] = []
        let manager = FileManager.default
        for name in (try? manager.contentsOfDirectory(atPath: root)) ?? [] where !name.hasPrefix(".") {
            for version in (try? manager.contentsOfDirectory(atPath: "\(root)/\(name)")) ?? [] where !version.hasPrefix(".") {
                for release in (try? manager.contentsOfDirectory(atPath: "\(root)/\(name)/\(version)")) ?? [] where !release.hasPrefix(".") {
                    if let record = try record(name: name, version: version, release: release) { records.append(record) }
                }
            }
        }
        return records.sorted { $0.name != $1.name ? $0.name < $1.name : $0.evr < $1.evr }
    }

    /// Finds a build by its NVR (`name-version-release`), trying each split of the name.
    public func record(nvr: String) throws -> BuildRecord? {
        guard let (name, version, release) = Self.split(nvr: nvr) else { return nil }
        return try record(name: name, version: version, release: release)
    }

    /// The build.json an NVR names (which may not exist); nil when it is no NVR.
    public func recordFile(nvr: String) -> String? {
        Self.split(nvr: nvr).map { directory(name: $0.name, version: $0.version, release: $0.release) + "/build.json" }
    }

    static func split(nvr: String) -> (name: String, version: String, release: String)? {
        let parts = nvr.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count >= 3 else { return nil }
        return (parts.dropLast(2).joined(separator: "-"), String(parts[parts.count - 2]), String(parts[parts.count - 1]))
    }

    /// Takes the inventory's lock for one build (per NVR), so that concurrent writers of one build serialise.
    public func lock(name: String, version: String, release: String) throws -> FileLock {
        try FileLock(path: "\(locksDirectory)/build-\(name)-\(version)-\(release).lock")
    }

    /// Publishes a build assembled in `stagedDirectory` (which must hold its files; build.json is written here)
    /// by one rename; fails if the build already exists (unless `replacingFailed` and it is a failed build,
    /// which is then moved aside and removed).
    public func publish(_ record: BuildRecord, stagedDirectory: String, replacingFailed: Bool = false) throws {
        let lock = try lock(name: record.name, version: record.version, release: record.release)
        defer { lock.unlock() }
        let destination = directory(of: record)
        if replacingFailed, let existing = try self.record(name: record.name, version: record.version, release: record.release),
           existing.state == .failed {
            let trash = try makeStagingDirectory(for: record.nvr + "-replaced")
            try FileSystem.moveIntoPlace(destination, trash + "/old")
            FileSystem.remove(trash)
        }
        guard !FileSystem.exists(destination) else {
            throw GooseError.workspace("build \(record.nvr) already exists in \(destination)")
        }
        try AtomicFileWriter.write(try record.encoded(), to: stagedDirectory + "/build.json")
        // The staging directory is mkdtemp's (mode 0700); the published build is as readable as any directory the
        // user makes (the umask's), so that other users and services (mash, a web server) can read it.
        chmod(stagedDirectory, 0o777 & ~FileSystem.processUmask)
        try FileSystem.createDirectory((destination as NSString).deletingLastPathComponent)
        try FileSystem.moveIntoPlace(stagedDirectory, destination)
    }

    /// Rewrites an existing build's build.json (e.g. after signing), atomically, under the build's lock.
    public func update(name: String, version: String, release: String, _ change: (inout BuildRecord) throws -> Void) throws {
        let lock = try lock(name: name, version: version, release: release)
        defer { lock.unlock() }
        guard var record = try record(name: name, version: version, release: release) else {
            throw GooseError.workspace("no build \(name)-\(version)-\(release) in \(root)")
        }
        try change(&record)
        try AtomicFileWriter.write(try record.encoded(), to: directory(of: record) + "/build.json")
    }

    /// A fresh staging directory on the workspace's file system for assembling a build.
    public func makeStagingDirectory(for nvr: String) throws -> String {
        try StagingArea.create(in: temporaryDirectory, purpose: "build-\(nvr)")
    }
}
