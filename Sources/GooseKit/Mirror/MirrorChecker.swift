import Foundation

/// `goose mirror check`: probes every mirror against the master, records mirrors/status.json, and writes
/// mirror lists, metalinks and ISO lists that name only current mirrors.
public enum MirrorChecker {
    /// What the master serves: repo roots with their repomd.xml, and ISOs with their sizes.
    struct MasterContent {
        var repomd: [String: MirrorNetworkStatus.RepomdVersion]
        var isos: [String: Int64]
    }

    static func readMaster(_ directory: String) throws -> MasterContent {
        let scan = try TreeScan.scan(directory)
        var repomd: [String: MirrorNetworkStatus.RepomdVersion] = [:]
        for root in MirrorManifest.repoRoots(of: Array(scan.files.keys)) {
            let path = directory + "/" + (root.isEmpty ? "" : root + "/") + "repodata/repomd.xml"
            let data = try FileSystem.contents(of: path)
            var hashes: [String: String] = [:]
            for algorithm in HashAlgorithm.allCases { hashes[algorithm.rawValue] = ContentDigest.hexDigest(of: data, algorithm: algorithm) }
            let stamp = scan.files[(root.isEmpty ? "" : root + "/") + "repodata/repomd.xml"]!
            repomd[root] = .init(timestamp: stamp.mtime, size: Int64(data.count), hashes: hashes)
        }
        var isos: [String: Int64] = [:]
        for (path, stamp) in scan.files where path.hasSuffix(".iso") { isos[path] = stamp.size }
        return MasterContent(repomd: repomd, isos: isos)
    }

    /// Probes one mirror: repomd.xml of each repo root it carries (SHA-256 against the master), HEAD + size of each ISO.
    static func probe(_ site: MirrorSite, master: MasterContent, timeout: Int) -> (repos: [String: MirrorNetworkStatus.Probe], isos: [String: MirrorNetworkStatus.Probe]) {
        var repos: [String: MirrorNetworkStatus.Probe] = [:]
        var isos: [String: MirrorNetworkStatus.Probe] = [:]
        guard let base = site.probeURL, let session = try? HTTPSession() else { return ([:], [:]) }
        session.allowedProtocols = "http,https,ftp"
        session.connectTimeout = timeout
        session.requestTimeout = timeout
        for (root, version) in master.repomd where site.carries(root) {
            let url = joinURL(base, (root.isEmpty ? "" : root + "/") + "repodata/repomd.xml")
            do {
                var body = Data()
                let summary = try session.download(url: url) { _, chunk in body.append(contentsOf: chunk) }
                try summary.requireSuccess(url: url)
                let hash = ContentDigest.hexDigest(of: body, algorithm: .sha256)
                repos[root] = hash == version.hashes["sha256"]
                    ? .init(state: .current) : .init(state: .stale, error: "repomd.xml sha256 \(hash) differs from the master's")
            } catch let error as HTTPTransferError {
                // A missing repomd.xml is content the mirror does not have yet: stale, not down.
                repos[root] = error.reason.hasPrefix("HTTP 404") ? .init(state: .stale, error: error.reason) : .init(state: .unreachable, error: error.reason)
            } catch {
                repos[root] = .init(state: .unreachable, error: "\(error)")
            }
        }
        for (path, size) in master.isos where site.carries(path) {
            let url = joinURL(base, path)
            do {
                let (summary, length) = try session.head(url: url)
                try summary.requireSuccess(url: url)
                isos[path] = length == size ? .init(state: .current) : .init(state: .stale, error: "size \(length.map(String.init) ?? "unknown"), master \(size)")
            } catch let error as HTTPTransferError {
                isos[path] = error.reason.hasPrefix("HTTP 404") ? .init(state: .stale, error: error.reason) : .init(state: .unreachable, error: error.reason)
            } catch {
                isos[path] = .init(state: .unreachable, error: "\(error)")
            }
        }
        return (repos, isos)
    }

    /// Runs one check and writes everything under `outputDirectory`; returns the new status.
    public static func run(list: MirrorList, outputDirectory: String, jobs: Int) async throws -> MirrorNetworkStatus {
        try FileSystem.createDirectory(outputDirectory)
        let lock = try FileLock(path: outputDirectory + "/.lock", wait: false)
        defer { lock.unlock() }
        let statusPath = outputDirectory + "/status.json"
        var previous = MirrorNetworkStatus()
        if FileSystem.isRegularFile(statusPath) {
            do { previous = try JSONDecoder().decode(MirrorNetworkStatus.self, from: FileSystem.contents(of: statusPath)) } catch {
                throw GooseError.configuration(file: statusPath, reason: "unreadable status (\(error.localizedDescription))")
            }
        }
        let master = try readMaster(list.masterDirectory)
        let now = Int(Date().timeIntervalSince1970)

        // The probes, all mirrors at once up to `jobs`, each bounded by the timeout.
        let sites = list.mirrors
        let queue = WorkQueue(count: sites.count)
        let results = await withTaskGroup(of: [(Int, [String: MirrorNetworkStatus.Probe], [String: MirrorNetworkStatus.Probe])].self) { group in
            for _ in 0..<max(1, min(jobs, sites.count)) {
                group.addTask {
                    (try? await BlockingWork.run {
                        var done: [(Int, [String: MirrorNetworkStatus.Probe], [String: MirrorNetworkStatus.Probe])] = []
                        while let index = queue.next() {
                            let (repos, isos) = probe(sites[index], master: master, timeout: list.timeout)
                            done.append((index, repos, isos))
                        }
                        return done
                    }) ?? []
                }
            }
            var all: [Int: ([String: MirrorNetworkStatus.Probe], [String: MirrorNetworkStatus.Probe])] = [:]
            for await part in group { for (index, repos, isos) in part { all[index] = (repos, isos) } }
            return all
        }

        var status = MirrorNetworkStatus(checked: now)
        for (index, site) in sites.enumerated() {
            let (repos, isos) = results[index] ?? ([:], [:])
            let old = previous.mirrors.first { $0.name == site.name }
            status.mirrors.append(MirrorNetworkStatus.update(previous: old, site: site, url: site.probeURL ?? site.urls[0],
                                                             repos: repos, isos: isos, now: now, disableAfter: list.disableAfter))
        }
        // repomd.xml history: the master's current version first, earlier ones kept as alternates.
        for (root, current) in master.repomd {
            var versions = [current]
            for older in previous.repomd[root] ?? [] where older.hashes["sha256"] != current.hashes["sha256"] && versions.count <= list.alternates {
                versions.append(older)
            }
            status.repomd[root] = versions
        }
        try writeOutputs(status, list: list, master: master, outputDirectory: outputDirectory)
        // status.json last: the lists it describes are in place when it says so.
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        try AtomicFileWriter.write(try encoder.encode(status), to: statusPath)
        return status
    }

    /// Writes, per repo root, metalink/<repo>/<arch>.xml and mirrorlist/<repo>/<arch>.txt (plus one of each per
    /// country with its mirrors first), and per ISO iso/<path>.mirrors with the full URLs of current mirrors.
    static func writeOutputs(_ status: MirrorNetworkStatus, list: MirrorList, master: MasterContent, outputDirectory: String) throws {
        let countries = Set(list.mirrors.map(\.country)).sorted()
        for root in master.repomd.keys.sorted() {
            let (repo, arch) = Mirrorlist.names(ofRoot: root)
            let rootPath = root.isEmpty ? "" : root + "/"
            for country in [nil] + countries.map(Optional.some) {
                let mirrors = status.currentMirrors(repo: root, country: country)
                let suffix = country.map { ".\($0)" } ?? ""
                let bases = mirrors.map { joinURL($0.url, rootPath) }
                try AtomicFileWriter.write(Mirrorlist.render(repo: repo, arch: arch, country: country, urls: bases),
                                           to: "\(outputDirectory)/mirrorlist/\(repo)/\(arch)\(suffix).txt")
                let urls = mirrors.map { (url: joinURL($0.url, rootPath + "repodata/repomd.xml"), country: $0.country) }
                try AtomicFileWriter.write(Metalink.render(versions: status.repomd[root] ?? [], urls: urls, generated: status.checked),
                                           to: "\(outputDirectory)/metalink/\(repo)/\(arch)\(suffix).xml")
            }
        }
        for iso in master.isos.keys.sorted() {
            let urls = status.currentMirrors(iso: iso).map { joinURL($0.url, iso) }
            try AtomicFileWriter.write(urls.joined(separator: "\n") + (urls.isEmpty ? "" : "\n"), to: "\(outputDirectory)/iso/\(iso).mirrors")
        }
    }
}
