import Foundation

/// Decoded build records kept between runs of a command that reads many of them (mash reads every build of a tag),
/// keyed by the build.json's path and its inode, size and mtime (nanoseconds): build.json is replaced by rename, so
/// any rewrite is another inode. Decoding a few thousand artifacts with JSONDecoder cost more than the rest of an
/// incremental mash's planning; this reads them back from netstrings. Any mismatch means "decode the JSON again".
public struct BuildRecordCache: Sendable {
    struct Entry: Sendable {
        var identity: [Int64]
        var record: BuildRecord
    }

    static let signature = "goose-build-records 1"
    private var entries: [String: Entry] = [:]
    private var used: Set<String> = []
    private var changed = false

    public init() {}

    /// Loads a cache file; a missing, foreign or damaged file gives an empty cache.
    public static func load(_ path: String) -> BuildRecordCache {
        var cache = BuildRecordCache()
        guard let data = FileManager.default.contents(atPath: path), let fields = RepodataCache.decode(data), fields.first == signature else {
            return cache
        }
        var reader = FieldReader(fields: fields, position: 1)
        while !reader.atEnd {
            guard let path = reader.next(), let identity = reader.integers(4), let record = reader.record() else { return BuildRecordCache() }
            cache.entries[path] = Entry(identity: identity, record: record)
        }
        return cache
    }

    /// The record in `path` (a build.json): cached when the file is unchanged, else decoded (and kept); nil when the
    /// file does not exist.
    public mutating func record(at path: String) throws -> BuildRecord? {
        guard let identity = Self.identity(of: path) else { return nil }
        used.insert(path)
        if let entry = entries[path], entry.identity == identity { return entry.record }
        let record = try BuildRecord.decode(try FileSystem.contents(of: path), file: path)
        entries[path] = Entry(identity: identity, record: record)
        changed = true
        return record
    }

    /// Decodes the build.json files among `paths` that the cache cannot answer, several at once (JSONDecoder is the
    /// slow part of a first mash's planning); `record(at:)` then finds them. A file that fails to decode is left to
    /// `record(at:)`, which reports it.
    public mutating func preload(_ paths: [String]) {
        var pending: [(path: String, identity: [Int64])] = []
        for path in Set(paths) {
            if let identity = Self.identity(of: path), entries[path]?.identity != identity { pending.append((path, identity)) }
        }
        guard pending.count > 1 else { return }
        let files = pending.map(\.path)
        let decoded = ParallelMap.map(files.count) { index in try? BuildRecord.decode(try FileSystem.contents(of: files[index]), file: files[index]) }
        for (file, record) in zip(pending, decoded) {
            guard let record else { continue }
            entries[file.path] = Entry(identity: file.identity, record: record)
            changed = true
        }
    }

    /// A build.json's inode, size and mtime (seconds, nanoseconds); nil when it is not a regular file.
    static func identity(of path: String) -> [Int64]? {
        var status = stat()
        guard stat(path, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else { return nil }
        return [Int64(status.st_ino), Int64(status.st_size), Int64(status.st_mtim.tv_sec), Int64(status.st_mtim.tv_nsec)]
    }

    /// Writes the entries this run used (by rename, without fsync: it is only a cache), unless nothing changed.
    public func save(_ path: String) throws {
        guard changed || entries.count != used.count else { return }
        var fields = [Self.signature]
        for file in used.sorted() {
            let entry = entries[file]!
            fields.append(file)
            fields += entry.identity.map { String($0) }
            Self.append(entry.record, to: &fields)
        }
        try FileSystem.createDirectory((path as NSString).deletingLastPathComponent)
        try RepodataCache.replace(path, with: RepodataCache.encode(fields))
    }

    /// Every field of a record, optionals as `-` (nil) or `+value`; `BuildRecordCacheTests` checks that no field of
    /// BuildRecord or BuildArtifact is left out.
    static func append(_ record: BuildRecord, to fields: inout [String]) {
        func optional(_ value: String?) -> String { value.map { "+" + $0 } ?? "-" }
        func date(_ value: Date?) -> String { optional(value.map { String($0.timeIntervalSinceReferenceDate) }) }
        fields += [record.name, optional(record.epoch.map { String($0) }), record.version, record.release, record.origin.rawValue,
                   record.state.rawValue, optional(record.sourceCommit), optional(record.buildroot), date(record.started),
                   date(record.finished), optional(record.exitStatus.map { String($0) }), String(record.artifacts.count)]
        for artifact in record.artifacts {
            fields += [artifact.path, artifact.name, optional(artifact.epoch.map { String($0) }), artifact.version, artifact.release,
                       artifact.arch, artifact.sha256, optional(artifact.signedBy)]
        }
    }

    /// Reads the fields `append` wrote, in order.
    struct FieldReader {
        let fields: [String]
        var position: Int
        var atEnd: Bool { position >= fields.count }

        mutating func next() -> String? {
            guard position < fields.count else { return nil }
            defer { position += 1 }
            return fields[position]
        }

        mutating func integers(_ count: Int) -> [Int64]? {
            var values: [Int64] = []
            for _ in 0..<count {
                guard let value = next().flatMap({ Int64($0) }) else { return nil }
                values.append(value)
            }
            return values
        }

        /// nil: damaged; .some(nil): the field was `-`.
        mutating func optional() -> String?? {
            guard let field = next() else { return nil }
            if field == "-" { return .some(nil) }
            guard field.hasPrefix("+") else { return nil }
            return .some(String(field.dropFirst()))
        }

        mutating func optionalInteger<T: FixedWidthInteger>(_: T.Type) -> T?? {
            guard let field = optional() else { return nil }
            guard let text = field else { return .some(nil) }
            return T(text).map { .some($0) }
        }

        mutating func optionalDate() -> Date?? {
            guard let field = optional() else { return nil }
            guard let text = field else { return .some(nil) }
            return Double(text).map { .some(Date(timeIntervalSinceReferenceDate: $0)) }
        }

        mutating func record() -> BuildRecord? {
            guard let name = next(), let epoch = optionalInteger(Int.self), let version = next(), let release = next(),
                  let origin = next().flatMap(BuildRecord.Origin.init(rawValue:)), let state = next().flatMap(BuildRecord.State.init(rawValue:)),
                  let sourceCommit = optional(), let buildroot = optional(), let started = optionalDate(), let finished = optionalDate(),
                  let exitStatus = optionalInteger(Int32.self), let count = next().flatMap({ Int($0) }), count >= 0 else { return nil }
            var record = BuildRecord(name: name, epoch: epoch, version: version, release: release, origin: origin, state: state,
                                     sourceCommit: sourceCommit, buildroot: buildroot, started: started, finished: finished)
            record.exitStatus = exitStatus
            record.artifacts.reserveCapacity(count)
            for _ in 0..<count {
                guard let path = next(), let name = next(), let epoch = optionalInteger(Int.self), let version = next(), let release = next(),
                      let arch = next(), let sha256 = next(), let signedBy = optional() else { return nil }
                record.artifacts.append(BuildArtifact(path: path, name: name, epoch: epoch, version: version, release: release, arch: arch,
                                                      sha256: sha256, signedBy: signedBy))
            }
            return record
        }
    }
}
