import Foundation

/// The headers of one part of a multipart/form-data body that matter to a form: its field name,
/// file name and content type.
public struct MultipartPartHeader: Equatable, Sendable {
    public var name: String
    public var filename: String?
    public var contentType: String?

    public init(name: String, filename: String? = nil, contentType: String? = nil) {
        self.name = name
        self.filename = filename
        self.contentType = contentType
    }
}

/// One step through a multipart body, in order: begin, data (any number of chunks), end, for each part.
public enum MultipartEvent: Equatable, Sendable {
    case partBegin(MultipartPartHeader)
    case partData(Data)
    case partEnd
}

/// A streaming multipart/form-data parser (RFC 7578, RFC 2046 §5.1): it takes the body in chunks of any size
/// and reports events as soon as they are certain, keeping in memory only a delimiter's length of part data
/// (plus one header block), so that multi-gigabyte uploads pass through in constant memory.
public struct MultipartParser {
    /// Longest header block accepted for one part.
    public static let headerLimit = 16 << 10

    private enum State {
        case preamble, afterDelimiter, headers, body, epilogue
    }

    /// `CRLF--boundary`: the delimiter as it appears before every part and the final `--`.
    private let delimiter: [UInt8]
    private var state = State.preamble
    /// Bytes not yet turned into events. It starts with a CRLF so that a body opening directly with
    /// `--boundary` matches the same delimiter as every later one.
    private var pending: [UInt8] = [13, 10]

    /// A parser for `boundary` (1 to 70 characters, RFC 2046).
    public init(boundary: String) throws {
        guard (1...70).contains(boundary.utf8.count), !boundary.contains(where: { $0 == "\r" || $0 == "\n" }) else {
            throw GooseError.lookaside("invalid multipart boundary")
        }
        delimiter = Array("\r\n--\(boundary)".utf8)
    }

    /// The boundary parameter of a `multipart/form-data` Content-Type, or nil for another type.
    public static func boundary(fromContentType contentType: String) -> String? {
        let parameters = HeaderParameters.parse(contentType)
        guard parameters.value.lowercased() == "multipart/form-data" else { return nil }
        return parameters.parameters["boundary"]
    }

    /// Whether the closing delimiter has been seen.
    public var isComplete: Bool { state == .epilogue }

    /// Feeds the next chunk of the body, calling `handle` for each event it completes.
    public mutating func feed(_ chunk: some Collection<UInt8>, _ handle: (MultipartEvent) throws -> Void) throws {
        guard state != .epilogue else { return }
        pending.append(contentsOf: chunk)
        var offset = 0
        defer { pending.removeSubrange(0..<offset) }
        parsing: while true {
            switch state {
            case .preamble, .body:
                if let found = Self.find(delimiter, in: pending, from: offset) {
                    if state == .body {
                        if found > offset { try handle(.partData(Data(pending[offset..<found]))) }
                        try handle(.partEnd)
                    }
                    offset = found + delimiter.count
                    state = .afterDelimiter
                } else {
                    // Keep what could be the start of a delimiter split across chunks.
                    let safeEnd = pending.count - (delimiter.count - 1)
                    if safeEnd > offset {
                        if state == .body { try handle(.partData(Data(pending[offset..<safeEnd]))) }
                        offset = safeEnd
                    }
                    break parsing
                }
            case .afterDelimiter:
                guard pending.count - offset >= 2 else { break parsing }
                if pending[offset] == UInt8(ascii: "-") && pending[offset + 1] == UInt8(ascii: "-") {
                    state = .epilogue
                    offset = pending.count
                    break parsing
                }
                guard let lineEnd = Self.find([13, 10], in: pending, from: offset) else {
                    guard pending.count - offset <= 1024 else { throw GooseError.lookaside("malformed multipart body: overlong boundary line") }
                    break parsing
                }
                // Transport padding (spaces and tabs) may follow the boundary before its CRLF.
                guard pending[offset..<lineEnd].allSatisfy({ $0 == 32 || $0 == 9 }) else {
                    throw GooseError.lookaside("malformed multipart body: text after a boundary")
                }
                // The CRLF stays: the header block is then "CRLF header CRLF header … CRLF CRLF", empty or not.
                offset = lineEnd
                state = .headers
            case .headers:
                let end = Self.find([13, 10, 13, 10], in: pending, from: offset)
                guard (end ?? pending.count) - offset <= Self.headerLimit else {
                    throw GooseError.lookaside("malformed multipart body: part headers longer than \(Self.headerLimit) bytes")
                }
                guard let end else { break parsing }
                let block = end > offset ? String(decoding: pending[(offset + 2)..<end], as: UTF8.self) : ""
                try handle(.partBegin(Self.parseHeaders(block)))
                offset = end + 4
                state = .body
            case .epilogue:
                offset = pending.count
                break parsing
            }
        }
    }

    /// Checks that the body ended with the closing delimiter.
    public func finish() throws {
        guard state == .epilogue else {
            throw GooseError.lookaside("malformed multipart body: it ends before the closing boundary")
        }
    }

    /// Parses a part's header lines; only Content-Disposition (required) and Content-Type are kept.
    static func parseHeaders(_ block: String) throws -> MultipartPartHeader {
        var disposition: String?
        var contentType: String?
        for line in block.components(separatedBy: "\r\n") where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else {
                throw GooseError.lookaside("malformed multipart body: bad header line '\(line.prefix(80))'")
            }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if name == "content-disposition" { disposition = value }
            if name == "content-type" { contentType = value }
        }
        guard let disposition else { throw GooseError.lookaside("malformed multipart body: a part has no Content-Disposition") }
        let parsed = HeaderParameters.parse(disposition)
        guard parsed.value.lowercased() == "form-data", let name = parsed.parameters["name"] else {
            throw GooseError.lookaside("malformed multipart body: a part is not a named form-data field")
        }
        return MultipartPartHeader(name: name, filename: parsed.parameters["filename"], contentType: contentType)
    }

    /// The first index at or after `start` where `needle` occurs in `haystack`.
    static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard let firstByte = needle.first, haystack.count - start >= needle.count else { return nil }
        return haystack.withUnsafeBytes { hay in
            needle.withUnsafeBytes { pattern in
                let base = hay.baseAddress!
                var position = start
                let lastStart = hay.count - pattern.count
                // memchr finds candidates quickly; memcmp confirms them (glibc's memmem is not visible to Swift).
                while position <= lastStart {
                    guard let candidate = memchr(base + position, Int32(firstByte), lastStart - position + 1) else { return nil }
                    let index = base.distance(to: UnsafeRawPointer(candidate))
                    if memcmp(candidate, pattern.baseAddress!, pattern.count) == 0 { return index }
                    position = index + 1
                }
                return nil
            }
        }
    }
}

/// A header value with `;`-separated parameters, such as `form-data; name="file"; filename="a.tar.gz"`.
struct HeaderParameters: Equatable {
    var value: String
    /// Parameter names in lower case; quoted values unquoted (backslash escapes removed).
    var parameters: [String: String]

    static func parse(_ header: String) -> HeaderParameters {
        var pieces: [String] = []
        var current = ""
        var inQuotes = false
        var escaped = false
        for character in header {
            if escaped {
                current.append(character)
                escaped = false
            } else if inQuotes && character == "\\" {
                current.append(character)
                escaped = true
            } else if character == "\"" {
                current.append(character)
                inQuotes.toggle()
            } else if character == ";" && !inQuotes {
                pieces.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        pieces.append(current)
        let value = pieces.removeFirst().trimmingCharacters(in: .whitespaces)
        var parameters: [String: String] = [:]
        for piece in pieces {
            guard let equals = piece.firstIndex(of: "=") else { continue }
            let name = piece[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            var raw = piece[piece.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if raw.count >= 2, raw.hasPrefix("\""), raw.hasSuffix("\"") {
                raw = String(raw.dropFirst().dropLast())
                var unescaped = ""
                var pendingEscape = false
                for character in raw {
                    if pendingEscape || character != "\\" {
                        unescaped.append(character)
                        pendingEscape = false
                    } else {
                        pendingEscape = true
                    }
                }
                raw = unescaped
            }
            if !name.isEmpty, parameters[name] == nil { parameters[name] = raw }
        }
        return HeaderParameters(value: value, parameters: parameters)
    }
}
