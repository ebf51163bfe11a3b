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
