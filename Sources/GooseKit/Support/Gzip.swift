import CZlib
import Foundation

/// Gzip compression in memory through zlib.
public enum Gzip {
    /// `data` as one gzip member (RFC 1952) at zlib's default level, with the header gzopen writes (no name, mtime 0):
    /// byte for byte what libcreaterepo_c's gz writer makes of the same bytes, without a file in between.
    /// `name` is what an error names.
    public static func member(_ data: Data, name: String) throws -> Data {
        var stream = z_stream()
        // windowBits 15 + 16: a gzip header and trailer instead of zlib's.
        guard deflateInit2_(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY,
                            ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw GooseError.io(path: name, reason: "zlib: cannot start compressing")
        }
        defer { deflateEnd(&stream) }
        var output = Data(count: Int(deflateBound(&stream, uLong(data.count))))
        let status: Int32 = data.withUnsafeBytes { input in
            output.withUnsafeMutableBytes { out in
                stream.next_in = UnsafeMutablePointer(mutating: input.bindMemory(to: Bytef.self).baseAddress)
                stream.avail_in = uInt(input.count)
                stream.next_out = out.bindMemory(to: Bytef.self).baseAddress
                stream.avail_out = uInt(out.count)
                return deflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END else { throw GooseError.io(path: name, reason: "zlib: compression failed (\(status))") }
        output.count = Int(stream.total_out)
        return output
    }
}
