import Foundation

/// What a sync must do, per repo root and in the order that keeps every repo consistent.
public struct MirrorSyncPlan: Sendable, Equatable {
    /// The work for one repo root ("" is the top; `nil` root means files outside every repo).
    public struct RootPlan: Sendable, Equatable {
        public var root: String?
        /// Packages, images and other files: placed first.
        public var content: [MirrorFileEntry] = []
        /// Files under repodata/ except repomd.xml and its signature: placed second.
        public var repodata: [MirrorFileEntry] = []
        /// repomd.xml, then repomd.xml.asc: placed last, each by rename.
        public var repomd: [MirrorFileEntry] = []
        /// Files whose size matches but whose mtime does not: hashed locally before deciding.
        public var suspicious: [MirrorFileEntry] = []
        /// Local files the upstream no longer has: deleted once the new metadata is in place.
        public var stale: [String] = []

        public var transfers: [MirrorFileEntry] { content + repodata + repomd }
        public var isEmpty: Bool { content.isEmpty && repodata.isEmpty && repomd.isEmpty && suspicious.isEmpty && stale.isEmpty }
    }

    public var roots: [RootPlan]
    /// Files already identical by size and mtime.
    public var unchangedCount: Int

    public var transferCount: Int { roots.reduce(0) { $0 + $1.transfers.count } }
    public var transferBytes: Int64 { roots.reduce(0) { $0 + $1.transfers.reduce(0) { $0 + $1.size } } }
    public var staleCount: Int { roots.reduce(0) { $0 + $1.stale.count } }
    public var isEmpty: Bool { roots.allSatisfy(\.isEmpty) }

    /// Compares the upstream manifest with the local tree's stamps. `knownHashes` are the SHA-256s of the last
    /// complete sync's manifest (what the local files hold): a file rewritten upstream within the same second
    /// and at the same size keeps its size and mtime, and only its hash tells. `deletable` limits which local
    /// files may be called stale (a plain yum repo upstream only speaks for its packages and repodata).
    public static func make(upstream: MirrorManifest, local: [String: FileStamp], knownHashes: [String: String] = [:],
                            deletable: (String) -> Bool = { _ in true }) -> MirrorSyncPlan {
        var plans: [String?: RootPlan] = [:]
        var unchanged = 0
        let roots = upstream.repoRoots
        func update(_ root: String?, _ change: (inout RootPlan) -> Void) {
            var plan = plans[root] ?? RootPlan(root: root)
            change(&plan)
            plans[root] = plan
        }
        var upstreamPaths: Set<String> = []
        for entry in upstream.files {
            upstreamPaths.insert(entry.path)
            let root = MirrorManifest.repoRoot(of: entry.path, roots: roots)
            if let stamp = local[entry.path], stamp.size == entry.size, knownHashes[entry.path].map({ $0 == entry.sha256 }) ?? true {
                if stamp.mtime == entry.mtime { unchanged += 1 } else { update(root) { $0.suspicious.append(entry) } }
                continue
            }
            update(root) { plan in
                switch phase(of: entry.path, root: root) {
                case .content: plan.content.append(entry)
                case .repodata: plan.repodata.append(entry)
                case .repomd: plan.repomd.append(entry)
                }
            }
        }
        // Every root also gets a plan when only its stale files change, so deletion follows the same rule.
        for path in local.keys where !upstreamPaths.contains(path) && deletable(path) {
            update(MirrorManifest.repoRoot(of: path, roots: roots)) { $0.stale.append(path) }
        }
        var result: [RootPlan] = []
        for key in plans.keys.sorted(by: { ($0 ?? "\u{0}") < ($1 ?? "\u{0}") }) {
            var plan = plans[key]!
            plan.content.sort { $0.path < $1.path }
            plan.repodata.sort { $0.path < $1.path }
            // repomd.xml before its signature: the pair is never consistent mid-way, and this way the
            // repository itself (repomd.xml → repodata) always is.
            plan.repomd.sort { ($0.path.hasSuffix(".xml") ? 0 : 1, $0.path) < ($1.path.hasSuffix(".xml") ? 0 : 1, $1.path) }
            plan.suspicious.sort { $0.path < $1.path }
            plan.stale.sort()
            result.append(plan)
        }
        return MirrorSyncPlan(roots: result, unchangedCount: unchanged)
    }

    /// When a file of a repo root is placed.
    public enum Phase: Int, Sendable, Comparable {
        case content, repodata, repomd
        public static func < (left: Phase, right: Phase) -> Bool { left.rawValue < right.rawValue }
    }

    /// The phase of `path` within `root`.
    public static func phase(of path: String, root: String?) -> Phase {
        guard let root else { return .content }
        let prefix = (root.isEmpty ? "" : root + "/") + "repodata/"
        guard path.hasPrefix(prefix) else { return .content }
        let name = path.dropFirst(prefix.count)
        return name == "repomd.xml" || name == "repomd.xml.asc" ? .repomd : .repodata
    }
}
