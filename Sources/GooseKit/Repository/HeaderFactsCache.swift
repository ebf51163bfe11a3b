import Foundation

/// What mash reads from package headers before planning (multilib candidates' names, files and dependencies; source
/// packages' ExcludeArch and ExclusiveArch), kept between mashes and keyed by path, size and mtime, so that an
/// incremental mash reads the headers of new files only. Any mismatch means "read the header again".
struct HeaderFactsCache {
    struct Entry: Equatable {
        var size: Int64
        var modificationTime: Int64
        var facts: [String]
    }

    static let signature = "goose-mash-header-facts 2"
    private(set) var entries: [String: Entry] = [:]
    private var used: Set<String> = []
    private var changed = false

    /// Loads a cache file; a missing, foreign or damaged file gives an empty cache.
    static func load(_ path: String) -> HeaderFactsCache {
        var cache = HeaderFactsCache()
        guard let data = FileManager.default.contents(atPath: path), let fields = RepodataCache.decode(data), fields.first == signature else {
            return cache
        }
        var index = 1
        while index + 3 < fields.count, let size = Int64(fields[index + 1]), let time = Int64(fields[index + 2]),
              let count = Int(fields[index + 3]), count >= 0, index + 4 + count <= fields.count {
            cache.entries[fields[index]] = Entry(size: size, modificationTime: time, facts: Array(fields[(index + 4)..<(index + 4 + count)]))
            index += 4 + count
        }
        return cache
    }

    /// The facts of the file at `path` (for `purpose`, when one file has several kinds): cached when its size and mtime
    /// are unchanged, else from `read`, whose errors are not cached.
    mutating func facts(of path: String, purpose: String = "header", read: () throws -> [String]) throws -> [String] {
        var status = stat()
        guard stat(path, &status) == 0 else { throw GooseError.errno(path, "cannot stat") }
        let size = Int64(status.st_size), time = Int64(status.st_mtim.tv_sec)
        let key = purpose + "\u{0}" + path
        used.insert(key)
        if let entry = entries[key], entry.size == size, entry.modificationTime == time { return entry.facts }
        let facts = try read()
        entries[key] = Entry(size: size, modificationTime: time, facts: facts)
        changed = true
        return facts
    }

    /// Writes the entries this run used (by rename, without fsync: it is only a cache), unless nothing changed.
    func save(_ path: String) throws {
        guard changed || entries.count != used.count else { return }
        var fields = [Self.signature]
        for file in used.sorted() {
            let entry = entries[file]!
            fields += [file, String(entry.size), String(entry.modificationTime), String(entry.facts.count)] + entry.facts
        }
        try FileSystem.createDirectory((path as NSString).deletingLastPathComponent)
        try RepodataCache.replace(path, with: RepodataCache.encode(fields))
    }
}
