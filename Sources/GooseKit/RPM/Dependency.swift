import CRPM

/// rpm's dependency sense flags (`RPMSENSE_*`).
public struct DependencyFlags: OptionSet, Hashable, Sendable, Codable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let less = DependencyFlags(rawValue: UInt32(RPMSENSE_LESS.rawValue))
    public static let greater = DependencyFlags(rawValue: UInt32(RPMSENSE_GREATER.rawValue))
    public static let equal = DependencyFlags(rawValue: UInt32(RPMSENSE_EQUAL.rawValue))

    /// `<`, `<=`, `=`, `>=`, `>` or empty.
    public var comparison: String {
        switch (contains(.less), contains(.equal), contains(.greater)) {
        case (true, false, false): return "<"
        case (true, true, false): return "<="
        case (false, true, false): return "="
        case (false, true, true): return ">="
        case (false, false, true): return ">"
        default: return ""
        }
    }
}

/// One Requires/Provides/BuildRequires entry, possibly versioned or rich (`(a or b)`).
public struct Dependency: Hashable, Sendable, Codable, CustomStringConvertible {
    public var name: String
    public var flags: DependencyFlags
    public var version: String

    public init(name: String, flags: DependencyFlags = [], version: String = "") {
        self.name = name
        self.flags = flags
        self.version = version
    }

    public var isRich: Bool { name.hasPrefix("(") }

    public var description: String {
        let comparison = flags.comparison
        return comparison.isEmpty || version.isEmpty ? name : "\(name) \(comparison) \(version)"
    }
}

/// rpm's per-file flags (`RPMFILE_*`).
public struct FileFlags: OptionSet, Hashable, Sendable, Codable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let config = FileFlags(rawValue: UInt32(RPMFILE_CONFIG.rawValue))
    public static let documentation = FileFlags(rawValue: UInt32(RPMFILE_DOC.rawValue))
    /// The spec file of a source package.
    public static let specFile = FileFlags(rawValue: UInt32(RPMFILE_SPECFILE.rawValue))
    public static let ghost = FileFlags(rawValue: UInt32(RPMFILE_GHOST.rawValue))
    public static let license = FileFlags(rawValue: UInt32(RPMFILE_LICENSE.rawValue))
}

/// A file listed in a package header.
public struct PackageFile: Hashable, Sendable, Codable {
    public var path: String
    public var size: UInt64
    public var mode: UInt32
    public var flags: FileFlags
    public var digest: String?
    public var linkTarget: String?

    public var isRegularFile: Bool { mode & 0o170000 == 0o100000 }
    public var isSymlink: Bool { mode & 0o170000 == 0o120000 }
    public var isDirectory: Bool { mode & 0o170000 == 0o040000 }
}
