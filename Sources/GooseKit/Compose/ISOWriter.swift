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
public final class ISOWriter {
    private let archive: OpaquePointer
    private let output: String

    /// Opens `output` for writing with the options set; nothing is written until `add`.
    public init(output: String, options: ISOOptions) throws {
        guard let archive = archive_write_new() else { throw GooseError.io(path: output, reason: "libarchive: cannot allocate a writer") }
        self.archive = archive
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

    deinit { archive_write_free(archive) }

    private func failure(_ what: String) -> GooseError {
        let message = archive_error_string(archive).map { String(cString: $0) } ?? "failed"
        return .io(path: output, reason: "libarchive: \(what): \(message)")
    }

    /// Adds every directory and regular file under `root` (sorted, so the image is the same each time).
    public func add(tree root: String, timestamp: Int) throws {
        for relative in try Self.walk(root) {
            try add(source: root + "/" + relative, as: relative, timestamp: timestamp)
        }
    }

    /// The tree's entries relative to `root`, directories before their contents, sorted.
    static func walk(_ root: String) throws -> [String] {
        var result: [String] = []
        func visit(_ relative: String) throws {
            let path = relative.isEmpty ? root : root + "/" + relative
            let names = try FileManager.default.contentsOfDirectory(atPath: path).sorted()
            for name in names {
                let child = relative.isEmpty ? name : relative + "/" + name
                result.append(child)
                if FileSystem.isDirectory(root + "/" + child) { try visit(child) }
            }
        }
        try visit("")
        return result
    }

    /// Adds one file or directory, copying its content in 1 MiB chunks (memory stays bounded).
    public func add(source: String, as path: String, timestamp: Int) throws {
        var status = stat()
        guard stat(source, &status) == 0 else { throw GooseError.errno(source, "cannot stat") }
        guard let entry = archive_entry_new() else { throw failure("cannot allocate an entry") }
        defer { archive_entry_free(entry) }
        archive_entry_set_pathname(entry, path)
        let isDirectory = (status.st_mode & S_IFMT) == S_IFDIR
        archive_entry_set_filetype(entry, isDirectory ? goose_ae_ifdir() : goose_ae_ifreg())
        archive_entry_set_perm(entry, isDirectory ? 0o755 : 0o644)
        archive_entry_set_size(entry, isDirectory ? 0 : Int64(status.st_size))
        for setter in [archive_entry_set_mtime, archive_entry_set_atime, archive_entry_set_ctime] { setter(entry, time_t(timestamp), 0) }
        archive_entry_set_uid(entry, 0)
        archive_entry_set_gid(entry, 0)
        guard archive_write_header(archive, entry) == ARCHIVE_OK else { throw failure("cannot add \(path)") }
        guard !isDirectory else { return }
        try FileStreamer.forEachChunk(ofFile: source) { chunk in
            guard archive_write_data(archive, chunk.baseAddress, chunk.count) == chunk.count else { throw failure("cannot write \(path)") }
        }
    }

    /// Writes the volume descriptors and directory records, closes the file, then sets the volume ids and dates.
    public func finish(volumeId: String, timestamp: Int) throws {
        let before = Int(time(nil))
        guard archive_write_close(archive) == ARCHIVE_OK else { throw failure("cannot finish") }
        let after = Int(time(nil))
        try Self.restamp(output, volumeId: volumeId, clock: before...after, timestamp: timestamp)
    }

    /// libarchive stamps the image with the wall clock at close (its option to change that exists only in debug
    /// builds): the volume descriptors' dates, the root and every `..` record, Rock Ridge TF entries of those, and
    /// the text of its information block. It also maps the volume id to upper-case d-characters (`GL_9_4`), unlike
    /// mkisofs and the labels anaconda looks for. This rewrites, in the metadata area only (before the first file's
    /// data), every encoding of the close-time second with `timestamp`, and writes the volume id as given
    /// (ECMA-119 8.4.6; UCS-2 in the Joliet descriptor).
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
        var area = readSectors(16, metadataEnd - 16)
        let original = area
        for second in clock {
            area.replaceAll(directoryRecordDate(second, zone: .current), with: directoryRecordDate(timestamp, zone: .current))
            area.replaceAll(Array(volumeDate(second, zone: .current).utf8) + [UInt8(bitPattern: Int8(TimeZone.current.secondsFromGMT() / 900))],
                            with: Array(volumeDate(timestamp, zone: .current).utf8) + [UInt8(bitPattern: Int8(TimeZone.current.secondsFromGMT() / 900))])
            var moment = time_t(second), stamp = time_t(timestamp)
            var text = [CChar](repeating: 0, count: 32), fixed = [CChar](repeating: 0, count: 32)
            ctime_r(&moment, &text)
            ctime_r(&stamp, &fixed)
            let (old, new) = (Array(String(cString: text).utf8.prefix(24)), Array(String(cString: fixed).utf8.prefix(24)))
            if old.count == new.count { area.replaceAll(old, with: new) }
        }
        // Volume ids: the primary descriptor (a-characters as given) and the Joliet one (UCS-2, 16 characters).
        for index in 0..<min(48, area.count / 2048) {
            let base = index * 2048
            guard area[(base + 1)...(base + 5)].elementsEqual("CD001".utf8), area[base] != 255 else { break }
            guard area[base] == 1 || area[base] == 2 else { continue }
            let joliet = area[base] == 2
            var field: [UInt8] = joliet ? volumeId.prefix(16).utf16.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xff)] } : Array(volumeId.prefix(32).utf8)
            while field.count < 32 { field += joliet ? [0, 0x20] : [0x20] }
            area.replaceSubrange((base + 40)..<(base + 72), with: field.prefix(32))
        }
        if area != original {
            guard pwrite(descriptor, area, area.count, off_t(16 * 2048)) == area.count else { throw GooseError.errno(path, "cannot write") }
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

    /// ECMA-119 9.1.5 recording date: years since 1900, month, day, hour, minute, second, offset in 15 minutes.
    static func directoryRecordDate(_ timestamp: Int, zone: TimeZone = TimeZone(identifier: "UTC")!) -> [UInt8] {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let date = Date(timeIntervalSince1970: TimeInterval(timestamp))
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return [UInt8(parts.year! - 1900), UInt8(parts.month!), UInt8(parts.day!), UInt8(parts.hour!), UInt8(parts.minute!), UInt8(parts.second!),
                UInt8(bitPattern: Int8(zone.secondsFromGMT(for: date) / 900))]
    }

    /// ECMA-119 8.4.26.1 date: 16 digits (the GMT offset byte follows).
    static func volumeDate(_ timestamp: Int, zone: TimeZone = TimeZone(identifier: "UTC")!) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = zone
        formatter.dateFormat = "yyyyMMddHHmmss"
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(timestamp))) + "00"
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
