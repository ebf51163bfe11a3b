import XCTest
@testable import GooseKit

/// The three index forms dist-git uses (`sources` BSD and legacy md5, centos `.<name>.metadata`) and their errors.
final class LookasideSourcesFileTests: XCTestCase {
    let sha512 = String(repeating: "ab", count: 64)
    let md5 = "0123456789abcdef0123456789abcdef"
    let sha1 = String(repeating: "1", count: 40)
    let sha256 = String(repeating: "c", count: 64)

    func testParsesBSDForm() throws {
        let entries = try SourcesFile.parse("SHA512 (bash-5.2.tar.gz) = \(sha512)\nSHA512 (bash-5.2.tar.gz.sig) = \(sha512.uppercased())\n", file: "sources")
        XCTAssertEqual(entries, [
            SourceEntry(filename: "bash-5.2.tar.gz", hashType: .sha512, hash: sha512),
            SourceEntry(filename: "bash-5.2.tar.gz.sig", hashType: .sha512, hash: sha512),
        ])
    }

    func testParsesLegacyMD5Form() throws {
        let entries = try SourcesFile.parse("\(md5)  zlib-1.2.13.tar.xz\n\n", file: "sources")
        XCTAssertEqual(entries, [SourceEntry(filename: "zlib-1.2.13.tar.xz", hashType: .md5, hash: md5)])
    }

    func testParsesCentOSMetadataWithHashTypeFromLength() throws {
        let text = "\(sha1) SOURCES/a.tar.gz\n\(sha256) SOURCES/b.tar.gz\n\(sha512) SOURCES/c.tar.gz\n"
        let entries = try SourcesFile.parse(text, file: ".pkg.metadata")
        XCTAssertEqual(entries.map(\.hashType), [.sha1, .sha256, .sha512])
        XCTAssertEqual(entries.map(\.filename), ["a.tar.gz", "b.tar.gz", "c.tar.gz"])
        XCTAssertEqual(entries.map(\.checkoutPath), ["SOURCES/a.tar.gz", "SOURCES/b.tar.gz", "SOURCES/c.tar.gz"])
    }

    func testRenderRoundTripsEachForm() throws {
        let fedora = [SourceEntry(filename: "a.tar.gz", hashType: .sha512, hash: sha512)]
        XCTAssertEqual(SourcesFile.render(fedora, format: .bsd), "SHA512 (a.tar.gz) = \(sha512)\n")
        XCTAssertEqual(try SourcesFile.parse(SourcesFile.render(fedora, format: .bsd), file: "sources"), fedora)
        let legacy = [SourceEntry(filename: "a.tar.gz", hashType: .md5, hash: md5)]
        XCTAssertEqual(SourcesFile.render(legacy, format: .legacy), "\(md5)  a.tar.gz\n")
        XCTAssertEqual(try SourcesFile.parse(SourcesFile.render(legacy, format: .legacy), file: "sources"), legacy)
        let centos = [SourceEntry(filename: "a.tar.gz", checkoutPath: "SOURCES/a.tar.gz", hashType: .sha256, hash: sha256)]
        XCTAssertEqual(SourcesFile.render(centos, format: .centosMetadata), "\(sha256) SOURCES/a.tar.gz\n")
        XCTAssertEqual(try SourcesFile.parse(SourcesFile.render(centos, format: .centosMetadata), file: ".a.metadata"), centos)
    }

    func testSameFileWithTwoHashesIsAnError() {
        let text = "SHA512 (a.tar.gz) = \(sha512)\nSHA512 (a.tar.gz) = \(String(repeating: "cd", count: 64))\n"
        XCTAssertThrowsError(try SourcesFile.parse(text, file: "sources")) { error in
            XCTAssertTrue("\(error)".contains("listed twice"), "\(error)")
        }
    }

    func testSameFileWithTheSameHashIsListedOnce() throws {
        let line = "SHA512 (a.tar.gz) = \(sha512)\n"
        XCTAssertEqual(try SourcesFile.parse(line + line, file: "sources").count, 1)
    }

    func testUnsafeNamesAreRefused() {
        for text in [
            "SHA512 (../a.tar.gz) = \(sha512)",
            "SHA512 (/etc/passwd) = \(sha512)",
            "\(sha1) SOURCES/../../x",
            "\(md5)  ..",
        ] {
            XCTAssertThrowsError(try SourcesFile.parse(text, file: "sources"), text)
        }
    }

    func testMalformedLinesAreRefused() {
        for text in [
            "SHA999 (a.tar.gz) = \(sha512)",
            "SHA512 (a.tar.gz) = abc",
            "nothex  a.tar.gz",
            "\(String(repeating: "a", count: 33))  a.tar.gz",
            "justoneword",
        ] {
            XCTAssertThrowsError(try SourcesFile.parse(text, file: "sources"), text)
        }
    }

    func testLookasideNames() {
        XCTAssertTrue(LookasideNames.isValid("bash-5.2.tar.gz"))
        for name in ["", ".", "..", "a/b", "a\0b", "a\nb"] {
            XCTAssertFalse(LookasideNames.isValid(name), name)
        }
    }
}
