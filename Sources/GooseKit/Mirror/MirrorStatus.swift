import Foundation

/// The state of one item (repo root or ISO) on one mirror.
public enum MirrorItemState: String, Codable, Sendable {
    case current, stale, unreachable
}

/// mirrors/status.json: what the last checks found, with the history that disabling and "stale since" need.
public struct MirrorNetworkStatus: Codable, Sendable, Equatable {
    /// One item's state on a mirror.
    public struct Item: Codable, Sendable, Equatable {
        public var state: MirrorItemState
        /// When the item was first seen in this state (kept across checks while the state holds).
        public var since: Int
        public var error: String?
    }

    /// One mirror's record.
    public struct Mirror: Codable, Sendable, Equatable {
        public var name: String
        public var country: String
        public var url: String
        /// Checks in a row in which the mirror could not be reached; reset by a passing check.
        public var consecutiveFailures: Int
        /// Disabled mirrors are left out of every list until they pass a check again.
        public var disabled: Bool
        public var lastChecked: Int
        public var lastPassed: Int?
        public var repos: [String: Item]
        public var isos: [String: Item]
    }

    /// An older repomd.xml of a repo root, listed as a metalink alternate.
    public struct RepomdVersion: Codable, Sendable, Equatable {
        public var timestamp: Int
        public var size: Int64
        public var hashes: [String: String]
    }

    public var checked: Int
    public var mirrors: [Mirror]
    /// Per repo root, the current repomd.xml first, then older ones (newest first).
    public var repomd: [String: [RepomdVersion]]

    public init(checked: Int = 0, mirrors: [Mirror] = [], repomd: [String: [RepomdVersion]] = [:]) {
        self.checked = checked
        self.mirrors = mirrors
        self.repomd = repomd
    }

    /// The result of probing one item.
    public struct Probe: Sendable, Equatable {
        public var state: MirrorItemState
        public var error: String?

        public init(state: MirrorItemState, error: String? = nil) {
            self.state = state
            self.error = error
        }
    }

    /// Folds one mirror's probe results into its previous record.
    public static func update(previous: Mirror?, site: MirrorSite, url: String, repos: [String: Probe], isos: [String: Probe],
                              now: Int, disableAfter: Int) -> Mirror {
        func fold(_ probes: [String: Probe], _ old: [String: Item]?) -> [String: Item] {
            var items: [String: Item] = [:]
            for (key, probe) in probes {
                let since = old?[key].flatMap { $0.state == probe.state ? $0.since : nil } ?? now
                items[key] = Item(state: probe.state, since: since, error: probe.error)
            }
            return items
        }
        // As MirrorManager's crawler: a check fails when the mirror cannot be reached; a stale mirror answered
        // and is only left out of the lists for the stale items.
        let passed = !(Array(repos.values) + Array(isos.values)).contains { $0.state == .unreachable }
        let failures = passed ? 0 : (previous?.consecutiveFailures ?? 0) + 1
        return Mirror(name: site.name, country: site.country, url: url, consecutiveFailures: failures,
                      disabled: failures >= disableAfter, lastChecked: now,
                      lastPassed: passed ? now : previous?.lastPassed,
                      repos: fold(repos, previous?.repos), isos: fold(isos, previous?.isos))
    }

    /// Mirrors to list for a repo root or ISO: enabled and current, `country` first, then by name.
    public func currentMirrors(repo: String? = nil, iso: String? = nil, country: String? = nil) -> [Mirror] {
        mirrors.filter { mirror in
            guard !mirror.disabled else { return false }
            if let repo { return mirror.repos[repo]?.state == .current }
            if let iso { return mirror.isos[iso]?.state == .current }
            return false
        }.sorted { left, right in
            let leftLocal = left.country == country, rightLocal = right.country == country
            if leftLocal != rightLocal { return leftLocal }
            return left.name < right.name
        }
    }
}

/// Metalink 3.0 with MirrorManager's mm0 namespace, as dnf/librepo read it.
public enum Metalink {
    /// The metalink for one repo's repomd.xml: current version, alternates, and the mirrors' URLs in preference order.
    public static func render(versions: [MirrorNetworkStatus.RepomdVersion], urls: [(url: String, country: String)],
                              generated: Int) -> String {
        func escape(_ text: String) -> String {
            text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
        }
        func describe(_ version: MirrorNetworkStatus.RepomdVersion, indent: String) -> [String] {
            var lines = ["\(indent)<mm0:timestamp>\(version.timestamp)</mm0:timestamp>", "\(indent)<size>\(version.size)</size>",
                         "\(indent)<verification>"]
            for type in ["md5", "sha1", "sha256", "sha512"] {
                if let hash = version.hashes[type] { lines.append("\(indent) <hash type=\"\(type)\">\(hash)</hash>") }
            }
            lines.append("\(indent)</verification>")
            return lines
        }
        var lines = [
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>",
            "<metalink version=\"3.0\" xmlns=\"http://www.metalinker.org/\" type=\"dynamic\" pubdate=\"\(ConditionalState.httpDate(generated))\" "
                + "generator=\"goose/\(GooseVersion.current)\" xmlns:mm0=\"http://fedorahosted.org/mirrormanager\">",
            " <files>",
            "  <file name=\"repomd.xml\">",
        ]
        if let current = versions.first {
            lines += describe(current, indent: "   ")
            if versions.count > 1 {
                lines.append("   <mm0:alternates>")
                for older in versions.dropFirst() {
                    lines.append("    <mm0:alternate>")
                    lines += describe(older, indent: "     ")
                    lines.append("    </mm0:alternate>")
                }
                lines.append("   </mm0:alternates>")
            }
        }
        lines.append("   <resources maxconnections=\"1\">")
        for (index, entry) in urls.enumerated() {
            let scheme = entry.url.split(separator: ":").first.map { String($0).lowercased() } ?? "http"
            // Preference falls from 100 in list order and never below 1, as MirrorManager does.
            let preference = max(1, 100 - index)
            lines.append("    <url protocol=\"\(scheme)\" type=\"\(scheme)\" location=\"\(escape(entry.country))\" preference=\"\(preference)\">\(escape(entry.url))</url>")
        }
        lines += ["   </resources>", "  </file>", " </files>", "</metalink>", ""]
        return lines.joined(separator: "\n")
    }
}

/// MirrorManager's plain mirrorlist: a comment header, then one base URL per line.
public enum Mirrorlist {
    public static func render(repo: String, arch: String, country: String?, urls: [String]) -> String {
        var header = "# repo = \(repo) arch = \(arch)"
        if let country { header += " country = \(country)" }
        return ([header] + urls).joined(separator: "\n") + "\n"
    }

    /// A repo root's `repo` and `arch` names: the last path component is the arch, the rest the repo.
    public static func names(ofRoot root: String) -> (repo: String, arch: String) {
        let parts = root.split(separator: "/").map(String.init)
        guard parts.count >= 2 else { return (parts.first ?? "root", "noarch") }
        return (parts.dropLast().joined(separator: "-"), parts.last!)
    }
}
