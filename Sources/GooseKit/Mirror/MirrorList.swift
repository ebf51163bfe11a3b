import Foundation
import TOMLKit

/// One mirror of the network: where it serves the tree, where it is, and what it carries.
public struct MirrorSite: Sendable, Equatable, Codable {
    public var name: String
    /// Base URLs of the tree on this mirror (http, https, ftp, rsync); the first http(s)/ftp one is probed.
    public var urls: [String]
    /// ISO 3166 country code, upper case.
    public var country: String
    /// Path prefixes of the tree this mirror carries (repo roots, ISO directories); empty means everything.
    public var content: [String]

    public init(name: String, urls: [String], country: String, content: [String] = []) {
        self.name = name
        self.urls = urls
        self.country = country.uppercased()
        self.content = content
    }

    /// Whether this mirror carries `path` (a repo root or a file).
    public func carries(_ path: String) -> Bool {
        content.isEmpty || content.contains { $0 == "" || $0 == path || path.hasPrefix($0.hasSuffix("/") ? $0 : $0 + "/") }
    }

    /// The URL checks and clients use: the first http(s) or ftp one.
    public var probeURL: String? {
        urls.first { ["http://", "https://", "ftp://"].contains(where: $0.lowercased().hasPrefix) }
    }
}

/// MIRRORS.toml: the master tree and the mirrors that copy it.
public struct MirrorList: Sendable, Equatable {
    /// The master tree on local disk (its files are the reference for currency).
    public var masterDirectory: String
    /// Seconds one probe may take.
    public var timeout: Int = 10
    /// Consecutive failed checks after which a mirror is disabled until it passes again (MirrorManager uses 4).
    public var disableAfter: Int = 4
    /// Older repomd.xml versions listed as metalink alternates.
    public var alternates: Int = 3
    public var mirrors: [MirrorSite]

    /// Reads MIRRORS.toml; relative master paths are taken from the file's directory.
    public static func load(from path: String) throws -> MirrorList {
        let text = String(decoding: try FileSystem.contents(of: path), as: UTF8.self)
        let base = (FileSystem.absolute(path) as NSString).deletingLastPathComponent
        return try parse(text, file: path, baseDirectory: base)
    }

    public static func parse(_ text: String, file: String, baseDirectory: String) throws -> MirrorList {
        let table = try TOMLFile.parse(text, file: file)
        func fail(_ reason: String) -> GooseError { .configuration(file: file, reason: reason) }
        for (key, _) in table where !["master", "check", "mirror"].contains(key) { throw fail("unknown section [\(key)]") }
        guard let master = table["master"]?.table, let directory = master["directory"]?.string else {
            throw fail("[master] directory is required")
        }
        for (key, _) in master where key != "directory" { throw fail("unknown key '\(key)' in [master]") }
        var list = MirrorList(masterDirectory: directory.hasPrefix("/") ? directory : baseDirectory + "/" + directory, mirrors: [])
        if let check = table["check"]?.table {
            for (key, value) in check {
                guard let number = value.int, number >= 0 else { throw fail("check.\(key) must be a non-negative integer") }
                switch key {
                case "timeout": list.timeout = max(1, number)
                case "disable_after": list.disableAfter = max(1, number)
                case "alternates": list.alternates = number
                default: throw fail("unknown key '\(key)' in [check]")
                }
            }
        }
        guard let mirrors = table["mirror"]?.array else { throw fail("no [[mirror]] entries") }
        var names: Set<String> = []
        for (index, value) in mirrors.enumerated() {
            guard let entry = value.table else { throw fail("mirror \(index + 1) must be a table") }
            for (key, _) in entry where !["name", "urls", "url", "country", "content"].contains(key) {
                throw fail("unknown key '\(key)' in mirror \(index + 1)")
            }
            guard let name = entry["name"]?.string, !name.isEmpty else { throw fail("mirror \(index + 1) needs a name") }
            guard names.insert(name).inserted else { throw fail("mirror '\(name)' is listed twice") }
            var urls = entry["urls"]?.array?.compactMap { $0.string } ?? []
            if let url = entry["url"]?.string { urls.insert(url, at: 0) }
            guard !urls.isEmpty else { throw fail("mirror '\(name)' needs url or urls") }
            guard let country = entry["country"]?.string, country.count == 2 else {
                throw fail("mirror '\(name)' needs a two-letter country")
            }
            let content = entry["content"]?.array?.compactMap { $0.string } ?? []
            let site = MirrorSite(name: name, urls: urls, country: country, content: content)
            guard site.probeURL != nil else { throw fail("mirror '\(name)' has no http, https or ftp URL to check") }
            list.mirrors.append(site)
        }
        return list
    }
}
