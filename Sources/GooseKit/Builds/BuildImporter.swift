import Foundation

/// `goose builds import`: registers RPMs built elsewhere as builds, grouped by their source RPM.
public enum BuildImporter {
    /// What happened to one build of an import.
    public struct Outcome: Codable, Equatable, Sendable {
        public enum Action: String, Codable, Sendable {
            case imported
            /// Files were added to an imported build that already existed.
            case extended
            /// The build already had every file.
            case exists
        }
        public var nvr: String
        public var action: Action
        public var files: [String]
    }

    /// One package file waiting to be imported, with the build it belongs to.
    struct Member {
        var path: String
        var package: RPMPackage
    }

    /// The build (name, version, release) a package belongs to: its SOURCERPM header, or itself for an SRPM.
    public static func sourceNVR(of package: RPMPackage) throws -> (name: String, version: String, release: String) {
        if package.isSource {
            return (package.nevra.name, package.nevra.evr.version, package.nevra.evr.release)
        }
        guard let source = package.sourceRPM, let parsed = parseSourceFileName(source) else {
            throw GooseError.invalidPackage(file: package.path, reason: "no usable SOURCERPM header (\(package.sourceRPM ?? "missing"))")
        }
        return parsed
    }

    /// `name-version-release.src.rpm` (or `.nosrc.rpm`) → its parts.
    public static func parseSourceFileName(_ fileName: String) -> (name: String, version: String, release: String)? {
        var base = fileName
        for suffix in [".src.rpm", ".nosrc.rpm"] where base.hasSuffix(suffix) { base.removeLast(suffix.count) }
        guard base != fileName else { return nil }
        let parts = base.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count >= 3, !parts.contains(where: \.isEmpty) else { return nil }
        return (parts.dropLast(2).joined(separator: "-"), String(parts[parts.count - 2]), String(parts[parts.count - 1]))
    }

    /// Where a package file goes inside its build directory: `src/` for source RPMs, else `<arch>/`.
    public static func relativePath(of package: RPMPackage) -> String {
        let file = (package.path as NSString).lastPathComponent
        return (package.isSource ? "src" : package.nevra.arch) + "/" + file
    }

    /// Imports the files; every file is read and digest-checked before anything is written.
    public static func importPackages(_ paths: [String], into inventory: BuildInventory) throws -> [Outcome] {
        var groups: [String: [Member]] = [:]
        var identities: [String: (name: String, version: String, release: String)] = [:]
        for path in paths {
            let package = try RPMPackageReader.read(path)
            // A delta RPM reads as an RPM of its target NEVR, but only applydeltarpm can make it installable.
            guard package.payloadFormat != "drpm" else {
                throw GooseError.invalidPackage(file: path, reason: "a delta RPM (payload format drpm), not a package: rebuild the full RPM with applydeltarpm first")
            }
            try RPMPackageReader.verify(path)
            let source = try sourceNVR(of: package)
            let nvr = "\(source.name)-\(source.version)-\(source.release)"
            identities[nvr] = source
            groups[nvr, default: []].append(Member(path: path, package: package))
        }
        var outcomes: [Outcome] = []
        for nvr in groups.keys.sorted() {
            let members = groups[nvr]!, identity = identities[nvr]!
            let relativePaths = members.map { relativePath(of: $0.package) }
            if let duplicate = Dictionary(grouping: relativePaths, by: { $0 }).first(where: { $0.value.count > 1 }) {
                throw GooseError.importRefused(file: duplicate.key, reason: "given twice for build \(nvr)")
            }
            if let existing = try inventory.record(name: identity.name, version: identity.version, release: identity.release) {
                let added = try addToExisting(existing, members: members, relativePaths: relativePaths, inventory: inventory)
                outcomes.append(Outcome(nvr: nvr, action: added.isEmpty ? .exists : .extended, files: (added.isEmpty ? relativePaths : added).sorted()))
                continue
            }
            let staging = try inventory.makeStagingDirectory(for: nvr)
            defer { FileSystem.remove(staging) }
            var artifacts: [BuildArtifact] = []
            for (member, relative) in zip(members, relativePaths) {
                try linkOrCopy(member.path, to: staging + "/" + relative)
                artifacts.append(try artifact(member, relative))
            }
            artifacts.sort { $0.path < $1.path }
            // The build's epoch is its packages' (they share one spec); prefer the source package's.
            let epoch = (members.first { $0.package.isSource } ?? members[0]).package.nevra.evr.epoch
            let record = BuildRecord(name: identity.name, epoch: epoch, version: identity.version, release: identity.release,
                                     origin: .imported, finished: Date(), artifacts: artifacts)
            try inventory.publish(record, stagedDirectory: staging)
            outcomes.append(Outcome(nvr: nvr, action: .imported, files: relativePaths.sorted()))
        }
        return outcomes
    }

    static func artifact(_ member: Member, _ relative: String) throws -> BuildArtifact {
        let keyID: String? = { if case let .signed(id) = member.package.signature { return id } else { return nil } }()
        let nevra = member.package.nevra
        return BuildArtifact(
            path: relative, name: nevra.name, epoch: nevra.evr.epoch, version: nevra.evr.version,
            release: nevra.evr.release, arch: nevra.arch,
            sha256: try ContentDigest.hexDigest(ofFile: member.path, algorithm: .sha256), signedBy: keyID)
    }

    /// Adds files an imported build lacks (an import split over several runs, as `xargs` does); a file that is
    /// already there must be identical. Returns the added paths.
    static func addToExisting(_ existing: BuildRecord, members: [Member], relativePaths: [String], inventory: BuildInventory) throws -> [String] {
        var added: [String] = []
        try inventory.update(name: existing.name, version: existing.version, release: existing.release) { record in
            let directory = inventory.directory(of: record)
            for (member, relative) in zip(members, relativePaths) {
                let candidate = try artifact(member, relative)
                if let present = record.artifacts.first(where: { $0.path == relative }) {
                    guard present.sha256 == candidate.sha256 else {
                        throw GooseError.importRefused(file: member.path, reason: "build \(record.nvr) already has a different \(relative)")
                    }
                    continue
                }
                guard record.origin == .imported else {
                    throw GooseError.importRefused(file: member.path, reason: "build \(record.nvr) was built by goose; imports cannot add to it")
                }
                // The link lands before build.json lists it: a kill in between leaves an unlisted file, never a listed missing one.
                FileSystem.remove(directory + "/" + relative)
                try linkOrCopy(member.path, to: directory + "/" + relative)
                record.artifacts.append(candidate)
                added.append(relative)
            }
            record.artifacts.sort { $0.path < $1.path }
        }
        return added
    }

    /// Hardlinks a file (same file system, no copy); copies when a link is impossible.
    public static func linkOrCopy(_ source: String, to destination: String) throws {
        try FileSystem.createDirectory((destination as NSString).deletingLastPathComponent)
        if link(source, destination) == 0 { return }
        let code = errno
        guard code == EXDEV || code == EPERM || code == EMLINK else { throw GooseError.errno(destination, "cannot link \(source)", code) }
        do { try FileManager.default.copyItem(atPath: source, toPath: destination) } catch {
            throw GooseError.io(path: destination, reason: "cannot copy \(source): \(error.localizedDescription)")
        }
    }
}
