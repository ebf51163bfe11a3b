import XCTest
@testable import GooseKit

/// The streaming multipart/form-data parser behind `lookaside serve`'s upload.cgi.
final class LookasideMultipartParserTests: XCTestCase {
    let boundary = "------------------------d74496d66958873e"

    /// A form as curl sends it: two text fields, a file whose bytes look like delimiters, a trailing field.
    func makeBody(file: Data) -> Data {
        var body = Data()
        func add(_ text: String) { body.append(Data(text.utf8)) }
        add("--\(boundary)\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nbash\r\n")
        add("--\(boundary)\r\nContent-Disposition: form-data; name=\"sha512sum\"\r\n\r\nabc\r\n")
        add("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"bash-5.2.tar.gz\"\r\n")
        add("Content-Type: application/octet-stream\r\n\r\n")
        body.append(file)
        add("\r\n--\(boundary)\r\nContent-Disposition: form-data; name=\"mtime\"\r\n\r\n1234\r\n")
        add("--\(boundary)--\r\n")
        return body
    }

    /// File content full of near-misses: CRLF, `--`, a boundary without its CRLF, a truncated delimiter.
    var trickyFile: Data {
        var data = Data("\r\n\r\n--\r\n-\(boundary)\r\n--\(boundary.dropLast())x".utf8)
        data.append(contentsOf: (0..<3000).map { UInt8(truncatingIfNeeded: $0 * 7) })
        data.append(Data("\r\n--".utf8))
        return data
    }

    /// Parsed parts: header and content, with data events joined.
    struct Part: Equatable {
        var header: MultipartPartHeader
        var content: Data
    }

    func parse(_ body: Data, chunkSizes: [Int]) throws -> [Part] {
        var parser = try MultipartParser(boundary: boundary)
        var parts: [Part] = []
        var open = false
        var offset = 0
        var sizeIndex = 0
        while offset < body.count {
            let size = chunkSizes[sizeIndex % chunkSizes.count]
            sizeIndex += 1
            let chunk = body[offset..<min(body.count, offset + size)]
            offset += chunk.count
            try parser.feed(chunk) { event in
                switch event {
                case let .partBegin(header):
                    XCTAssertFalse(open)
                    open = true
                    parts.append(Part(header: header, content: Data()))
                case let .partData(data):
                    XCTAssertTrue(open)
                    XCTAssertFalse(data.isEmpty)
                    parts[parts.count - 1].content.append(data)
                case .partEnd:
                    XCTAssertTrue(open)
                    open = false
                }
            }
        }
        try parser.finish()
        return parts
    }

    func testParsesFieldsAndFile() throws {
        let parts = try parse(makeBody(file: trickyFile), chunkSizes: [1 << 20])
        XCTAssertEqual(parts.map(\.header.name), ["name", "sha512sum", "file", "mtime"])
        XCTAssertEqual(parts[0].content, Data("bash".utf8))
        XCTAssertEqual(parts[2].header, MultipartPartHeader(name: "file", filename: "bash-5.2.tar.gz", contentType: "application/octet-stream"))
        XCTAssertEqual(parts[2].content, trickyFile)
        XCTAssertEqual(parts[3].content, Data("1234".utf8))
    }

    func testBoundariesSplitAcrossChunksAtEveryPosition() throws {
        let body = makeBody(file: trickyFile)
        let expected = try parse(body, chunkSizes: [body.count])
        for size in 1...80 {
            XCTAssertEqual(try parse(body, chunkSizes: [size]), expected, "chunk size \(size)")
        }
        XCTAssertEqual(try parse(body, chunkSizes: [3, 1, 41, 2, 67, 5, 1000]), expected)
    }

    func testPreambleEpilogueAndTransportPadding() throws {
        let body = Data("preamble text\r\n--\(boundary)  \t\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nvalue\r\n--\(boundary)--  epilogue \r\n--\(boundary)\r\n".utf8)
        let parts = try parse(body, chunkSizes: [7])
        XCTAssertEqual(parts, [Part(header: MultipartPartHeader(name: "a"), content: Data("value".utf8))])
    }

    func testEmptyPartAndEmptyFile() throws {
        let body = Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"empty\"\r\n\r\n\r\n--\(boundary)--".utf8)
        let parts = try parse(body, chunkSizes: [1])
        XCTAssertEqual(parts, [Part(header: MultipartPartHeader(name: "file", filename: "empty"), content: Data())])
    }

    func testTruncatedBodyIsAnError() throws {
        let body = makeBody(file: trickyFile)
        XCTAssertThrowsError(try parse(body.prefix(body.count - 10), chunkSizes: [100]))
        XCTAssertThrowsError(try parse(Data(), chunkSizes: [1]))
    }

    func testTextAfterBoundaryIsAnError() {
        let body = Data("--\(boundary)junk\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n--\(boundary)--".utf8)
        XCTAssertThrowsError(try parse(body, chunkSizes: [5]))
    }

    func testPartWithoutDispositionIsAnError() {
        let body = Data("--\(boundary)\r\nContent-Type: text/plain\r\n\r\nx\r\n--\(boundary)--".utf8)
        XCTAssertThrowsError(try parse(body, chunkSizes: [5]))
    }

    func testOverlongHeadersAreAnError() {
        let header = "X-Padding: " + String(repeating: "a", count: MultipartParser.headerLimit + 10)
        let body = Data("--\(boundary)\r\n\(header)\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n--\(boundary)--".utf8)
        XCTAssertThrowsError(try parse(body, chunkSizes: [4096]))
    }

    func testBoundaryFromContentType() {
        XCTAssertEqual(MultipartParser.boundary(fromContentType: "multipart/form-data; boundary=abc"), "abc")
        XCTAssertEqual(MultipartParser.boundary(fromContentType: "Multipart/Form-Data; charset=utf-8; boundary=\"a b;c\""), "a b;c")
        XCTAssertNil(MultipartParser.boundary(fromContentType: "application/x-www-form-urlencoded"))
        XCTAssertNil(MultipartParser.boundary(fromContentType: "multipart/form-data"))
        XCTAssertThrowsError(try MultipartParser(boundary: ""))
        XCTAssertThrowsError(try MultipartParser(boundary: String(repeating: "x", count: 71)))
    }

    func testDispositionParameters() {
        let parsed = HeaderParameters.parse("form-data; name=\"file\"; filename=\"we\\\"ird; name.tar\"")
        XCTAssertEqual(parsed.value, "form-data")
        XCTAssertEqual(parsed.parameters["name"], "file")
        XCTAssertEqual(parsed.parameters["filename"], "we\"ird; name.tar")
    }
}
