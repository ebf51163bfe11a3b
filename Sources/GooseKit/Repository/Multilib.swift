import Foundation

/// Which packages of the multilib arch (i686 on x86_64) a mash adds to a repository.
public enum MultilibPolicy: String, CaseIterable, Sendable, Codable {
    /// `-devel`/`-static` packages and runtime libraries, plus what they require.
    case devel
    /// Packages shipping shared libraries or plugins in the library directories, plus what they require.
    case runtime
    /// Every package of the multilib arch.
    case all
    /// No multilib packages.
    case none
}

/// What the multilib rules look at in a package: its name, files and dependencies.
public struct MultilibCandidate: Hashable, Sendable {
    public var name: String
    public var files: [String]
    public var requires: [String]
    public var provides: [String]

    public init(name: String, files: [String], requires: [String], provides: [String]) {
        self.name = name
        self.files = files
        self.requires = requires
        self.provides = provides
    }
}

/// mash's multilib rules (python-multilib's multilib.py) as pure functions.
public enum Multilib {
    /// The arches whose packages go into a repo of `arch` as multilib, or empty when it has none.
    public static func multilibArches(for arch: String) -> [String] {
        switch arch {
        case "x86_64": return ["i686", "i586", "i486", "i386", "athlon"]
        default: return []
        }
    }

    static let libraryDirectories: Set<String> = ["/lib", "/lib64", "/usr/lib", "/usr/lib64"]
    static let pluginDirectories = ["alsa-lib", "dri", "gtk-2.0/modules", "gtk-2.0/immodules", "krb5/plugins", "sasl2", "vdpau"]
        .flatMap { ["/usr/lib/\($0)/", "/usr/lib64/\($0)/"] } + ["/lib/security/", "/lib64/security/"]
    static let runtimeBlacklist: Set<String> = ["httpd", "php", "tomcat-native"]
    static let runtimeWhitelist: Set<String> = ["valgrind", "wine", "perl-libs", "redhat-lsb", "libgnat"]
    static let develBlacklist: Set<String> = ["dmraid-devel", "httpd-devel", "kdeutils-devel", "mkinitrd-devel", "php-devel"]

    /// The `runtime` rule for one file path.
    public static func isRuntimeFile(_ path: String) -> Bool {
        let directory = (path as NSString).deletingLastPathComponent
        let base = (path as NSString).lastPathComponent
        if libraryDirectories.contains(directory) {
            if base.contains(".so.") { return true }
            if (directory == "/lib" || directory == "/lib64") && (base.hasPrefix("libnss_") || base.hasPrefix("libdb-")) { return true }
        }
        if pluginDirectories.contains(where: { path.hasPrefix($0) }) { return true }
        if directory == "/etc/ld.so.conf.d" && base.hasSuffix(".conf") { return true }
        return false
    }

    /// The `runtime` policy for one package, before the dependency closure.
    public static func isRuntime(_ candidate: MultilibCandidate) -> Bool {
        if runtimeBlacklist.contains(candidate.name) { return false }
        if runtimeWhitelist.contains(candidate.name) { return true }
        return candidate.files.contains(where: isRuntimeFile)
    }

    /// The `devel` policy for one package, before the dependency closure.
    public static func isDevel(_ candidate: MultilibCandidate) -> Bool {
        let name = candidate.name
        if develBlacklist.contains(name) || (name.hasPrefix("java-") && name.hasSuffix("-devel")) { return false }
        if isRuntime(candidate) { return true }
        return (name.hasSuffix("-devel") || name.hasSuffix("-static")) && !name.hasPrefix("ghc-")
    }

    /// Whether the policy (with goose.toml's lists) takes the package itself.
    public static func isWanted(_ candidate: MultilibCandidate, policy: MultilibPolicy, settings: MultilibSettings) -> Bool {
        if settings.blacklist.contains(candidate.name) || policy == .none { return false }
        if settings.whitelist.contains(candidate.name) { return true }
        switch policy {
        case .all: return true
        case .none: return false
        case .runtime: return isRuntime(candidate)
        case .devel: return isDevel(candidate)
        }
    }

    /// The names the policy selects, plus the candidates that provide what they require (transitively).
    public static func select(_ candidates: [MultilibCandidate], policy: MultilibPolicy, settings: MultilibSettings) -> Set<String> {
        let allowed = candidates.filter { !settings.blacklist.contains($0.name) }
        var providers: [String: [MultilibCandidate]] = [:]
        for candidate in allowed {
            for capability in Set(candidate.provides + candidate.files + [candidate.name]) { providers[capability, default: []].append(candidate) }
        }
        var selected = Set<String>()
        var queue = allowed.filter { isWanted($0, policy: policy, settings: settings) }
        while let next = queue.popLast() {
            guard selected.insert(next.name).inserted else { continue }
            for requirement in next.requires where !requirement.hasPrefix("rpmlib(") {
                queue.append(contentsOf: (providers[requirement] ?? []).filter { !selected.contains($0.name) })
            }
        }
        return selected
    }
}
