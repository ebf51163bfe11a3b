import Foundation

/// One RPM of a build, as `build.json` lists it.
public struct BuildArtifact: Codable, Equatable, Sendable {
    /// Path relative to the build directory: `<arch>/<file>.rpm` or `src/<file>.src.rpm`.
    public var path: String
    public var name: String
    public var epoch: Int?
    public var version: String
    public var release: String
    public var arch: String
    public var sha256: String
    /// Fingerprint (or long key ID) of the key whose signature the file carries; nil when unsigned.
    public var signedBy: String?

    public init(path: String, name: String, epoch: Int?, version: String, release: String, arch: String, sha256: String, signedBy: String? = nil) {
        self.path = path
        self.name = name
        self.epoch = epoch
        self.version = version
        self.release = release
        self.arch = arch
        self.sha256 = sha256
        self.signedBy = signedBy
    }

    public var nevra: NEVRA { NEVRA(name: name, evr: EVR(epoch: epoch, version: version, release: release), arch: arch) }

    enum CodingKeys: String, CodingKey {
        case path, name, epoch, version, release, arch, sha256
        case signedBy = "signed_by"
    }
}

/// `builds/<name>/<version>/<release>/build.json`: what a build is, where it came from and what it made.
public struct BuildRecord: Codable, Equatable, Sendable {
    public enum Origin: String, Codable, Sendable {
        /// Built by `goose mock-build`.
        case built
        /// Registered from RPMs built elsewhere (`goose builds import`).
        case imported
    }

    public enum State: String, Codable, Sendable { case complete, failed }

    /// Source package name.
    public var name: String
    public var epoch: Int?
    public var version: String
    public var release: String
    public var origin: Origin
    public var state: State
    /// dist-git commit the build came from, when known.
    public var sourceCommit: String?
    /// Buildroot name or config hash, when built by goose.
    public var buildroot: String?
    public var started: Date?
    public var finished: Date?
    /// Exit code of the build (mock's codes: 0, 10 failed, 11 timeout, 30 dependencies), when built by goose.
    public var exitStatus: Int32?
    public var artifacts: [BuildArtifact]

    public init(name: String, epoch: Int?, version: String, release: String, origin: Origin, state: State = .complete,
                sourceCommit: String? = nil, buildroot: String? = nil, started: Date? = nil, finished: Date? = nil, artifacts: [BuildArtifact] = []) {
        self.name = name
        self.epoch = epoch
        self.version = version
        self.release = release
        self.origin = origin
        self.state = state
        self.sourceCommit = sourceCommit
        self.buildroot = buildroot
        self.started = started
        self.finished = finished
        self.artifacts = artifacts
        self.exitStatus = nil
    }

    public var evr: EVR { EVR(epoch: epoch, version: version, release: release) }
    /// `name-version-release`, the build's identity in tags.
    public var nvr: String { "\(name)-\(version)-\(release)" }

    enum CodingKeys: String, CodingKey {
        case name, epoch, version, release, origin, state, buildroot, started, finished, artifacts
        case sourceCommit = "source_commit"
        case exitStatus = "exit_status"
    }

    /// Canonical JSON: sorted keys, ISO 8601 dates, one trailing newline.
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return try encoder.encode(self) + Data("\n".utf8)
    }

    public static func decode(_ data: Data, file: String) throws -> BuildRecord {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do { return try decoder.decode(BuildRecord.self, from: data) } catch {
            throw GooseError.configuration(file: file, reason: "not a valid build.json (\(error))")
        }
    }
}
