import CRPM
import Foundation

/// Hash algorithms used by lookaside caches and RPM digests.
public enum HashAlgorithm: String, CaseIterable, Sendable, Codable {
    case md5, sha1, sha256, sha512

    /// The hex digest length that identifies this algorithm in `sources` files.
    public var hexLength: Int {
        switch self {
        case .md5: return 32
        case .sha1: return 40
        case .sha256: return 64
        case .sha512: return 128
        }
    }

    /// The algorithm whose hex digests have this length.
    public init?(hexLength: Int) {
        guard let match = HashAlgorithm.allCases.first(where: { $0.hexLength == hexLength }) else { return nil }
        self = match
    }

    /// The upper-case name used in BSD-style checksum lines (`SHA512 (file) = …`).
    public var bsdName: String { rawValue.uppercased() }

    init?(pgpHashAlgorithm: Int) {
        switch pgpHashAlgorithm {
        case Int(PGPHASHALGO_MD5.rawValue): self = .md5
        case Int(PGPHASHALGO_SHA1.rawValue): self = .sha1
        case Int(PGPHASHALGO_SHA256.rawValue): self = .sha256
        case Int(PGPHASHALGO_SHA512.rawValue): self = .sha512
        default: return nil
        }
    }

    var pgpHashAlgorithm: Int32 {
        switch self {
        case .md5: return Int32(PGPHASHALGO_MD5.rawValue)
        case .sha1: return Int32(PGPHASHALGO_SHA1.rawValue)
        case .sha256: return Int32(PGPHASHALGO_SHA256.rawValue)
        case .sha512: return Int32(PGPHASHALGO_SHA512.rawValue)
        }
    }
}

/// An incremental message digest computed by librpm's rpmio (backed by libgcrypt on Debian).
public final class ContentDigest {
    private var context: DIGEST_CTX?
    public let algorithm: HashAlgorithm

    public init(_ algorithm: HashAlgorithm) {
        RPMLibrary.ensureInitialized()
        self.algorithm = algorithm
        context = rpmDigestInit(algorithm.pgpHashAlgorithm, rpmDigestFlags(RPMDIGEST_NONE.rawValue))
    }

    deinit {
        if let context { _ = rpmDigestFinal(context, nil, nil, 0) }
    }

    public func update(_ buffer: UnsafeRawBufferPointer) {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        _ = rpmDigestUpdate(context, base, buffer.count)
    }

    public func update(_ data: Data) {
        data.withUnsafeBytes { update($0) }
    }

    /// Finishes the digest and returns its bytes; the hasher cannot be used afterwards.
    public func finalizeBytes() -> [UInt8] {
        var output: UnsafeMutableRawPointer?
        var length = 0
        _ = rpmDigestFinal(context, &output, &length, 0)
        context = nil
        guard let output else { return [] }
        defer { free(output) }
        return Array(UnsafeRawBufferPointer(start: output, count: length))
    }

    /// Finishes the digest and returns it as lower-case hex; the hasher cannot be used afterwards.
    public func finalizeHex() -> String {
        var output: UnsafeMutableRawPointer?
        var length = 0
        _ = rpmDigestFinal(context, &output, &length, 1)
        context = nil
        guard let output else { return "" }
        defer { free(output) }
        return String(cString: output.assumingMemoryBound(to: CChar.self))
    }

    /// Hashes a whole file by streaming it.
    public static func hexDigest(ofFile path: String, algorithm: HashAlgorithm) throws -> String {
        let hasher = ContentDigest(algorithm)
        try FileStreamer.forEachChunk(ofFile: path) { hasher.update($0) }
        return hasher.finalizeHex()
    }

    public static func hexDigest(of data: Data, algorithm: HashAlgorithm) -> String {
        let hasher = ContentDigest(algorithm)
        hasher.update(data)
        return hasher.finalizeHex()
    }
}

/// Bytes written as hexadecimal digits, two per byte, and read back.
public enum Hex {
    public static func string(_ bytes: [UInt8], uppercase: Bool = false) -> String {
        // Not String(format:) per byte: that goes through CoreFoundation's formatter, ~1 µs a byte.
        let digits = Array((uppercase ? "0123456789ABCDEF" : "0123456789abcdef").utf8)
        return String(unsafeUninitializedCapacity: bytes.count * 2) { buffer in
            var index = 0
            for byte in bytes {
                buffer[index] = digits[Int(byte >> 4)]
                buffer[index + 1] = digits[Int(byte & 0x0F)]
                index += 2
            }
            return index
        }
    }

    /// The bytes of a hex string; a trailing odd digit and pairs that are not hex are skipped.
    public static func bytes(_ hex: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex, let next = hex.index(index, offsetBy: 2, limitedBy: hex.endIndex) {
            if let byte = UInt8(hex[index..<next], radix: 16) { bytes.append(byte) }
            index = next
        }
        return bytes
    }
}

/// Reads files in large chunks without loading them into memory.
public enum FileStreamer {
    public static let chunkSize = 1 << 20

    public static func forEachChunk(ofFile path: String, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw GooseError.errno(path, "cannot open") }
        defer { close(fd) }
        try forEachChunk(ofDescriptor: fd, path: path, body)
    }

    public static func forEachChunk(ofDescriptor fd: Int32, path: String, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count = read(fd, buffer.baseAddress, chunkSize)
            if count < 0 {
                if errno == EINTR { continue }
                throw GooseError.errno(path, "read failed")
            }
            if count == 0 { break }
            try body(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
        }
    }
}
