import CCreaterepo
import Foundation

/// A manifest made from a plain yum repo's own metadata (repomd.xml → primary → packages), for upstreams
/// without `.goose-manifest`; createrepo_c parses both files.
public enum YumRepositoryManifest {
    /// Fetches repomd.xml and primary from the upstream and lists repomd.xml, its signature, every repodata
    /// file and every package with the hashes the metadata gives.
    public static func make(transport: MirrorTransport, upstream: String) async throws -> MirrorManifest {
        let repomdSource = joinURL(upstream, "repodata/repomd.xml")
        guard let repomdData = try await BlockingWork.run({ try transport.fetchSmall(path: "repodata/repomd.xml") }) else {
            throw GooseError.invalidManifest(source: upstream, reason: "neither \(MirrorManifest.fileName) nor repodata/repomd.xml found")
        }
        let records = try parseRepomd(repomdData, source: repomdSource)
        let newest = records.map(\.mtime).max() ?? Int(Date().timeIntervalSince1970)
        var files = [MirrorFileEntry(path: "repodata/repomd.xml", size: Int64(repomdData.count), mtime: newest,
                                     sha256: ContentDigest.hexDigest(of: repomdData, algorithm: .sha256))]
        if let signature = try await BlockingWork.run({ try transport.fetchSmall(path: "repodata/repomd.xml.asc") }) {
            files.append(MirrorFileEntry(path: "repodata/repomd.xml.asc", size: Int64(signature.count), mtime: newest,
                                         sha256: ContentDigest.hexDigest(of: signature, algorithm: .sha256)))
        }
        var primary: MirrorFileEntry?
        for record in records {
            files.append(record.entry)
            if record.type == "primary" { primary = record.entry }
        }
        guard let primary else { throw GooseError.invalidManifest(source: repomdSource, reason: "no primary record") }
        guard let primaryData = try await BlockingWork.run({ try transport.fetchSmall(path: primary.path) }) else {
            throw GooseError.invalidManifest(source: joinURL(upstream, primary.path), reason: "listed in repomd.xml but missing")
        }
        let primaryHash = ContentDigest.hexDigest(of: primaryData, algorithm: .sha256)
        guard primaryHash == primary.sha256 else {
            throw GooseError.hashMismatch(file: joinURL(upstream, primary.path), expected: primary.sha256, actual: primaryHash)
        }
        files += try parsePrimary(primaryData, name: (primary.path as NSString).lastPathComponent, source: joinURL(upstream, primary.path))
        return MirrorManifest(generated: newest, files: files)
    }

    struct Record {
        var type: String
        var entry: MirrorFileEntry
        var mtime: Int { entry.mtime }
    }

    static func withTemporaryFile<T>(_ data: Data, name: String, _ body: (String) throws -> T) throws -> T {
        let directory = try FileSystem.makeTemporaryDirectory(in: NSTemporaryDirectory(), prefix: "goose-yum-")
        defer { FileSystem.remove(directory) }
        // createrepo_c picks the decompressor from the file name's suffix.
        let path = directory + "/" + name
        try AtomicFileWriter.write(data, to: path)
        return try body(path)
    }

    static func parseRepomd(_ data: Data, source: String) throws -> [Record] {
        try withTemporaryFile(data, name: "repomd.xml") { path in
            guard let repomd = cr_repomd_new() else { throw GooseError.invalidManifest(source: source, reason: "out of memory") }
            defer { cr_repomd_free(repomd) }
            var error: UnsafeMutablePointer<GError>?
            let code = cr_xml_parse_repomd(path, repomd, nil, nil, &error)
            if let error {
                defer { g_error_free(error) }
                throw GooseError.invalidManifest(source: source, reason: String(cString: error.pointee.message))
            }
            guard code == CRE_OK.rawValue else { throw GooseError.invalidManifest(source: source, reason: "cannot parse") }
            var records: [Record] = []
            var node = repomd.pointee.records
            while let current = node {
                if let record = current.pointee.data?.assumingMemoryBound(to: cr_RepomdRecord.self).pointee,
                   let href = record.location_href.map({ String(cString: $0) }) {
                    let type = record.type.map { String(cString: $0) } ?? ""
                    let checksumType = record.checksum_type.map { String(cString: $0) } ?? ""
                    let checksum = record.checksum.map { String(cString: $0) } ?? ""
                    guard checksumType == "sha256", MirrorManifest.isSafeRelativePath(href) else {
                        throw GooseError.invalidManifest(source: source, reason: "\(href): unsupported checksum '\(checksumType)' (goose mirrors sha256 repos)")
                    }
                    records.append(Record(type: type, entry: MirrorFileEntry(path: href, size: Int64(record.size), mtime: Int(record.timestamp), sha256: checksum)))
                }
                node = current.pointee.next
            }
            return records
        }
    }

    /// Collects package entries from createrepo_c's primary parser callback.
    final class PackageCollector {
        var entries: [MirrorFileEntry] = []
        var problem: String?
    }

    static func parsePrimary(_ data: Data, name: String, source: String) throws -> [MirrorFileEntry] {
        try withTemporaryFile(data, name: name) { path in
            let collector = PackageCollector()
            var error: UnsafeMutablePointer<GError>?
            let callback: cr_XmlParserPkgCb = { package, userData, _ in
                guard let package, let userData else { return CR_CB_RET_OK }
                let collector = Unmanaged<PackageCollector>.fromOpaque(userData).takeUnretainedValue()
                // The callback owns the package once called.
                defer { cr_package_free(package) }
                let value = package.pointee
                let href = value.location_href.map { String(cString: $0) } ?? ""
                let type = value.checksum_type.map { String(cString: $0) } ?? ""
                let hash = value.pkgId.map { String(cString: $0) } ?? ""
                guard type == "sha256", MirrorManifest.isSafeRelativePath(href) else {
                    collector.problem = "\(href): unsupported package checksum '\(type)'"
                    return CR_CB_RET_ERR
                }
                collector.entries.append(MirrorFileEntry(path: href, size: Int64(value.size_package), mtime: Int(value.time_file), sha256: hash))
                return CR_CB_RET_OK
            }
            let code = withExtendedLifetime(collector) {
                cr_xml_parse_primary(path, nil, nil, callback, Unmanaged.passUnretained(collector).toOpaque(), nil, nil, 0, &error)
            }
            if let problem = collector.problem { throw GooseError.invalidManifest(source: source, reason: problem) }
            if let error {
                defer { g_error_free(error) }
                throw GooseError.invalidManifest(source: source, reason: String(cString: error.pointee.message))
            }
            guard code == CRE_OK.rawValue else { throw GooseError.invalidManifest(source: source, reason: "cannot parse") }
            return collector.entries
        }
    }
}
