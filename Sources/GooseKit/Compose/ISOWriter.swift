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
        guard archive_write_close(archive) == ARCHIVE_OK else { throw failure("cannot finish") }
        try Self.stampVolumeDescriptors(output, volumeId: volumeId, timestamp: timestamp)
    }

    /// libarchive dates the volume descriptors and the root directory record with the wall clock (its option to
    /// change that exists only in debug builds), and maps the volume id to upper-case d-characters (`GL_9_4`), unlike
    /// mkisofs and anaconda's labels. Each primary and Joliet descriptor gets `timestamp` for its four dates
    /// (ECMA-119 8.4.26–29) and the root records' dates (9.1.5), and the volume id as given (8.4.6; UCS-2 for Joliet).
    static func stampVolumeDescriptors(_ path: String, volumeId: String, timestamp: Int) throws {
        let descriptor = open(path, O_RDWR | O_CLOEXEC)
        guard descriptor >= 0 else { throw GooseError.errno(path, "cannot open") }
        defer { close(descriptor) }
        let date = Array(volumeDate(timestamp).utf8) + [0]
        let recordingDate = directoryRecordDate(timestamp)
        var sector = [UInt8](repeating: 0, count: 2048)
        func read(_ index: Int) throws -> Bool { pread(descriptor, &sector, 2048, off_t(index * 2048)) == 2048 }
        func write(_ index: Int) throws {
            guard pwrite(descriptor, sector, 2048, off_t(index * 2048)) == 2048 else { throw GooseError.errno(path, "cannot write") }
        }
        for index in 16..<64 {
            guard try read(index), sector[1...5].elementsEqual("CD001".utf8), sector[0] != 255 else { break }
            guard sector[0] == 1 || sector[0] == 2 else { continue }
            let joliet = sector[0] == 2
            for field in [813, 830, 864] { sector.replaceSubrange(field..<(field + 17), with: date) }
            sector.replaceSubrange((156 + 18)..<(156 + 25), with: recordingDate)
            let label: [UInt8] = joliet
                ? Array(volumeId.prefix(16).utf16.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xff)] })
                : Array(volumeId.prefix(32).utf8)
            let padding: [UInt8] = joliet ? [0, 0x20] : [0x20]
            var field = label
            while field.count < 32 { field += padding }
            sector.replaceSubrange(40..<72, with: field.prefix(32))
            let rootExtent = Int(sector[158]) | Int(sector[159]) << 8 | Int(sector[160]) << 16 | Int(sector[161]) << 24
            try write(index)
            // The root directory's own "." and ".." records carry the same date.
            guard try read(rootExtent) else { continue }
            var offset = 0
            for _ in 0..<2 where sector[offset] > 0 {
                sector.replaceSubrange((offset + 18)..<(offset + 25), with: recordingDate)
                offset += Int(sector[offset])
            }
            try write(rootExtent)
            guard try read(index) else { break }
        }
    }

    /// ECMA-119 9.1.5 recording date: years since 1900, month, day, hour, minute, second, GMT offset.
    static func directoryRecordDate(_ timestamp: Int) -> [UInt8] {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: Date(timeIntervalSince1970: TimeInterval(timestamp)))
        return [UInt8(parts.year! - 1900), UInt8(parts.month!), UInt8(parts.day!), UInt8(parts.hour!), UInt8(parts.minute!), UInt8(parts.second!), 0]
    }

    /// ECMA-119 8.4.26.1 date: 16 digits and a zero GMT offset.
    static func volumeDate(_ timestamp: Int) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMddHHmmss"
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(timestamp))) + "00"
    }
}
