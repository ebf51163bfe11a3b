import CRPM
import Foundation

/// Reads a payload with librpm's own archive reader: needed for the "stripped" cpio that
/// packages with large-file support (RPM v6, `LONGFILESIZES`) carry, which libarchive cannot read.
final class RPMArchiveReader: PayloadEntrySource {
    private let file: FD_t
    private let decompressed: FD_t
    private let files: rpmfiles
    private let iterator: rpmfi
    private let isSource: Bool
    let sourceName: String

    init(path: String) throws {
        sourceName = path
        guard let file = Fopen(path, "r.ufdio"), Ferror(file) == 0 else {
            throw GooseError.invalidPackage(file: path, reason: "cannot open")
        }
        let transactionSet = RPMTransactionSet(keyring: nil, checkSignatures: false)
        var header: Header?
        let (rc, _) = RPMLibrary.capturingLog { rpmReadPackageFile(transactionSet.pointer, file, path, &header) }
        guard rc == RPMRC_OK || rc == RPMRC_NOKEY || rc == RPMRC_NOTTRUSTED, let header else {
            Fclose(file)
            throw GooseError.invalidPackage(file: path, reason: "cannot read header")
        }
        defer { headerFree(header) }
        let compressor = headerGetString(header, rpmTagVal(RPMTAG_PAYLOADCOMPRESSOR.rawValue)).map { String(cString: $0) } ?? "gzip"
        guard let decompressed = Fdopen(file, "r.\(compressor)"),
              let files = rpmfilesNew(nil, header, 0, rpmfiFlags(RPMFI_KEEPHEADER.rawValue)) else {
            Fclose(file)
            throw GooseError.invalidPackage(file: path, reason: "payload: unsupported compressor '\(compressor)'")
        }
        guard let iterator = rpmfiNewArchiveReader(decompressed, files, Int32(RPMFI_ITER_READ_ARCHIVE.rawValue)) else {
            rpmfilesFree(files)
            Fclose(decompressed)
            throw GooseError.invalidPackage(file: path, reason: "payload: not a cpio archive")
        }
        self.file = file
        self.decompressed = decompressed
        self.files = files
        self.iterator = iterator
        self.isSource = headerIsSource(header) != 0
    }

    deinit {
        rpmfiArchiveClose(iterator)
        rpmfiFree(iterator)
        rpmfilesFree(files)
        Fclose(decompressed)
    }

    func nextEntry() throws -> ArchiveEntry? {
        let index = rpmfiNext(iterator)
        if index == -1 { return nil }
        if index < 0 {
            throw GooseError.invalidPackage(file: sourceName, reason: "payload: corrupt archive (librpm error \(index))")
        }
        var path = rpmfiFN(iterator).map { String(cString: $0) } ?? ""
        // Binary packages list absolute paths; the payload holds them relative to the root.
        if !isSource, path.hasPrefix("/") { path = "." + path }
        let mode = UInt32(rpmfiFMode(iterator))
        var kind: ArchiveEntry.Kind
        var linkTarget: String?
        switch mode & 0o170000 {
        case 0o100000:
            kind = .regular
            if rpmfiArchiveHasContent(iterator) == 0 && rpmfiFSize(iterator) > 0 {
                throw GooseError.unsafePayloadEntry(file: sourceName, entry: path, reason: "hardlinked entries in a stripped payload are not supported")
            }
        case 0o040000: kind = .directory
        case 0o120000:
            kind = .symlink
            linkTarget = rpmfiFLink(iterator).map { String(cString: $0) } ?? ""
        default: kind = .other
        }
        return ArchiveEntry(path: path, kind: kind, size: Int64(rpmfiFSize(iterator)), permissions: mode & 0o7777,
                            modificationTime: Int(rpmfiFMtime(iterator)), linkTarget: linkTarget)
    }

    func readData(into buffer: UnsafeMutableRawBufferPointer, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        while true {
            let count = rpmfiArchiveRead(iterator, buffer.baseAddress, buffer.count)
            if count < 0 { throw GooseError.invalidPackage(file: sourceName, reason: "payload: truncated or corrupt file data") }
            if count == 0 { return }
            try body(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
        }
    }
}
