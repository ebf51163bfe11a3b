import Foundation
import TOMLKit

/// The settings of `goose.toml`.
public struct WorkspaceConfiguration: Equatable, Sendable {
    public var distTag = ".el9"
    public var arches = ["x86_64", "aarch64"]
    public var defaultBranch = "c9"
    public var importLayout = ImportLayout.fedora
    /// Text files larger than this go to the lookaside (spec and patches always go to git).
    public var maxGitTextSize = 1 << 20
    /// Base URL of an HTTP lookaside (dist-git protocol); empty means the workspace's own store.
    public var lookasideURL = ""
    /// File holding the bearer token for an HTTP lookaside (client and `lookaside serve`).
    public var lookasideTokenFile = ""
    /// Largest upload `lookaside serve` accepts, in bytes.
    public var lookasideMaxUploadSize: Int = 8 << 30
    /// Fingerprint of the key `goose sign` uses when --key is not given; empty means none.
    public var signingKey = ""
    /// GNUPGHOME for signing (relative to the workspace); empty means $GNUPGHOME or ~/.gnupg.
    public var signingGnupgHome = ""
    /// Tags and their inheritance (`[tags.<name>]`); a tag's contents live in `tags/<name>`.
    public var tags: [String: TagSettings] = [:]
    /// Multilib lists for `goose mash` (`[multilib]`).
    public var multilib = MultilibSettings()

    public init() {}

    static let knownKeys: [String: Set<String>] = [
        "distribution": ["dist_tag", "arches", "default_branch"],
        "import": ["layout", "max_git_text_size"],
        "lookaside": ["url", "token_file", "max_upload_size"],
        "signing": ["key", "gnupg_home"],
        "multilib": ["policy", "whitelist", "blacklist"],
    ]
    static let tagKeys: Set<String> = ["inherit", "release"]

    /// Reads and validates a goose.toml; unknown keys are errors naming the key.
    public static func load(from path: String) throws -> WorkspaceConfiguration {
        let text = String(decoding: try FileSystem.contents(of: path), as: UTF8.self)
        return try parse(text, file: path)
    }

    public static func parse(_ text: String, file: String) throws -> WorkspaceConfiguration {
        let table = try TOMLFile.parse(text, file: file)
        var configuration = WorkspaceConfiguration()
        for (section, value) in table where section != "tags" {
            guard let keys = knownKeys[section] else {
                throw GooseError.configuration(file: file, reason: "unknown section [\(section)]")
            }
            guard let sectionTable = value.table else {
                throw GooseError.configuration(file: file, reason: "\(section) must be a table")
            }
            for (key, _) in sectionTable where !keys.contains(key) {
                throw GooseError.configuration(file: file, reason: "unknown key '\(key)' in [\(section)]")
            }
        }
        func string(_ section: String, _ key: String) throws -> String? {
            guard let value = table[section]?[key] else { return nil }
            guard let string = value.string else { throw GooseError.configuration(file: file, reason: "\(section).\(key) must be a string") }
            return string
        }
        func integer(_ section: String, _ key: String) throws -> Int? {
            guard let value = table[section]?[key] else { return nil }
            guard let number = value.int else { throw GooseError.configuration(file: file, reason: "\(section).\(key) must be an integer") }
            return number
        }
        if let value = try string("distribution", "dist_tag") { configuration.distTag = value }
        if let value = try string("distribution", "default_branch") { configuration.defaultBranch = value }
        if let value = table["distribution"]?["arches"] {
            guard let array = value.array, array.allSatisfy({ $0.string != nil }) else {
                throw GooseError.configuration(file: file, reason: "distribution.arches must be a list of strings")
            }
            configuration.arches = array.compactMap { $0.string }
        }
        if let value = try string("import", "layout") {
            guard let layout = ImportLayout(rawValue: value) else {
                throw GooseError.configuration(file: file, reason: "import.layout must be 'fedora' or 'centos', not '\(value)'")
            }
            configuration.importLayout = layout
        }
        if let value = try integer("import", "max_git_text_size") { configuration.maxGitTextSize = value }
        if let value = try string("lookaside", "url") { configuration.lookasideURL = value }
        if let value = try string("lookaside", "token_file") { configuration.lookasideTokenFile = value }
        if let value = try integer("lookaside", "max_upload_size") { configuration.lookasideMaxUploadSize = value }
        if let value = try string("signing", "key") { configuration.signingKey = value }
        if let value = try string("signing", "gnupg_home") { configuration.signingGnupgHome = value }
        try parseMashSections(table, file: file, into: &configuration)
        return configuration
    }

    /// `[tags.<name>]` and `[multilib]`, the sections `goose tag` and `goose mash` read.
    static func parseMashSections(_ table: TOMLTable, file: String, into configuration: inout WorkspaceConfiguration) throws {
        func strings(_ value: TOMLValueConvertible?, _ key: String) throws -> [String]? {
            guard let value else { return nil }
            guard let array = value.array, array.allSatisfy({ $0.string != nil }) else {
                throw GooseError.configuration(file: file, reason: "\(key) must be a list of strings")
            }
            return array.compactMap { $0.string }
        }
        if let value = table["tags"] {
            guard let tags = value.table else { throw GooseError.configuration(file: file, reason: "tags must be a table of [tags.<name>] tables") }
            for (name, entry) in tags {
                guard let settings = entry.table else { throw GooseError.configuration(file: file, reason: "tags.\(name) must be a table") }
                for (key, _) in settings where !tagKeys.contains(key) {
                    throw GooseError.configuration(file: file, reason: "unknown key '\(key)' in [tags.\(name)]")
                }
                var tag = TagSettings()
                tag.inherit = try strings(settings["inherit"], "tags.\(name).inherit") ?? []
                if let release = settings["release"] {
                    guard let flag = release.bool else { throw GooseError.configuration(file: file, reason: "tags.\(name).release must be true or false") }
                    tag.release = flag
                }
                configuration.tags[name] = tag
            }
        }
        if let policy = table["multilib"]?["policy"] {
            guard let text = policy.string, let value = MultilibPolicy(rawValue: text) else {
                throw GooseError.configuration(file: file, reason: "multilib.policy must be one of devel, runtime, all, none")
            }
            configuration.multilib.policy = value
        }
        if let list = try strings(table["multilib"]?["whitelist"], "multilib.whitelist") { configuration.multilib.whitelist = list }
        if let list = try strings(table["multilib"]?["blacklist"], "multilib.blacklist") { configuration.multilib.blacklist = list }
    }

    /// The configuration as a commented goose.toml.
    public func rendered() -> String {
        func quoted(_ value: String) -> String {
            "\"" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }
        return """
        # goose workspace configuration. See goose(1).

        [distribution]
        # %{dist} of the rebuilt distribution
        dist_tag = \(quoted(distTag))
        arches = [\(arches.map(quoted).joined(separator: ", "))]
        # dist-git branch that imports go to when --branch is not given
        default_branch = \(quoted(defaultBranch))

        [import]
        # dist-git layout: "fedora" (flat, `sources`) or "centos" (SPECS/, SOURCES/, .<name>.metadata)
        layout = \(quoted(importLayout.rawValue))
        # text files above this size (bytes) go to the lookaside; spec files and patches always go to git
        max_git_text_size = \(maxGitTextSize)

        [lookaside]
        # empty: the workspace's own lookaside/ directory; else the base URL of a dist-git lookaside
        url = \(quoted(lookasideURL))
        # file with the bearer token for uploads (read by the client and by `goose lookaside serve`)
        token_file = \(quoted(lookasideTokenFile))
        # largest upload `goose lookaside serve` accepts, in bytes
        max_upload_size = \(lookasideMaxUploadSize)

        [signing]
        # fingerprint of the key `goose sign` uses when --key is not given
        key = \(quoted(signingKey))
        # GNUPGHOME holding that key (relative to the workspace); empty: $GNUPGHOME or ~/.gnupg
        gnupg_home = \(quoted(signingGnupgHome))

        [multilib]
        # which i686 packages `goose mash` adds to x86_64 repos: devel, runtime, all or none
        policy = \(quoted(multilib.policy.rawValue))
        # package names always added / never added (beside the built-in lists, see goose-mash(1))
        whitelist = [\(multilib.whitelist.map(quoted).joined(separator: ", "))]
        blacklist = [\(multilib.blacklist.map(quoted).joined(separator: ", "))]
        \(renderedTags(quoted))
        """
    }

    /// `[tags.<name>]` tables, sorted by name (written by `goose tag create`).
    func renderedTags(_ quoted: (String) -> String) -> String {
        tags.keys.sorted().map { name in
            let tag = tags[name]!
            return "\n[tags.\(quoted(name))]\ninherit = [\(tag.inherit.map(quoted).joined(separator: ", "))]\nrelease = \(tag.release)\n"
        }.joined()
    }
}

/// How a dist-git repository lays out an imported package.
public enum ImportLayout: String, CaseIterable, Sendable, Codable {
    /// Flat: `<name>.spec`, patches and a `sources` file (Fedora, CentOS Stream).
    case fedora
    /// `SPECS/`, `SOURCES/` and `.<name>.metadata` (git.centos.org, Rocky).
    case centos
}

/// A tag's settings in goose.toml: its parents (in priority order) and whether it is a release tag.
public struct TagSettings: Equatable, Sendable {
    public var inherit: [String] = []
    /// Release tags are mashed with `--strict` by default.
    public var release = false
    public init(inherit: [String] = [], release: Bool = false) {
        self.inherit = inherit
        self.release = release
    }
}

/// The `[multilib]` section of goose.toml.
public struct MultilibSettings: Equatable, Sendable {
    public var policy = MultilibPolicy.devel
    public var whitelist: [String] = []
    public var blacklist: [String] = []
    public init() {}
}
