import Foundation
import TOMLKit

/// Where a build root's file system comes from.
public enum BuildrootBase: Equatable, Sendable, CustomStringConvertible {
    /// The host's own toolchain and rpmbuild, mounted read-only.
    case host
    /// An existing EL root (e.g. an unpacked container image).
    case directory(String)
    /// A tarball of an EL root.
    case tarball(String)

    /// Parses `host`, `dir:PATH` or `tarball:PATH`.
    public init?(_ text: String) {
        if text == "host" { self = .host; return }
        if text.hasPrefix("dir:"), text.count > 4 { self = .directory(String(text.dropFirst(4))); return }
        if text.hasPrefix("tarball:"), text.count > 8 { self = .tarball(String(text.dropFirst(8))); return }
        return nil
    }

    public var description: String {
        switch self {
        case .host: return "host"
        case let .directory(path): return "dir:" + path
        case let .tarball(path): return "tarball:" + path
        }
    }
}

/// A build root definition: `buildroots/<name>.toml` in the workspace or a `--config` file.
public struct BuildrootConfiguration: Equatable, Sendable {
    static let knownKeys: Set<String> = ["base", "arch", "macros", "repos", "packages", "network", "timeout", "memory_limit", "releasever"]

    /// The definition's name (the file name without `.toml`).
    public var name: String
    public var base: BuildrootBase = .host
    public var arch: String = BuildrootConfiguration.hostArch
    /// rpm macros defined for the build (`dist = ".el9"`), sorted by name when rendered.
    public var macros: [String: String] = [:]
    /// Repository base URLs dependencies are installed from (dir/tarball bases).
    public var repos: [String] = []
    /// The setup package set (mock's `chroot_setup_cmd`).
    public var packages: [String] = []
    /// Whether the build may reach the network; false gives it a private network namespace.
    public var network = false
    /// Seconds before the build's whole process tree is killed; 0 means no limit.
    public var timeout = 0
    /// Address-space limit for the build's processes in bytes; 0 means no limit.
    public var memoryLimit: Int64 = 0
    /// dnf's `$releasever` for the repos; nil: the `rhel` (else `fedora`) macro, else "9".
    public var releasever: String?

    /// The release version handed to dnf.
    public var releaseVersion: String { releasever ?? macros["rhel"] ?? macros["fedora"] ?? "9" }

    /// Whether packages are installed into the root with dnf: repos given and a root of its own (not the host's).
    public var installsPackages: Bool { base != .host && !repos.isEmpty }

    public init(name: String) { self.name = name }

    /// The machine's architecture as rpm names it.
    public static var hostArch: String {
        var system = utsname()
        uname(&system)
        return withUnsafeBytes(of: &system.machine) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
    }

    /// Reads a definition file; its name is the file name without the extension.
    public static func load(from path: String) throws -> BuildrootConfiguration {
        guard FileSystem.isRegularFile(path) else { throw GooseError.configuration(file: path, reason: "no such buildroot definition") }
        let name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        return try parse(String(decoding: try FileSystem.contents(of: path), as: UTF8.self), name: name, file: path)
    }

    /// Parses a definition; unknown keys and wrong types are errors naming the key and the file.
    public static func parse(_ text: String, name: String, file: String) throws -> BuildrootConfiguration {
        let table = try TOMLFile.parse(text, file: file)
        func fail(_ reason: String) -> GooseError { .configuration(file: file, reason: reason) }
        func strings(_ key: String) throws -> [String]? {
            guard let value = table[key] else { return nil }
            guard let array = value.array, array.allSatisfy({ $0.string != nil }) else { throw fail("\(key) must be a list of strings") }
            return array.compactMap { $0.string }
        }
        for (key, _) in table where !knownKeys.contains(key) {
            throw fail("unknown key '\(key)'")
        }
        var configuration = BuildrootConfiguration(name: name)
        if let value = table["base"] {
            guard let text = value.string, let base = BuildrootBase(text) else { throw fail("base must be \"host\", \"dir:PATH\" or \"tarball:PATH\"") }
            configuration.base = base
        }
        if let value = table["arch"] {
            guard let arch = value.string, !arch.isEmpty else { throw fail("arch must be a non-empty string") }
            configuration.arch = arch
        }
        if let value = table["macros"] {
            guard let macros = value.table else { throw fail("macros must be a table") }
            for (key, macro) in macros {
                guard let string = macro.string ?? macro.int.map(String.init) else { throw fail("macros.\(key) must be a string") }
                guard key.range(of: "^[A-Za-z_][A-Za-z0-9_]*$", options: .regularExpression) != nil else { throw fail("macros.\(key): not a macro name") }
                configuration.macros[key] = string
            }
        }
        if let repos = try strings("repos") { configuration.repos = repos }
        if let packages = try strings("packages") { configuration.packages = packages }
        if let value = table["network"] {
            guard let flag = value.bool else { throw fail("network must be true or false") }
            configuration.network = flag
        }
        if let value = table["timeout"] {
            guard let seconds = value.int, seconds >= 0 else { throw fail("timeout must be a non-negative integer (seconds)") }
            configuration.timeout = seconds
        }
        if let value = table["releasever"] {
            guard let text = value.string ?? value.int.map(String.init), !text.isEmpty else { throw fail("releasever must be a non-empty string") }
            configuration.releasever = text
        }
        if !configuration.packages.isEmpty && configuration.repos.isEmpty {
            throw fail("packages need repos to install them from")
        }
        if let value = table["memory_limit"] {
            guard let bytes = value.int, bytes >= 0 else { throw fail("memory_limit must be a non-negative integer (bytes)") }
            configuration.memoryLimit = Int64(bytes)
        }
        return configuration
    }

    /// Canonical text of the settings that shape a root, hashed to identify it (and, later, its cache).
    public func rendered() -> String {
        func quoted(_ value: String) -> String {
            "\"" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }
        var lines = ["base = \(quoted(base.description))", "arch = \(quoted(arch))",
                     "repos = [\(repos.map(quoted).joined(separator: ", "))]",
                     "packages = [\(packages.map(quoted).joined(separator: ", "))]",
                     "network = \(network)", "timeout = \(timeout)", "memory_limit = \(memoryLimit)"]
        if let releasever { lines.append("releasever = \(quoted(releasever))") }
        lines += ["", "[macros]"]
        lines += macros.keys.sorted().map { "\($0) = \(quoted(macros[$0]!))" }
        return lines.joined(separator: "\n") + "\n"
    }

    /// SHA-256 of the canonical text: the root's identity in build.json.
    public var hash: String { ContentDigest.hexDigest(of: Data(rendered().utf8), algorithm: .sha256) }

    /// Finds the definition to use: an explicit file, else `buildroots/<name>.toml` in the workspace,
    /// else (for the default name only) a `host` root for this machine.
    public static func resolve(name: String?, file: String?, workspaceRoot: String?) throws -> BuildrootConfiguration {
        if let file { return try load(from: file) }
        let chosen = name ?? "default"
        if let workspaceRoot {
            let path = "\(workspaceRoot)/buildroots/\(chosen).toml"
            if FileSystem.isRegularFile(path) { return try load(from: path) }
        }
        guard name == nil || name == "host" || name == "default" else {
            throw GooseError.configuration(file: "buildroots/\(chosen).toml", reason: "no such buildroot definition"
                                           + (workspaceRoot == nil ? " (no workspace; use --config FILE)" : ""))
        }
        return BuildrootConfiguration(name: chosen)
    }
}
