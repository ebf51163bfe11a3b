@preconcurrency import CSolv
import Foundation

/// One package a compose takes: what the metadata needs, read from the source repository's repodata by libsolv.
public struct GatheredPackage: Codable, Equatable, Hashable, Sendable {
    public var name: String
    public var epoch: String
    public var version: String
    public var release: String
    public var arch: String
    /// Location relative to the source repository (`Packages/bash-…rpm`).
    public var location: String
    public var buildTime: Int
    /// The SOURCERPM header (`bash-4.4.12-2.src.rpm`), empty when missing.
    public var sourceRPM: String
    /// productmd's sigkey: the short key ID (8 hex digits, lower case) of the header signature; nil when unsigned.
    public var sigkey: String? = nil

    public var fileName: String { (location as NSString).lastPathComponent }
    /// productmd's NEVRA form with an explicit epoch (`bash-0:4.4.12-2.x86_64`).
    public var nevra: String { "\(name)-\(epoch):\(version)-\(release).\(arch)" }
    /// The source package in productmd's form (`bash-0:4.4.12-2.src`); falls back to the binary NVR.
    public var sourceNevra: String {
        guard sourceRPM.hasSuffix(".src.rpm") || sourceRPM.hasSuffix(".nosrc.rpm") else { return "\(name)-\(epoch):\(version)-\(release).src" }
        let base = String(sourceRPM.dropLast(4))
        let arch = (base as NSString).pathExtension
        let nvr = (base as NSString).deletingPathExtension
        guard let releaseDash = nvr.lastIndex(of: "-"), let versionDash = nvr[..<releaseDash].lastIndex(of: "-") else { return base }
        let sourceName = nvr[..<versionDash]
        let rest = nvr[nvr.index(after: versionDash)...]
        return "\(sourceName)-\(epoch):\(rest).\(arch)"
    }
}

/// What to gather: comps groups at an include level, an explicit list of names, or (neither) the whole repository.
public enum GatherRequest: Sendable {
    case everything
    case names([String])
    case groups([CompsGroup], level: CompsIncludeLevel)
}

/// A candidate provider, reduced to what the deterministic choice looks at (a pure function over these).
public struct ProviderCandidate: Equatable, Sendable {
    public var name: String
    public var arch: String
    public var included: Bool
    /// Position in the order of descending E:V-R among same-name candidates (0 = newest).
    public var evrRank: Int
    public init(name: String, arch: String, included: Bool, evrRank: Int) {
        self.name = name
        self.arch = arch
        self.included = included
        self.evrRank = evrRank
    }
}

/// Gathers packages and their runtime dependency closure from a repository with libsolv.
public enum Gather {
    /// The documented provider order: already included, then native arch (noarch counts as native), then the
    /// shortest name, then alphabetical, then the newest E:V-R. Returns the index of the chosen candidate.
    public static func choose(_ candidates: [ProviderCandidate], nativeArches: Set<String>) -> Int? {
        func key(_ candidate: ProviderCandidate) -> (Int, Int, Int, String, Int) {
            let native = candidate.arch == "noarch" || nativeArches.contains(candidate.arch)
            return (candidate.included ? 0 : 1, native ? 0 : 1, candidate.name.count, candidate.name, candidate.evrRank)
        }
        return candidates.indices.min { key(candidates[$0]) < key(candidates[$1]) }
    }

    /// Gathers from `repository` (a directory with repodata/) for `arch`; unresolvable names or dependencies
    /// are one error listing all of them.
    public static func gather(repository: String, arch: String, request: GatherRequest) throws -> [GatheredPackage] {
        guard let pool = pool_create() else { throw GooseError.io(path: repository, reason: "libsolv: cannot create a pool") }
        defer { pool_free(pool) }
        pool_setdisttype(pool, Int32(DISTTYPE_RPM))
        pool_setarch(pool, arch)
        let (repo, filelists) = try ClosureCheck.load(repository, into: pool)
        // Gathering follows file requirements too, so the filelists are always read.
        if let filelists {
            try ClosureCheck.add(filelists, to: repo, flags: Int32(REPO_EXTEND_SOLVABLES), pool: pool)
            repo_internalize(repo)
        }
        pool_addfileprovides(pool)
        pool_createwhatprovides(pool)
        let native = MashPlan.nativeArches(for: arch)
        let allowed = native.union(Multilib.multilibArches(for: arch)).union(["noarch"])

        func solvable(_ id: Id) -> UnsafeMutablePointer<Solvable> { pool.pointee.solvables + Int(id) }
        func string(_ id: Id) -> String { String(cString: pool_id2str(pool, id)) }
        var candidatesByName: [String: [Id]] = [:]
        for id in repo.pointee.start..<repo.pointee.end {
            let s = solvable(id)
            guard s.pointee.repo == repo, allowed.contains(string(s.pointee.arch)) else { continue }
            candidatesByName[string(s.pointee.name), default: []].append(id)
        }
        // Newest first, so evrRank is the index.
        for (name, ids) in candidatesByName {
            candidatesByName[name] = ids.sorted { pool_evrcmp(pool, solvable($0).pointee.evr, solvable($1).pointee.evr, Int32(EVRCMP_COMPARE)) > 0 }
        }
        func rank(_ id: Id) -> Int { candidatesByName[string(solvable(id).pointee.name)]?.firstIndex(of: id) ?? 0 }

        var included: Set<Id> = []
        var queue: [Id] = []
        var missing: [String] = []
        func include(_ id: Id) {
            if included.insert(id).inserted { queue.append(id) }
        }
        // A requested name takes its newest native (or noarch) build; a multilib-only name its newest multilib build.
        func requestName(_ name: String) -> Bool {
            guard let ids = candidatesByName[name], !ids.isEmpty else { return false }
            let nativeIds = ids.filter { native.contains(string(solvable($0).pointee.arch)) || string(solvable($0).pointee.arch) == "noarch" }
            include((nativeIds.isEmpty ? ids : nativeIds)[0])
            return true
        }
        func relation(_ id: Id) -> Reldep? { ClosureCheck.relation(id, pool: pool) }
        // The repository's providers of a plain (or `with`/`without`) dependency, in the arches gathered.
        func providers(_ dependency: Id) -> [Id] {
            var found: [Id] = []
            var provider = pool.pointee.whatprovidesdata + Int(pool_whatprovides(pool, dependency))
            while provider.pointee != 0 {
                let candidate = provider.pointee
                provider += 1
                let p = solvable(candidate)
                if p.pointee.repo == repo && allowed.contains(string(p.pointee.arch)) { found.append(candidate) }
            }
            return found
        }
        // Whether what is gathered so far satisfies `dependency`, rich ones by their operators (the closure check's
        // judgement, asked of the gathered packages).
        func holds(_ dependency: Id) -> Bool {
            ClosureCheck.unsatisfied(dependency, pool: pool) { providers($0).contains(where: included.contains) } == nil
        }
        // `A if B` requirements whose condition B is not gathered yet, looked at again after each closure: a package
        // gathered later may bring B in, and then A is needed.
        var waiting: [(owner: Id, requirement: Id, target: Id, condition: Id)] = []
        func report(_ owner: Id, _ requirement: Id, _ unprovided: Id) {
            let described = String(cString: pool_dep2str(pool, requirement))
            let part = unprovided == requirement ? "it" : String(cString: pool_dep2str(pool, unprovided))
            missing.append("\(String(cString: pool_solvable2str(pool, solvable(owner)))) requires \(described), nothing provides \(part)")
        }
        // Gathers what `dependency` needs; returns the part nothing in the repository provides (nil when it resolves).
        // libsolv's provider list of a rich dependency answers another question (for `(A and B)` the packages that
        // provide both), so `and` gathers both sides, `or` the one already satisfied or else the first that resolves,
        // and `A if B` gathers A once B is gathered (`else C`: C meanwhile), as the closure check judges them.
        func require(_ dependency: Id, owner: Id, requirement: Id) -> Id? {
            if let rich = relation(dependency) {
                switch rich.flags {
                case Int32(REL_AND):
                    let left = require(rich.name, owner: owner, requirement: requirement)
                    return require(rich.evr, owner: owner, requirement: requirement) ?? left
                case Int32(REL_OR):
                    if holds(dependency) { return nil }
                    // Plain alternatives: one provider chosen among all of theirs, as for a plain dependency.
                    if relation(rich.name) == nil, relation(rich.evr) == nil, !providers(dependency).isEmpty { break }
                    if ClosureCheck.unsatisfied(rich.name, pool: pool) == nil || ClosureCheck.unsatisfied(rich.evr, pool: pool) != nil {
                        return require(rich.name, owner: owner, requirement: requirement)
                    }
                    return require(rich.evr, owner: owner, requirement: requirement)
                case Int32(REL_COND):
                    let (condition, alternative) = ClosureCheck.conditionBranches(rich.evr, pool: pool)
                    if holds(condition) { return require(rich.name, owner: owner, requirement: requirement) }
                    waiting.append((owner, requirement, rich.name, condition))
                    return alternative.flatMap { require($0, owner: owner, requirement: requirement) }
                default: break
                }
            }
            let found = providers(dependency)
            let candidates = found.map {
                ProviderCandidate(name: string(solvable($0).pointee.name), arch: string(solvable($0).pointee.arch),
                                  included: included.contains($0), evrRank: rank($0))
            }
            guard let chosen = choose(candidates, nativeArches: native) else { return dependency }
            include(found[chosen])
            return nil
        }
        func close() {
            repeat {
                while !queue.isEmpty {
                    let id = queue.removeFirst()
                    let s = solvable(id)
                    guard s.pointee.requires != 0 else { continue }
                    var dependency = repo.pointee.idarraydata + Int(s.pointee.requires)
                    while dependency.pointee != 0 {
                        let requirement = dependency.pointee
                        dependency += 1
                        if requirement == SOLVABLE_PREREQMARKER.rawValue { continue }
                        if String(cString: pool_dep2str(pool, requirement)).hasPrefix("rpmlib(") { continue }
                        if let unprovided = require(requirement, owner: id, requirement: requirement) { report(id, requirement, unprovided) }
                    }
                }
                // A waiting `A if B` whose B is now gathered needs its A (which may bring more in, and more waiting).
                let pending = waiting
                waiting = []
                for entry in pending {
                    guard holds(entry.condition) else { waiting.append(entry); continue }
                    if let unprovided = require(entry.target, owner: entry.owner, requirement: entry.requirement) {
                        report(entry.owner, entry.requirement, unprovided)
                    }
                }
            } while !queue.isEmpty
        }

        switch request {
        case .everything:
            for ids in candidatesByName.values { for id in ids { include(id) } }
            close()
        case .names(let names):
            for name in names where !requestName(name) { missing.append("no package \(name) for \(arch)") }
            close()
        case .groups(let groups, let level):
            var conditional: [(name: String, condition: String)] = []
            for group in groups {
                let selection = group.selection(at: level)
                for name in selection.names where !requestName(name) { missing.append("no package \(name) (group \(group.id)) for \(arch)") }
                conditional += selection.conditional
            }
            close()
            // Conditional packages join when their condition package is in; each addition can satisfy more.
            var changed = true
            while changed {
                changed = false
                let names = Set(included.map { string(solvable($0).pointee.name) })
                for (name, condition) in conditional where names.contains(condition) && !names.contains(name) {
                    if requestName(name) { changed = true }
                }
                close()
            }
        }
        guard missing.isEmpty else {
            let unique = Array(Set(missing)).sorted()
            throw GooseError.workspace("cannot gather from \(repository): \(unique.joined(separator: "; "))")
        }
        return included.map { id -> GatheredPackage in
            let s = solvable(id)
            let evr = string(s.pointee.evr)
            var epoch = "0", versionRelease = Substring(evr)
            if let colon = evr.firstIndex(of: ":") {
                epoch = String(evr[..<colon])
                versionRelease = evr[evr.index(after: colon)...]
            }
            let dash = versionRelease.lastIndex(of: "-") ?? versionRelease.endIndex
            var medium: UInt32 = 0
            return GatheredPackage(
                name: string(s.pointee.name), epoch: epoch, version: String(versionRelease[..<dash]),
                release: dash < versionRelease.endIndex ? String(versionRelease[versionRelease.index(after: dash)...]) : "",
                arch: string(s.pointee.arch),
                location: solvable_get_location(s, &medium).map { String(cString: $0) } ?? "",
                buildTime: Int(solvable_lookup_num(s, Id(SOLVABLE_BUILDTIME.rawValue), 0)),
                sourceRPM: sourceFileName(s))
        }.sorted { ($0.name, $0.arch, $0.location) < ($1.name, $1.arch, $1.location) }
    }

    /// libsolv keeps SOURCERPM split into name/evr/arch; solvable_lookup_sourcepkg rebuilds the file name.
    static func sourceFileName(_ s: UnsafeMutablePointer<Solvable>) -> String {
        solvable_lookup_sourcepkg(s).map { String(cString: $0) } ?? ""
    }
}
