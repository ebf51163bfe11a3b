/// Tells text from binary content the way `file --mime-encoding` (and so fedpkg) does:
/// content is binary when it holds a byte that appears in no text encoding libmagic knows
/// (NUL and most C0 controls, DEL). UTF-8, ISO-8859 and extended-ASCII text is text.
public struct TextDetector {
    private static let nonTextBytes: [Bool] = (0..<256).map { byte in
        switch byte {
        case 0x07...0x0D, 0x1B: return false  // BEL BS HT LF VT FF CR, ESC
        case 0x00...0x1F, 0x7F: return true
        default: return false
        }
    }

    public private(set) var isBinary = false

    public init() {}

    public mutating func update(_ buffer: UnsafeRawBufferPointer) {
        guard !isBinary else { return }
        for byte in buffer where Self.nonTextBytes[Int(byte)] {
            isBinary = true
            return
        }
    }

    public static func isBinary(_ bytes: [UInt8]) -> Bool {
        var detector = TextDetector()
        bytes.withUnsafeBytes { detector.update($0) }
        return detector.isBinary
    }
}
