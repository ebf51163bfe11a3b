import CRPM

/// Epoch, version and release, ordered as rpm orders them (librpm's `rpmvercmp`).
public struct EVR: Comparable, Hashable, Sendable, CustomStringConvertible, Codable {
    public var epoch: Int?
    public var version: String
    public var release: String

    public init(epoch: Int? = nil, version: String, release: String) {
        self.epoch = epoch
        self.version = version
        self.release = release
    }

    /// Parses `[E:]V[-R]`.
    public init(parsing text: String) {
        var rest = Substring(text)
        var epoch: Int?
        if let colon = rest.firstIndex(of: ":"), let value = Int(rest[..<colon]) {
            epoch = value
            rest = rest[rest.index(after: colon)...]
        }
        if let dash = rest.lastIndex(of: "-") {
            self.init(epoch: epoch, version: String(rest[..<dash]), release: String(rest[rest.index(after: dash)...]))
        } else {
            self.init(epoch: epoch, version: String(rest), release: "")
        }
    }

    /// `E:V-R`, with the epoch only when set.
    public var description: String {
        let base = release.isEmpty ? version : "\(version)-\(release)"
        if let epoch { return "\(epoch):\(base)" }
        return base
    }

    /// Compares two version strings with librpm's algorithm.
    public static func compareVersions(_ a: String, _ b: String) -> Int {
        Int(rpmvercmp(a, b))
    }

    public static func < (lhs: EVR, rhs: EVR) -> Bool { compare(lhs, rhs) < 0 }

    public static func == (lhs: EVR, rhs: EVR) -> Bool { compare(lhs, rhs) == 0 }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(epoch ?? 0)
        hasher.combine(version)
        hasher.combine(release)
    }

    /// -1, 0 or 1: epoch first (missing = 0), then version, then release.
    public static func compare(_ lhs: EVR, _ rhs: EVR) -> Int {
        let epochs = (lhs.epoch ?? 0, rhs.epoch ?? 0)
        if epochs.0 != epochs.1 { return epochs.0 < epochs.1 ? -1 : 1 }
        let versions = compareVersions(lhs.version, rhs.version)
        if versions != 0 { return versions }
        return compareVersions(lhs.release, rhs.release)
    }
}

/// Name, epoch, version, release and architecture of a package.
public struct NEVRA: Hashable, Sendable, CustomStringConvertible, Codable {
    public var name: String
    public var evr: EVR
    public var arch: String

    public init(name: String, evr: EVR, arch: String) {
        self.name = name
        self.evr = evr
        self.arch = arch
    }

    /// `name-version-release` (no epoch, no arch): how koji and dist-git name a build.
    public var nvr: String { "\(name)-\(evr.version)-\(evr.release)" }

    public var description: String { "\(name)-\(evr).\(arch)" }
}
