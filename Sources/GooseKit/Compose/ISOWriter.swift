import CArchive
import Foundation

/// How an ISO is written.
public struct ISOOptions: Sendable {
    public var volumeId: String
    /// Every entry's mtime and the volume dates: SOURCE_DATE_EPOCH, so two runs give the same bytes.
    public var timestamp: Int
    /// Tree-relative path of a BIOS El Torito boot image (`isolinux/isolinux.bin`), no-emulation with a boot-info-table.
    public var biosBootImage: String?
    public init(volumeId: String, timestamp: Int, biosBootImage: String? = nil) {
        self.volumeId = volumeId
        self.timestamp = timestamp
        self.biosBootImage = biosBootImage
    }
}

/// Writes a directory tree as an ISO 9660 image (Rock Ridge + Joliet) with libarchive, streaming every file.
///
/// Memory: libarchive keeps every entry (about 3.4 KB each with Rock Ridge and Joliet) until it writes the
/// directories at close; that is the floor. Everything of ours is per directory or per chunk: the walk holds one
/// directory's sorted names at a time, one archive entry is reused for every file, file data moves in 1 MiB chunks,
/// and the writer's state is freed before the dates are rewritten in 64 KiB pieces.
public final class ISOWriter {
    private var archive: OpaquePointer?
    private let entry: OpaquePointer
    private let output: String
    private let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: FileStreamer.chunkSize, alignment: 16)

    /// Opens `output` for writing with the options set; nothing is written until `add`.
    public init(output: String, options: ISOOptions) throws {
        guard let archive = archive_write_new(), let entry = archive_entry_new() else {
            throw GooseError.io(path: output, reason: "libarchive: cannot allocate a writer")
        }
        self.archive = archive
        self.entry = entry
        self.output = output
        guard archive_write_set_format_iso9660(archive) == ARCHIVE_OK else { throw failure("cannot select ISO 9660") }
        var settings: [(String, String?)] = [("rockridge", "strict"), ("joliet", "1"), ("volume-id", options.volumeId),
                                             ("iso-level", "3")]
        if let boot = options.biosBootImage {
            let directory = (boot as NSString).deletingLastPathComponent
            settings += [("boot", boot), ("boot-catalog", (directory.isEmpty ? "" : directory + "/") + "boot.cat"),
                         ("boot-type", "no-emulation"), ("boot-load-size", "4"), ("boot-info-table", "1")]
        }
        for (key, value) in settings {
            guard archive_write_set_format_option(archive, "iso9660", key, value) == ARCHIVE_OK else { throw failure("option \(key)") }
        }
        // One ISO block per write: libarchive otherwise pads the last block to 10 KiB tar-style records.
        archive_write_set_bytes_in_last_block(archive, 1)
        guard archive_write_open_filename(archive, output) == ARCHIVE_OK else { throw failure("cannot open") }
    }

    deinit {
        if let archive { archive_write_free(archive) }
        archive_entry_free(entry)
        buffer.deallocate()
    }

    private func failure(_ what: String) -> GooseError {
        let message = archive.flatMap { archive_error_string($0) }.map { String(cString: $0) } ?? "failed"
        return .io(path: output, reason: "libarchive: \(what): \(message)")
    }

    /// Adds every directory and regular file under `root` (sorted, so the image is the same each time).
    public func add(tree root: String, timestamp: Int) throws {
        try Self.walk(root) { relative, isDirectory in
            try add(source: root + "/" + relative, as: relative, isDirectory: isDirectory, timestamp: timestamp)
        }
    }

    /// The tree's entries relative to `root`, directories before their contents, sorted.
    static func walk(_ root: String) throws -> [String] {
        var result: [String] = []
        try walk(root) { relative, _ in result.append(relative) }
        return result
    }

    /// Calls `visit` with each entry relative to `root` and whether it is a directory (symbolic links followed), in
    /// the order of `walk(_:)`; only the names of the directories on the current path are held.
    static func walk(_ root: String, _ visit: (_ relative: String, _ isDirectory: Bool) throws -> Void) throws {
        func descend(_ relative: String) throws {
            let path = relative.isEmpty ? root : root + "/" + relative
            for (name, isDirectory) in try entries(of: path) {
                let child = relative.isEmpty ? name : relative + "/" + name
                try visit(child, isDirectory)
                if isDirectory { try descend(child) }
            }
        }
        try descend("")
    }

    /// One directory's names (without . and ..), sorted as Swift sorts strings, each with whether it is a directory.
    static func entries(of path: String) throws -> [(name: String, isDirectory: Bool)] {
        guard let directory = opendir(path) else { throw GooseError.errno(path, "cannot read directory") }
        defer { closedir(directory) }
        var result: [(name: String, isDirectory: Bool)] = []
        while true {
            errno = 0
            guard let item = readdir(directory) else {
                if errno != 0 { throw GooseError.errno(path, "cannot read directory") }
                break
            }
            let name = withUnsafeBytes(of: item.pointee.d_name) { String(cString: $0.baseAddress!.assumingMemoryBound(to: CChar.self)) }
            if name == "." || name == ".." { continue }
            var isDirectory = Int32(item.pointee.d_type) == Int32(DT_DIR)
            if Int32(item.pointee.d_type) == Int32(DT_UNKNOWN) || Int32(item.pointee.d_type) == Int32(DT_LNK) {
                var status = stat()
                isDirectory = stat(path + "/" + name, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR
            }
            result.append((name, isDirectory))
        }
        return result.sorted { $0.name < $1.name }
    }

    /// Adds one file or directory, copying its content in 1 MiB chunks (memory stays bounded).
    public func add(source: String, as path: String, timestamp: Int) throws {
        var status = stat()
        guard stat(source, &status) == 0 else { throw GooseError.errno(source, "cannot stat") }
        try add(source: source, as: path, isDirectory: (status.st_mode & S_IFMT) == S_IFDIR, timestamp: timestamp)
    }

    private func add(source: String, as path: String, isDirectory: Bool, timestamp: Int) throws {
        guard let archive else { throw GooseError.io(path: output, reason: "libarchive: the image is already finished") }
        // Opened before the header is written, so the size recorded is the size streamed.
        let descriptor = isDirectory ? -1 : open(source, O_RDONLY | O_CLOEXEC)
        if !isDirectory && descriptor < 0 { throw GooseError.errno(source, "cannot open") }
        defer { if descriptor >= 0 { close(descriptor) } }
        var status = stat()
        if descriptor >= 0 {
            guard fstat(descriptor, &status) == 0 else { throw GooseError.errno(source, "cannot stat") }
        }
        archive_entry_clear(entry)
        archive_entry_set_pathname(entry, path)
        archive_entry_set_filetype(entry, isDirectory ? goose_ae_ifdir() : goose_ae_ifreg())
        archive_entry_set_perm(entry, isDirectory ? 0o755 : 0o644)
        archive_entry_set_size(entry, isDirectory ? 0 : Int64(status.st_size))
        for setter in [archive_entry_set_mtime, archive_entry_set_atime, archive_entry_set_ctime] { setter(entry, time_t(timestamp), 0) }
        archive_entry_set_uid(entry, 0)
        archive_entry_set_gid(entry, 0)
        guard archive_write_header(archive, entry) == ARCHIVE_OK else { throw failure("cannot add \(path)") }
        guard !isDirectory else { return }
        var remaining = Int(status.st_size)
        while remaining > 0 {
            let count = read(descriptor, buffer.baseAddress, min(buffer.count, remaining))
            if count < 0 {
                if errno == EINTR { continue }
                throw GooseError.errno(source, "read failed")
            }
            // A file that shrank while being added would leave the image inconsistent with its directory record.
            guard count > 0 else { throw GooseError.io(path: source, reason: "file shrank while being written to the ISO") }
            guard archive_write_data(archive, buffer.baseAddress, count) == count else { throw failure("cannot write \(path)") }
            remaining -= count
        }
    }

    /// Writes the volume descriptors and directory records, closes the file, frees libarchive's per-entry state,
    /// then sets the volume ids and dates.
    public func finish(volumeId: String, timestamp: Int) throws {
        guard let archive else { throw GooseError.io(path: output, reason: "libarchive: the image is already finished") }
        let before = Int(time(nil))
        guard archive_write_close(archive) == ARCHIVE_OK else { throw failure("cannot finish") }
        let after = Int(time(nil))
        archive_write_free(archive)
        self.archive = nil
        try Self.restamp(output, volumeId: volumeId, clock: before...after, timestamp: timestamp)
    }

    /// libarchive stamps the image with the wall clock at close (its option to change that exists only in debug
    /// builds): the volume descriptors' dates, the root and every `..` record, Rock Ridge TF entries of those, and
    /// the text of its information block. It also maps the volume id to upper-case d-characters (`GL_9_4`), unlike
    /// mkisofs and the labels anaconda looks for. This rewrites, in the metadata area only (before the first file's
    /// data), every encoding of the close-time second with `timestamp`, and writes the volume id as given
    /// (ECMA-119 8.4.6; UCS-2 in the Joliet descriptor). The area is read in 64 KiB pieces that overlap by more
    /// than the longest pattern, so memory stays small however many directory records there are.
    static func restamp(_ path: String, volumeId: String, clock: ClosedRange<Int>, timestamp: Int) throws {
        let descriptor = open(path, O_RDWR | O_CLOEXEC)
        guard descriptor >= 0 else { throw GooseError.errno(path, "cannot open") }
        defer { close(descriptor) }
        func readSectors(_ first: Int, _ count: Int) -> [UInt8] {
            var bytes = [UInt8](repeating: 0, count: count * 2048)
            let got = pread(descriptor, &bytes, bytes.count, off_t(first * 2048))
            return Array(bytes.prefix(max(0, got)))
        }
        let metadataEnd = try firstFileSector(read: readSectors, path: path)
        var replacements: [(old: [UInt8], new: [UInt8])] = []
        for second in clock {
            replacements.append((directoryRecordDate(second, local: true), directoryRecordDate(timestamp, local: true)))
            replacements.append((Array(volumeDate(second, local: true).utf8) + [localOffset(second)],
                                 Array(volumeDate(timestamp, local: true).utf8) + [localOffset(timestamp)]))
            replacements.append((Array(ctimeText(second).utf8), Array(ctimeText(timestamp).utf8)))
        }
        replacements = replacements.filter { $0.old.count == $0.new.count && $0.old != $0.new }
        let overlap = 2048
        let pieceSectors = 32
        var sector = 16
        while sector < metadataEnd {
            let count = min(pieceSectors, metadataEnd - sector)
            let start = sector * 2048
            // The overlap lets a pattern that straddles two pieces be found whole; it never reaches file data.
            let length = min(count * 2048 + overlap, (metadataEnd - sector) * 2048)
            var piece = [UInt8](repeating: 0, count: length)
            let got = pread(descriptor, &piece, length, off_t(start))
            guard got == length else { throw GooseError.errno(path, "cannot read") }
            let original = piece
            for (old, new) in replacements { piece.replaceAll(old, with: new) }
            // Volume ids: the primary descriptor (a-characters as given) and the Joliet one (UCS-2, 16 characters).
            if sector == 16 { setVolumeIds(in: &piece, volumeId: volumeId) }
            if piece != original {
                guard pwrite(descriptor, piece, length, off_t(start)) == length else { throw GooseError.errno(path, "cannot write") }
            }
            sector += count
        }
    }

    /// Writes `volumeId` into the primary and Joliet volume descriptors at the start of `area` (sector 16 on).
    static func setVolumeIds(in area: inout [UInt8], volumeId: String) {
        for index in 0..<min(48, area.count / 2048) {
            let base = index * 2048
            guard area[(base + 1)...(base + 5)].elementsEqual("CD001".utf8), area[base] != 255 else { break }
            guard area[base] == 1 || area[base] == 2 else { continue }
            let joliet = area[base] == 2
            var field: [UInt8] = joliet ? volumeId.prefix(16).utf16.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xff)] } : Array(volumeId.prefix(32).utf8)
            while field.count < 32 { field += joliet ? [0, 0x20] : [0x20] }
            area.replaceSubrange((base + 40)..<(base + 72), with: field.prefix(32))
        }
    }

    /// The first sector holding file data: libarchive writes all descriptors, path tables and directories before it.
    static func firstFileSector(read: (Int, Int) -> [UInt8], path: String) throws -> Int {
        let primary = read(16, 1)
        guard primary.count == 2048, primary[0] == 1, primary[1...5].elementsEqual("CD001".utf8) else {
            throw GooseError.io(path: path, reason: "libarchive wrote no primary volume descriptor")
        }
        func le32(_ bytes: [UInt8], _ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 | Int(bytes[at + 2]) << 16 | Int(bytes[at + 3]) << 24 }
        let volumeSectors = le32(primary, 80)
        var firstFile = volumeSectors
        var pending = [(le32(primary, 156 + 2), le32(primary, 156 + 10))]
        var seen: Set<Int> = []
        while let (extent, size) = pending.popLast() {
            guard seen.insert(extent).inserted else { continue }
            let bytes = read(extent, (size + 2047) / 2048)
            var offset = 0
            while offset < bytes.count {
                let length = Int(bytes[offset])
                if length == 0 { offset = (offset / 2048 + 1) * 2048; continue }
                guard offset + 33 <= bytes.count else { break }
                let nameLength = Int(bytes[offset + 32])
                let isSelfOrParent = nameLength == 1 && (bytes[offset + 33] == 0 || bytes[offset + 33] == 1)
                let childExtent = le32(bytes, offset + 2), childSize = le32(bytes, offset + 10)
                if !isSelfOrParent {
                    if bytes[offset + 25] & 2 != 0 { pending.append((childExtent, childSize)) }
                    else if childSize > 0 { firstFile = min(firstFile, childExtent) }
                }
                offset += length
            }
        }
        return firstFile
    }

    /// Broken-down time of `timestamp` in UTC, or in the local zone as libarchive encodes ISO dates.
    private static func brokenDown(_ timestamp: Int, local: Bool) -> tm {
        var moment = time_t(timestamp)
        var parts = tm()
        if local { localtime_r(&moment, &parts) } else { gmtime_r(&moment, &parts) }
        return parts
    }

    /// The local zone's offset from GMT at `timestamp` in 15-minute units, as ECMA-119 stores it.
    static func localOffset(_ timestamp: Int) -> UInt8 {
        UInt8(bitPattern: Int8(brokenDown(timestamp, local: true).tm_gmtoff / 900))
    }

    /// ECMA-119 9.1.5 recording date: years since 1900, month, day, hour, minute, second, offset in 15 minutes.
    static func directoryRecordDate(_ timestamp: Int, local: Bool = false) -> [UInt8] {
        let parts = brokenDown(timestamp, local: local)
        return [UInt8(parts.tm_year), UInt8(parts.tm_mon + 1), UInt8(parts.tm_mday), UInt8(parts.tm_hour), UInt8(parts.tm_min),
                UInt8(parts.tm_sec), UInt8(bitPattern: Int8(parts.tm_gmtoff / 900))]
    }

    /// ECMA-119 8.4.26.1 date: 16 digits (the GMT offset byte follows).
    static func volumeDate(_ timestamp: Int, local: Bool = false) -> String {
        let parts = brokenDown(timestamp, local: local)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(parts.tm_year + 1900)" + [parts.tm_mon + 1, parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec].map(two).joined() + "00"
    }

    /// The 24 characters of ctime(3) (local time) that libarchive writes into its information block.
    static func ctimeText(_ timestamp: Int) -> String {
        var moment = time_t(timestamp)
        var text = [CChar](repeating: 0, count: 32)
        ctime_r(&moment, &text)
        return String(String(cString: text).prefix(24))
    }
}

extension Array where Element == UInt8 {
    /// Replaces every occurrence of `pattern` with `replacement` of the same length.
    mutating func replaceAll(_ pattern: [UInt8], with replacement: [UInt8]) {
        guard !pattern.isEmpty, pattern.count == replacement.count, pattern != replacement, count >= pattern.count else { return }
        var index = 0
        while index <= count - pattern.count {
            if self[index] == pattern[0] && self[index..<(index + pattern.count)].elementsEqual(pattern) {
                replaceSubrange(index..<(index + pattern.count), with: replacement)
                index += pattern.count
            } else {
                index += 1
            }
        }
    }
}
