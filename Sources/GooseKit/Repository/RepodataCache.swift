import Foundation

/// The XML chunks libcreaterepo_c made for each package of a repository, kept between mashes so that an
/// incremental mash copies them for unchanged files instead of re-reading the RPMs or re-parsing the old
/// repodata. Keyed by location, size and mtime, like createrepo_c --update; any mismatch means "read again".
public struct RepodataCache: Sendable {
    public struct Entry: Equatable, Sendable {
        public var size: Int64
        public var modificationTime: Int64
        public var primary: String
        public var filelists: String
        public var other: String
    }

    /// Written first; a cache made with other settings (or by another format version) is ignored.
    public let signature: String
    public var entries: [String: Entry] = [:]
    /// The group files the entries came from (`loadGroups`).
    public var files: Set<String> = []

    public init(signature: String) { self.signature = signature }

    /// The signature for a set of repodata options.
    public static func signature(for options: RepodataOptions) -> String {
        "goose-repodata-cache 1 sha256 changelog=\(options.changelogLimit)"
    }

    /// Loads a cache file; a missing, foreign or damaged file gives an empty cache (it is only a cache).
    public static func load(_ path: String, signature: String) -> RepodataCache {
        var cache = RepodataCache(signature: signature)
        guard let data = FileManager.default.contents(atPath: path), let fields = decode(data), fields.first == signature,
              (fields.count - 1) % 6 == 0 else { return cache }
        cache.entries.reserveCapacity((fields.count - 1) / 6)
        var index = 1
        while index < fields.count {
            if let size = Int64(fields[index + 1]), let time = Int64(fields[index + 2]) {
                cache.entries[fields[index]] = Entry(size: size, modificationTime: time, primary: fields[index + 3],
                                                     filelists: fields[index + 4], other: fields[index + 5])
            }
            index += 6
        }
        return cache
    }

    /// Loads a directory of group files (see `saveGroups`); files that are damaged or foreign are left out.
    public static func loadGroups(_ directory: String, signature: String) -> RepodataCache {
        var cache = RepodataCache(signature: signature)
        guard let listing = try? Directory(directory).entries() else { return cache }
        let names = listing.filter { $0.isRegularFile && $0.name.hasSuffix(".chunks") }.map(\.name)
        // Megabytes of XML to decode: the files are read and decoded several at once.
        let parts = ParallelMap.map(names.count) { load(directory + "/" + names[$0], signature: signature) }
        cache.entries.reserveCapacity(parts.reduce(0) { $0 + ($1?.entries.count ?? 0) })
        for (name, part) in zip(names, parts) {
            guard let part, !part.entries.isEmpty else { continue }
            cache.entries.merge(part.entries) { first, _ in first }
            cache.files.insert(name)
        }
        return cache
    }

    /// Keeps the chunks as one file per group of packages (a build), named by a key over its packages' identities
    /// (`<key>.chunks`): a mash after one build changed writes that build's file, not the whole repository's chunks
    /// again. Writes the groups whose file `existing` (the loaded ones) lacks; removes the files of groups that are gone.
    public static func saveGroups(_ directory: String, signature: String, groups: [(key: String, entries: [(String, Entry)])],
                                  existing: Set<String>) throws {
        var status = stat()
        // A single-file cache of an older goose stands where the directory goes.
        if lstat(directory, &status) == 0 && (status.st_mode & S_IFMT) != S_IFDIR { unlink(directory) }
        try FileSystem.createDirectory(directory)
        var used: Set<String> = []
        for group in groups {
            let name = group.key + ".chunks"
            used.insert(name)
            guard !existing.contains(name) else { continue }
            var cache = RepodataCache(signature: signature)
            for (href, entry) in group.entries { cache.entries[href] = entry }
            try cache.save(directory + "/" + name)
        }
        for entry in try Directory(directory).entries() where !used.contains(entry.name) {
            unlink(directory + "/" + entry.name)
        }
    }

    /// Writes the cache atomically, entries sorted by location.
    public func save(_ path: String) throws {
        var fields = [signature]
        for href in entries.keys.sorted() {
            let entry = entries[href]!
            fields += [href, String(entry.size), String(entry.modificationTime), entry.primary, entry.filelists, entry.other]
        }
        try Self.replace(path, with: Self.encode(fields))
    }

    /// Replaces a cache file by rename, so that a reader never sees half of one, but without fsync: a cache lost in a
    /// crash costs a re-read, while an fsync per mash costs every mash.
    static func replace(_ path: String, with data: Data) throws {
        let temporary = "\(path).\(getpid()).tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw GooseError.errno(temporary, "cannot create") }
        do {
            try data.withUnsafeBytes { try FileSystem.writeAll($0, to: descriptor, path: temporary) }
            close(descriptor)
        } catch {
            close(descriptor)
            FileSystem.remove(temporary)
            throw error
        }
        guard rename(temporary, path) == 0 else {
            FileSystem.remove(temporary)
            throw GooseError.errno(path, "cannot rename")
        }
    }

    /// Netstrings (`<length>:<bytes>,`): chunks hold newlines and any text, so they are length-prefixed.
    static func encode(_ fields: [String]) -> Data {
        // One buffer sized up front: a full mash encodes megabytes of XML here.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(fields.reduce(0) { $0 + $1.utf8.count + 12 })
        for var field in fields {
            field.makeContiguousUTF8()
            bytes.append(contentsOf: String(field.utf8.count).utf8)
            bytes.append(UInt8(ascii: ":"))
            field.withUTF8 { bytes.append(contentsOf: $0) }
            bytes.append(UInt8(ascii: ","))
        }
        return Data(bytes)
    }

    static func decode(_ data: Data) -> [String]? {
        data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) -> [String]? in
            let bytes = buffer.bindMemory(to: UInt8.self)
            var fields: [String] = []
            var position = 0
            while position < bytes.count {
                var length = 0
                while position < bytes.count, bytes[position] != UInt8(ascii: ":") {
                    let digit = Int(bytes[position]) - 48
                    guard digit >= 0 && digit <= 9 && length < Int.max / 10 else { return nil }
                    length = length * 10 + digit
                    position += 1
                }
                let start = position + 1
                guard position < bytes.count, start + length < bytes.count, bytes[start + length] == UInt8(ascii: ",") else { return nil }
                fields.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<start + length]), as: UTF8.self))
                position = start + length + 1
            }
            return fields
        }
    }
}
