import CCreaterepo
import Foundation

/// Compression of the repodata XML files.
public enum RepodataCompression: String, CaseIterable, Sendable, Codable {
    case gz, xz, bz2, none

    var createrepoType: cr_CompressionType {
        switch self {
        case .gz: return CR_CW_GZ_COMPRESSION
        case .xz: return CR_CW_XZ_COMPRESSION
        case .bz2: return CR_CW_BZ2_COMPRESSION
        case .none: return CR_CW_NO_COMPRESSION
        }
    }
}

/// How `RepodataGenerator` writes a repository's metadata.
public struct RepodataOptions: Sendable {
    public var compression = RepodataCompression.gz
    /// comps.xml to publish as the `group` record.
    public var comps: String?
    /// updateinfo.xml to publish as is.
    public var updateinfo: String?
    public var jobs = 2
    /// Changelog entries per package in other.xml (createrepo_c's default is 10).
    public var changelogLimit: Int32 = 10
    /// Fixed repomd revision and record timestamps (a reproducible compose's SOURCE_DATE_EPOCH); nil: the clock and file mtimes.
    public var timestamp: Int?
    /// Directory where the packages' XML chunks are kept for the next run, one file per group (see `RepodataCache`).
    public var chunkCache: String?
    /// Directory of gzip members kept per package group for the next run (see `SegmentedXMLWriter`); gz only.
    public var segmentCache: String?
    /// Also write the sqlite databases (primary_db, filelists_db, other_db), as createrepo_c does without --no-database.
    public var sqlite = false
    public init() {}
}

/// What one repodata run did.
public struct RepodataSummary: Codable, Equatable, Sendable {
    public var packages: Int
    /// Packages whose metadata came from the previous repository (same path, size and mtime).
    public var reused: Int
}

/// A package of a repository: its location in the repository and, when it is still to be linked there, its file.
public struct RepodataPackage: Sendable {
    public var href: String
    public var source: String?
    /// Packages of one group (a build) are written together, so that with a segment cache they are compressed together.
    public var group: String
    /// Size and mtime of the file already at `href` when the caller has just looked (saves a stat per package).
    public var size: Int64?
    public var modificationTime: Int64?
    /// The file's sha256 as its build recorded it: a package read afresh whose checksum differs is refused (damaged,
    /// or changed behind goose's back). nil: not checked.
    public var recordedSHA256: String?
    public init(href: String, source: String? = nil, group: String = "", size: Int64? = nil, modificationTime: Int64? = nil,
                recordedSHA256: String? = nil) {
        self.href = href
        self.source = source
        self.group = group
        self.size = size
        self.modificationTime = modificationTime
        self.recordedSHA256 = recordedSHA256
    }
}

/// Writes `repodata/` for a directory of packages through libcreaterepo_c (never the createrepo_c CLI).
public enum RepodataGenerator {
    /// libcreaterepo_c's parser and dumper setup is global and not thread-safe: done once, lazily.
    static let libraryReady: Void = {
        cr_xml_dump_init()
        cr_package_parser_init()
        // libcreaterepo_c logs chatter ("type group added to list ...") through glib, and a warning beside each error it
        // returns as a GError ("read_header: rpmReadPackageFile() error"), which goose reports as its one line.
        let levels = GLogLevelFlags(rawValue: G_LOG_LEVEL_WARNING.rawValue | G_LOG_LEVEL_MESSAGE.rawValue | G_LOG_LEVEL_INFO.rawValue
                                    | G_LOG_LEVEL_DEBUG.rawValue)
        _ = g_log_set_handler("C_CREATEREPOLIB", levels, { _, _, _, _ in }, nil)
    }()

    /// Generates repodata for `packages` (locations relative to `repository`, linked there first when they have a
    /// source); unchanged files reuse the chunk cache, else the metadata of `previous`, an older repository of the
    /// same layout (createrepo_c --update).
    public static func generate(repository: String, packages: [RepodataPackage], previous: String?, options: RepodataOptions) throws -> RepodataSummary {
        try generate(repository: repository, packages: packages, previous: previous, options: options, whileWriting: nil)
    }

    /// `generate`, also handing the packages' primary and filelists XML per group to `whileWriting` (the closure
    /// check), so that it needs neither to read the files back nor, for unchanged groups, to parse them. It runs on a
    /// thread of its own while the XML files are compressed and written (the check and the writing are independent).
    static func generate(repository: String, packages: [RepodataPackage], previous: String?, options: RepodataOptions,
                         whileWriting: (@Sendable ([ClosureGroup]) -> Void)?) throws -> RepodataSummary {
        _ = libraryReady
        let segmentCache = options.compression == .gz ? options.segmentCache : nil
        let sorted = segmentCache == nil ? packages.sorted { $0.href < $1.href } : packages.sorted { ($0.group, $0.href) < ($1.group, $1.href) }
        let hrefs = sorted.map(\.href), sources = sorted.map(\.source), recorded = sorted.map(\.recordedSHA256)
        let known = sorted.map { package in package.size.flatMap { size in package.modificationTime.map { (size, $0) } } }
        let signature = RepodataCache.signature(for: options)
        let cache = options.chunkCache.map { RepodataCache.loadGroups($0, signature: signature) }
        // Parsing the old repodata is the slow path: only when the cache cannot answer.
        let old = (cache?.entries.isEmpty ?? true) && !packages.isEmpty ? previous.flatMap { OldMetadata(repository: $0) } : nil
        var sizes = [(Int64, Int64)](repeating: (0, 0), count: hrefs.count)
        var chunks = [XMLChunks?](repeating: nil, count: hrefs.count)
        var failures = [GooseError?](repeating: nil, count: hrefs.count)
        var linkFailures = [GooseError?](repeating: nil, count: hrefs.count)
        let linking = sources.contains { $0 != nil }
        var reusedFlags = [Bool](repeating: false, count: hrefs.count)
        // What the closure check needs of each package read here (nil for metadata taken from a cache).
        var closurePackages = [ClosurePackage?](repeating: nil, count: whileWriting == nil ? 0 : hrefs.count)
        let wantsClosurePackages = whileWriting != nil
        let jobs = max(1, min(options.jobs, hrefs.count))
        // libcreaterepo_c's reader and dumper are blocking C calls that are thread-safe after init; stripes
        // over a fixed number of threads keep the parallelism bounded by --jobs.
        chunks.withUnsafeMutableBufferPointer { chunkBuffer in
            failures.withUnsafeMutableBufferPointer { failureBuffer in
                reusedFlags.withUnsafeMutableBufferPointer { reusedBuffer in
                  sizes.withUnsafeMutableBufferPointer { sizeBuffer in
                   closurePackages.withUnsafeMutableBufferPointer { closureBuffer in
                    linkFailures.withUnsafeMutableBufferPointer { linkFailureBuffer in
                    nonisolated(unsafe) let chunkOut = chunkBuffer, failureOut = failureBuffer, reusedOut = reusedBuffer, sizeOut = sizeBuffer
                    nonisolated(unsafe) let closureOut = closureBuffer, linkFailureOut = linkFailureBuffer
                    // A thread of its own links every package while the workers read them from their sources:
                    // link(2)s into one directory from several threads would only wait for each other on its lock.
                    let linked = DispatchSemaphore(value: 0)
                    if linking {
                        Thread.detachNewThread {
                            defer { linked.signal() }
                            for index in hrefs.indices {
                                // The directory exists; the plain link(2) is the common case, linkOrCopy the fallback.
                                guard let source = sources[index], link(source, repository + "/" + hrefs[index]) != 0 else { continue }
                                do { try BuildImporter.linkOrCopy(source, to: repository + "/" + hrefs[index]) } catch let error as GooseError {
                                    linkFailureOut[index] = error
                                } catch {
                                    linkFailureOut[index] = .io(path: repository + "/" + hrefs[index], reason: "\(error)")
                                }
                            }
                        }
                    }
                    defer { if linking { linked.wait() } }
                    DispatchQueue.concurrentPerform(iterations: jobs) { worker in
                        for index in stride(from: worker, to: hrefs.count, by: jobs) {
                            do {
                                let dumped = try dump(repository: repository, href: hrefs[index], file: sources[index], known: sources[index] == nil ? known[index] : nil,
                                                      cache: cache, old: old, options: options, closure: wantsClosurePackages, recordedSHA256: recorded[index])
                                chunkOut[index] = dumped.chunks
                                reusedOut[index] = dumped.reused
                                sizeOut[index] = dumped.identity
                                if wantsClosurePackages { closureOut[index] = dumped.closure }
                            } catch let error as GooseError {
                                failureOut[index] = error
                            } catch {
                                failureOut[index] = .io(path: hrefs[index], reason: "\(error)")
                            }
                        }
                    }
                    }
                   }
                  }
                }
            }
        }
        if let failure = linkFailures.compactMap({ $0 }).first ?? failures.compactMap({ $0 }).first { throw failure }
        // The groups (builds): runs of `sorted` with a segment cache, else gathered by name for the chunk cache.
        var grouping: [[Int]] = []
        if segmentCache != nil {
            for index in hrefs.indices {
                if index > 0 && sorted[index].group == sorted[index - 1].group { grouping[grouping.count - 1].append(index) } else { grouping.append([index]) }
            }
        } else if options.chunkCache != nil {
            var position: [String: Int] = [:]
            for index in hrefs.indices {
                if let existing = position[sorted[index].group] { grouping[existing].append(index) } else {
                    position[sorted[index].group] = grouping.count
                    grouping.append([index])
                }
            }
        }
        let identities = sizes
        let groupIdentities = grouping.map { members in
            SegmentedXMLWriter.identity(signature: signature, packages: members.map { (hrefs[$0], identities[$0].0, identities[$0].1) })
        }
        let dumpedChunks = chunks, groupMembers = grouping
        // Saving the chunk cache is independent of the XML files: it runs beside their writing (below).
        let saveChunkCache = options.chunkCache.map { chunkCache in
            { @Sendable () throws -> Void in
                let groups = zip(groupMembers, groupIdentities).map { members, identity in
                    (key: SegmentedXMLWriter.key(kind: "chunks", group: identity), entries: members.map { index in
                        let chunk = dumpedChunks[index]!
                        return (hrefs[index], RepodataCache.Entry(size: identities[index].0, modificationTime: identities[index].1, primary: chunk.primary,
                                                                  filelists: chunk.filelists, other: chunk.other))
                    })
                }
                try RepodataCache.saveGroups(chunkCache, signature: signature, groups: groups, existing: cache?.files ?? [])
            }
        }
        var chunkCacheSaved = Result<Void, GooseError>.success(())
        let repodata = repository + "/repodata"
        try FileSystem.createDirectory(repodata)
        guard let repomd = cr_repomd_new() else { throw GooseError.io(path: repodata, reason: "cannot create repomd") }
        defer { cr_repomd_free(repomd) }
        let compression = options.compression.createrepoType
        let suffix = cr_compression_suffix(compression).map { String(cString: $0) } ?? ""
        let kinds: [(String, cr_XmlFileType)] = [("primary", CR_XMLFILE_PRIMARY), ("filelists", CR_XMLFILE_FILELISTS), ("other", CR_XMLFILE_OTHER)]
        // The three files compress independently: one thread each (gzip of XML is the slow part).
        let columns: [[String]] = [chunks.map { $0!.primary }, chunks.map { $0!.filelists }, chunks.map { $0!.other }]
        let names = kinds.map(\.0), types = kinds.map(\.1)
        var written = [Result<Void, GooseError>](repeating: .success(()), count: kinds.count)
        var stats = [UnsafeMutablePointer<cr_ContentStat>?](repeating: nil, count: kinds.count)
        var cacheFiles = [[String]](repeating: [], count: kinds.count)
        if let segmentCache { try FileSystem.createDirectory(segmentCache) }
        let groups = grouping
        let closureGroups = whileWriting == nil ? [] : groups.isEmpty
            ? [ClosureGroup(key: nil, primaryChunks: columns[0], filelistsChunks: columns[1], packages: Self.allPresent(closurePackages))]
            : zip(groups, groupIdentities).map { members, identity in
                ClosureGroup(key: SegmentedXMLWriter.key(kind: "solv", group: identity), primaryChunks: members.map { columns[0][$0] },
                             filelistsChunks: members.map { columns[1][$0] }, packages: Self.allPresent(members.map { closurePackages[$0] }))
            }
        defer { for stat in stats where stat != nil { cr_contentstat_free(stat, nil) } }
        written.withUnsafeMutableBufferPointer { writtenBuffer in
            stats.withUnsafeMutableBufferPointer { statBuffer in
              cacheFiles.withUnsafeMutableBufferPointer { cacheBuffer in
               withUnsafeMutablePointer(to: &chunkCacheSaved) { chunkCacheSavedPointer in
                nonisolated(unsafe) let writtenOut = writtenBuffer, statOut = statBuffer, cacheOut = cacheBuffer, chunkCacheSavedOut = chunkCacheSavedPointer
                // Three XML files, the closure check and the chunk cache: one task each.
                DispatchQueue.concurrentPerform(iterations: kinds.count + 2) { index in
                    if index == kinds.count {
                        whileWriting?(closureGroups)
                        return
                    }
                    if index == kinds.count + 1 {
                        do { try saveChunkCache?() } catch let error as GooseError { chunkCacheSavedOut.pointee = .failure(error) } catch {
                            chunkCacheSavedOut.pointee = .failure(.io(path: options.chunkCache ?? repository, reason: "\(error)"))
                        }
                        return
                    }
                    do {
                        let path = "\(repodata)/\(names[index]).xml\(suffix)"
                        if let segmentCache {
                            let segments = zip(groups, groupIdentities).map { members, identity in
                                SegmentedXMLWriter.Segment(key: SegmentedXMLWriter.key(kind: names[index], group: identity), chunks: members.map { columns[index][$0] })
                            }
                            let result = try SegmentedXMLWriter.write(path, type: types[index], segments: segments, packages: hrefs.count, cache: segmentCache)
                            statOut[index] = result.contentStat
                            cacheOut[index] = result.cacheFiles
                        } else {
                            statOut[index] = try writeXML(path, type: types[index], compression: compression, chunks: columns[index])
                        }
                    } catch let error as GooseError {
                        writtenOut[index] = .failure(error)
                    } catch {
                        writtenOut[index] = .failure(.io(path: repodata, reason: "\(error)"))
                    }
                }
               }
              }
            }
        }
        try chunkCacheSaved.get()
        if let segmentCache {
            // Members of groups that are gone (and scratch files of killed runs) would only grow the cache.
            let used = Set(cacheFiles.joined().map { ($0 as NSString).lastPathComponent })
            for name in (try? FileManager.default.contentsOfDirectory(atPath: segmentCache)) ?? [] where !used.contains(name) {
                FileSystem.remove(segmentCache + "/" + name)
            }
        }
        var databaseSources: [RepodataDatabases.Source] = []
        for (index, (name, type)) in kinds.enumerated() {
            try written[index].get()
            let record = try addRecord(name, path: "\(repodata)/\(name).xml\(suffix)", to: repomd, contentStat: stats[index], timestamp: options.timestamp)
            if options.sqlite, let location = record.pointee.location_real, let checksum = record.pointee.checksum {
                databaseSources.append(.init(kind: type, xml: String(cString: location), xmlChecksum: String(cString: checksum)))
            }
        }
        if options.sqlite {
            let databases = try RepodataDatabases.make(databaseSources, in: repodata)
            defer { for database in databases { cr_contentstat_free(database.contentStat, nil) } }
            for database in databases {
                let record = try addRecord(database.record, path: database.path, to: repomd, contentStat: database.contentStat, timestamp: options.timestamp)
                record.pointee.db_ver = CR_DB_CACHE_DBVERSION
            }
        }
        if let comps = options.comps {
            try copyMetadata(comps, to: repodata + "/comps.xml", record: "group", repomd: repomd, timestamp: options.timestamp)
        }
        if let updateinfo = options.updateinfo {
            try copyMetadata(updateinfo, to: repodata + "/updateinfo.xml", record: "updateinfo", repomd: repomd, timestamp: options.timestamp)
        }
        cr_repomd_set_revision(repomd, String(options.timestamp ?? Int(Date().timeIntervalSince1970)))
        cr_repomd_sort_records(repomd)
        var error: UnsafeMutablePointer<GError>?
        guard let xml = cr_xml_dump_repomd(repomd, &error) else { throw failure(repodata + "/repomd.xml", error) }
        defer { g_free(xml) }
        // The callers build the repository in a staging tree that they make durable before publishing it.
        try RepodataCache.replace(repodata + "/repomd.xml", with: Data(String(cString: xml).utf8))
        return RepodataSummary(packages: hrefs.count, reused: reusedFlags.filter { $0 }.count)
    }

    /// Writes one compressed XML file from its package chunks; returns its content statistics (open size and checksum).
    static func writeXML(_ path: String, type: cr_XmlFileType, compression: cr_CompressionType, chunks: [String]) throws -> UnsafeMutablePointer<cr_ContentStat> {
        var error: UnsafeMutablePointer<GError>?
        guard let stat = cr_contentstat_new(CR_CHECKSUM_SHA256, &error) else { throw failure(path, error) }
        guard let file = cr_xmlfile_sopen(path, type, compression, stat, &error) else {
            cr_contentstat_free(stat, nil)
            throw failure(path, error)
        }
        var status = cr_xmlfile_set_num_of_pkgs(file, chunks.count, &error)
        for chunk in chunks where status == CRE_OK.rawValue {
            status = cr_xmlfile_add_chunk(file, chunk, &error)
        }
        var closeError: UnsafeMutablePointer<GError>?
        let closed = cr_xmlfile_close(file, &closeError)
        guard status == CRE_OK.rawValue, closed == CRE_OK.rawValue else {
            cr_contentstat_free(stat, nil)
            throw failure(path, error ?? closeError)
        }
        if let closeError { g_error_free(closeError) }
        return stat
    }

    struct XMLChunks {
        var primary: String
        var filelists: String
        var other: String
    }

    /// `values` without its nils, or nil when any is missing.
    static func allPresent<T>(_ values: [T?]) -> [T]? {
        let present = values.compactMap { $0 }
        return present.count == values.count ? present : nil
    }

    /// One package's metadata as `dump` found it.
    struct Dumped {
        var chunks: XMLChunks
        /// From the cache or the previous repository rather than from the RPM.
        var reused: Bool
        /// Size and mtime of the file.
        var identity: (Int64, Int64)
        /// The closure check's facts, when asked for and a libcreaterepo_c package was at hand (not for cache hits).
        var closure: ClosurePackage?
    }

    /// One package's three XML chunks, from the previous repo when the file is unchanged, else from the RPM.
    /// `file`: where to read the package when not (yet) at `href` in `repository` (its source, being linked there).
    /// `known`: the file's size and mtime as the caller just saw them, so that a cache hit needs no stat.
    static func dump(repository: String, href: String, file: String? = nil, known: (Int64, Int64)? = nil, cache: RepodataCache?, old: OldMetadata?,
                     options: RepodataOptions, closure: Bool = false, recordedSHA256: String? = nil) throws -> Dumped {
        let path = file ?? repository + "/" + href
        if let known, let entry = cache?.entries[href], entry.size == known.0, entry.modificationTime == known.1 {
            return Dumped(chunks: XMLChunks(primary: entry.primary, filelists: entry.filelists, other: entry.other), reused: true, identity: known)
        }
        var status = stat()
        guard stat(path, &status) == 0 else { throw GooseError.errno(path, "cannot stat") }
        let identity = (Int64(status.st_size), Int64(status.st_mtim.tv_sec))
        if let entry = cache?.entries[href], entry.size == identity.0, entry.modificationTime == identity.1 {
            return Dumped(chunks: XMLChunks(primary: entry.primary, filelists: entry.filelists, other: entry.other), reused: true, identity: identity)
        }
        var error: UnsafeMutablePointer<GError>?
        if let previous = old?.package(href: href), previous.pointee.size_package == identity.0, previous.pointee.time_file == identity.1 {
            return Dumped(chunks: try xml(of: previous, path: path), reused: true, identity: identity, closure: closure ? ClosurePackage(previous) : nil)
        }
        guard let package = cr_package_from_rpm(path, CR_CHECKSUM_SHA256, href, nil, options.changelogLimit, &status, CR_HDRR_NONE, &error) else {
            throw GooseError.invalidPackage(file: path, reason: message(error, fallback: "createrepo_c cannot read it"))
        }
        defer { cr_package_free(package) }
        // createrepo_c hashed the whole file for primary's pkgid, so the check against the build's record costs nothing:
        // a payload damaged since (which reading the header alone does not notice) is caught here.
        if let recordedSHA256, let computed = package.pointee.pkgId.map({ String(cString: $0) }), computed != recordedSHA256 {
            throw GooseError.invalidPackage(file: path, reason: "sha256 \(computed) is not the \(recordedSHA256) its build.json records: damaged, or changed outside goose (goose sign tag re-signs builds and records them)")
        }
        return Dumped(chunks: try xml(of: package, path: path), reused: false, identity: identity, closure: closure ? ClosurePackage(package) : nil)
    }

    static func xml(of package: UnsafeMutablePointer<cr_Package>, path: String) throws -> XMLChunks {
        var error: UnsafeMutablePointer<GError>?
        let result = cr_xml_dump(package, &error)
        defer { g_free(result.primary); g_free(result.filelists); g_free(result.other) }
        guard error == nil, let primary = result.primary, let filelists = result.filelists, let other = result.other else {
            throw GooseError.invalidPackage(file: path, reason: message(error, fallback: "cannot dump XML"))
        }
        return XMLChunks(primary: String(cString: primary), filelists: String(cString: filelists), other: String(cString: other))
    }

    /// Adds a record for a written file (renamed to its checksum-prefixed name); repomd owns the returned record.
    @discardableResult
    static func addRecord(_ type: String, path: String, to repomd: UnsafeMutablePointer<cr_Repomd>, contentStat: UnsafeMutablePointer<cr_ContentStat>?,
                          timestamp: Int? = nil) throws -> UnsafeMutablePointer<cr_RepomdRecord> {
        guard let record = cr_repomd_record_new(type, path) else { throw GooseError.io(path: path, reason: "cannot create repomd record") }
        if let contentStat { cr_repomd_record_load_contentstat(record, contentStat) }
        var error: UnsafeMutablePointer<GError>?
        // Checksum-prefixed names (createrepo_c's unique-md-filenames) keep mirrors from mixing generations.
        guard cr_repomd_record_fill(record, CR_CHECKSUM_SHA256, &error) == CRE_OK.rawValue,
              cr_repomd_record_rename_file(record, &error) == CRE_OK.rawValue else {
            cr_repomd_record_free(record)
            throw failure(path, error)
        }
        if let timestamp { record.pointee.timestamp = gint64(timestamp) }
        cr_repomd_set_record(repomd, record)
        return record
    }

    static func copyMetadata(_ source: String, to destination: String, record: String, repomd: UnsafeMutablePointer<cr_Repomd>, timestamp: Int? = nil) throws {
        guard FileSystem.isRegularFile(source) else { throw GooseError.io(path: source, reason: "no such file") }
        try RepodataCache.replace(destination, with: try FileSystem.contents(of: source))
        try addRecord(record, path: destination, to: repomd, contentStat: nil, timestamp: timestamp)
    }

    static func message(_ error: UnsafeMutablePointer<GError>?, fallback: String) -> String {
        guard let error else { return fallback }
        defer { g_error_free(error) }
        return error.pointee.message.map { String(cString: $0) } ?? fallback
    }

    static func failure(_ path: String, _ error: UnsafeMutablePointer<GError>?) -> GooseError {
        .io(path: path, reason: message(error, fallback: "createrepo_c failed"))
    }
}

/// The previous repository's package metadata, loaded through libcreaterepo_c and keyed by location.
final class OldMetadata: @unchecked Sendable {
    // Read-only after init; the packages it hands out live as long as this object.
    private let metadata: OpaquePointer
    private let table: OpaquePointer

    init?(repository: String) {
        guard FileSystem.isRegularFile(repository + "/repodata/repomd.xml"),
              let metadata = cr_metadata_new(CR_HT_KEY_HREF, 0, nil) else { return nil }
        var error: UnsafeMutablePointer<GError>?
        guard cr_metadata_locate_and_load_xml(metadata, repository, &error) == CRE_OK.rawValue, let table = cr_metadata_hashtable(metadata) else {
            if let error { g_error_free(error) }
            cr_metadata_free(metadata)
            return nil
        }
        self.metadata = metadata
        self.table = table
    }

    deinit { cr_metadata_free(metadata) }

    func package(href: String) -> UnsafeMutablePointer<cr_Package>? {
        href.withCString { g_hash_table_lookup(table, $0) }?.assumingMemoryBound(to: cr_Package.self)
    }
}
