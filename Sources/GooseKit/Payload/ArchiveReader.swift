import CArchive
import Foundation

/// One entry of an archive, as libarchive reports it.
public struct ArchiveEntry: Sendable {
    public enum Kind: Sendable { case regular, directory, symlink, hardlink, other }
    public var path: String
    public var kind: Kind
    public var size: Int64
    public var permissions: UInt32
    public var modificationTime: Int
    /// Symlink target or hardlink source.
    public var linkTarget: String?
}

/// Where payload entries come from: libarchive, or librpm's reader for stripped cpio.
protocol PayloadEntrySource: AnyObject {
    var sourceName: String { get }
    /// The next entry, or nil at the end of the archive.
    func nextEntry() throws -> ArchiveEntry?
    /// Streams the current entry's data in chunks.
    func readData(into buffer: UnsafeMutableRawBufferPointer, _ body: (UnsafeRawBufferPointer) throws -> Void) throws
}

/// A libarchive reader over a file descriptor; owns the `archive` and frees it.
final class ArchiveReader: PayloadEntrySource {
    private let archive: OpaquePointer
    let sourceName: String

    /// Reads a compressed cpio stream (gzip, xz, zstd, bzip2, lzma, or none) from the descriptor's current offset.
    init(descriptor: Int32, sourceName: String) throws {
        guard let archive = archive_read_new() else { throw GooseError.io(path: sourceName, reason: "libarchive: out of memory") }
        self.archive = archive
        self.sourceName = sourceName
        archive_read_support_filter_all(archive)
        archive_read_support_format_cpio(archive)
        guard archive_read_open_fd(archive, descriptor, 1 << 16) == ARCHIVE_OK else {
            throw GooseError.invalidPackage(file: sourceName, reason: "payload: \(errorMessage)")
        }
    }

    deinit { archive_read_free(archive) }

    var errorMessage: String {
        archive_error_string(archive).map { String(cString: $0) } ?? "unreadable archive"
    }

    /// The next entry, or nil at the end of the archive.
    func nextEntry() throws -> ArchiveEntry? {
        var entry: OpaquePointer?
        let status = archive_read_next_header(archive, &entry)
        if status == ARCHIVE_EOF { return nil }
        guard status == ARCHIVE_OK || status == ARCHIVE_WARN, let entry else {
            throw GooseError.invalidPackage(file: sourceName, reason: "payload: \(errorMessage)")
        }
        let path = archive_entry_pathname(entry).map { String(cString: $0) } ?? ""
        var kind: ArchiveEntry.Kind
        var linkTarget: String?
        if let hardlink = archive_entry_hardlink(entry) {
            kind = .hardlink
            linkTarget = String(cString: hardlink)
        } else {
            switch archive_entry_filetype(entry) {
            case goose_ae_ifreg(): kind = .regular
            case goose_ae_ifdir(): kind = .directory
            case goose_ae_iflnk():
                kind = .symlink
                linkTarget = archive_entry_symlink(entry).map { String(cString: $0) } ?? ""
            default: kind = .other
            }
        }
        return ArchiveEntry(
            path: path, kind: kind, size: archive_entry_size(entry),
            permissions: UInt32(archive_entry_perm(entry)),
            modificationTime: Int(archive_entry_mtime(entry)), linkTarget: linkTarget)
    }

    /// Streams the current entry's data in chunks.
    func readData(into buffer: UnsafeMutableRawBufferPointer, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        while true {
            let count = archive_read_data(archive, buffer.baseAddress, buffer.count)
            if count < 0 {
                throw GooseError.invalidPackage(file: sourceName, reason: "payload: \(errorMessage)")
            }
            if count == 0 { return }
            try body(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
        }
    }
}
