import XCTest
@testable import GooseKit

final class PayloadExtractorTests: XCTestCase {
    func testEveryCompressorExtractsLikeRpm2cpio() throws {
        for compressor in ["w.ufdio", "w3.zstdio", "w6.lzdio", "w6.xzdio", "w9.bzdio", "w9.gzdio"] {
            let path = TestSupport.fixture("rpms/go-rpmutils/payload-test-0.1-\(compressor).x86_64.rpm")
            let directory = try TestSupport.temporaryDirectory(self)
            let package = try RPMPackageReader.read(path)
            let files = try PayloadExtractor.extract(package, into: directory + "/ours")
            XCTAssertFalse(files.isEmpty, compressor)
            try FileSystem.createDirectory(directory + "/rpm2cpio")
            try TestSupport.shell("rpm2cpio '\(path)' | cpio -idm --quiet", in: directory + "/rpm2cpio")
            try TestSupport.shell("diff -r ours rpm2cpio", in: directory)
            for file in files where file.kind == .regular {
                XCTAssertEqual(file.sha512, try ContentDigest.hexDigest(ofFile: file.stagedPath, algorithm: .sha512))
            }
        }
    }

    func testStrippedCpioOfRpmV6IsReadThroughLibrpm() throws {
        let path = TestSupport.fixture("srpms/rpm-rs/v6/rpm-with-patch-1.0-0.src.rpm")
        let package = try RPMPackageReader.read(path)
        XCTAssertTrue(package.hasStrippedPayload)
        let directory = try TestSupport.temporaryDirectory(self)
        let files = try PayloadExtractor.extract(package, into: directory + "/ours")
        XCTAssertEqual(files.map(\.path).sorted(), ["basic-2.3.4.tar.gz", "rpm-with-patch.spec", "update.patch"])
        try FileSystem.createDirectory(directory + "/rpm2archive")
        try TestSupport.shell("rpm2archive -n < '\(path)' | tar xf -", in: directory + "/rpm2archive")
        try TestSupport.shell("diff -r ours rpm2archive", in: directory)
    }

    /// Builds a gzip'd cpio archive with GNU cpio, names taken verbatim, and extracts it as a payload.
    private func extractCrafted(_ entries: [String], setup: String, testName: String = #function) throws -> Result<[ExtractedFile], Error> {
        let directory = try TestSupport.temporaryDirectory(self)
        try FileSystem.createDirectory(directory + "/src/sub")
        try TestSupport.shell(setup, in: directory + "/src/sub")
        let list = entries.joined(separator: "\n") + "\n"
        FileManager.default.createFile(atPath: directory + "/list", contents: Data(list.utf8))
        try TestSupport.shell("cpio -o -H newc --quiet < ../../list | gzip > ../../payload.cpio.gz", in: directory + "/src/sub")
        var package = try RPMPackageReader.read(TestSupport.fixture("srpms/rpm-tests/hello-1.0-1.src.rpm"))
        package.path = directory + "/payload.cpio.gz"
        package.payloadOffset = 0
        package.hasStrippedPayload = false
        try FileSystem.createDirectory(directory + "/out")
        return Result { try PayloadExtractor.extract(package, into: directory + "/out") }
    }

    private func assertRefused(_ result: Result<[ExtractedFile], Error>, entry: String, reason: String, file: StaticString = #filePath, line: UInt = #line) {
        guard case let .failure(error) = result, case let GooseError.unsafePayloadEntry(_, refused, why) = error else {
            return XCTFail("expected an unsafe-entry error, got \(result)", file: file, line: line)
        }
        XCTAssertEqual(refused, entry, file: file, line: line)
        XCTAssertTrue(why.contains(reason), why, file: file, line: line)
        XCTAssertTrue("\(error)".contains("payload.cpio.gz: unsafe payload entry '\(entry)'"), "\(error)", file: file, line: line)
    }

    func testParentReferenceIsRefused() throws {
        assertRefused(try extractCrafted(["ok.txt", "../escape.txt"], setup: "echo ok > ok.txt; echo evil > ../escape.txt"), entry: "../escape.txt", reason: "..")
    }

    func testAbsolutePathIsRefused() throws {
        let directory = try TestSupport.temporaryDirectory(self)
        FileManager.default.createFile(atPath: directory + "/abs.txt", contents: Data("x".utf8))
        assertRefused(try extractCrafted([directory + "/abs.txt"], setup: "true"), entry: directory + "/abs.txt", reason: "absolute")
    }

    func testEscapingSymlinkIsRefused() throws {
        assertRefused(try extractCrafted(["link"], setup: "ln -s ../../../../etc/passwd link"), entry: "link", reason: "escapes")
        assertRefused(try extractCrafted(["abs"], setup: "ln -s /etc/passwd abs"), entry: "abs", reason: "escapes")
    }

    func testInnerSymlinkAndHardlinkAreKept() throws {
        let result = try extractCrafted(["file.txt", "link", "hard"], setup: "echo hi > file.txt; ln -s file.txt link; ln file.txt hard")
        let files = try result.get()
        XCTAssertEqual(files.first { $0.path == "link" }?.linkTarget, "file.txt")
        XCTAssertEqual(files.first { $0.path == "hard" }?.sha512, files.first { $0.path == "file.txt" }?.sha512)
    }
}
