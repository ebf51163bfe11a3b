import XCTest
@testable import GooseKit

final class TextDetectorTests: XCTestCase {
    func testTextEncodingsAreText() {
        XCTAssertFalse(TextDetector.isBinary(Array("Name: foo\n\tVersion: 1\r\n".utf8)))
        XCTAssertFalse(TextDetector.isBinary(Array("Skyttä ünïcödé\n".utf8)))
        XCTAssertFalse(TextDetector.isBinary([0x56, 0x69, 0x6C, 0x6C, 0x65, 0x20, 0x53, 0x6B, 0x79, 0x74, 0x74, 0xE4, 0x0A]))  // ISO-8859-1
        XCTAssertFalse(TextDetector.isBinary([0x1B, 0x5B, 0x31, 0x6D]))  // ESC sequences appear in text
    }

    func testControlBytesMakeBinary() {
        XCTAssertTrue(TextDetector.isBinary([0x1F, 0x8B, 0x08, 0x00]))  // gzip magic
        XCTAssertTrue(TextDetector.isBinary(Array("abc".utf8) + [0x00]))
        XCTAssertTrue(TextDetector.isBinary([0x41, 0x7F]))
    }

    func testDetectionAgreesWithFileCommand() throws {
        let file = try XCTUnwrap(["/usr/bin/file"].first { FileManager.default.isExecutableFile(atPath: $0) }, "file(1) not installed")
        let directory = try TestSupport.temporaryDirectory(self)
        let samples: [(String, [UInt8])] = [
            ("ascii", Array("hello world\n".utf8)),
            ("latin1", Array("caf".utf8) + [0xE9, 0x0A]),
            ("nul", [0x61, 0x00, 0x62]),
            ("control", [0x61, 0x01, 0x62, 0x0A]),
            ("gzip", [0x1F, 0x8B, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00]),
        ]
        for (name, bytes) in samples {
            let path = directory + "/" + name
            FileManager.default.createFile(atPath: path, contents: Data(bytes))
            let encoding = try TestSupport.run(file, ["-b", "--mime-encoding", path]).output.trimmingCharacters(in: .whitespacesAndNewlines)
            XCTAssertEqual(TextDetector.isBinary(bytes), encoding == "binary", "\(name): file says \(encoding)")
        }
    }
}
