import XCTest
@testable import GooseKit

final class ImportNamingTests: XCTestCase {
    func testTagsAreValidGitReferences() {
        for nvr in ["bash-5.1.8-9.el9", "foo-1.0~rc1-1", "foo-1.0^git1-1", "gcc-c++-11-1", "foo-1%{?dist}-1", "x-1..2-1", "y-1-1.lock"] {
            let tag = ImportNaming.importTag(branch: "c9", nvr: nvr)
            XCTAssertTrue(GitRepository.isValidTagName(tag), tag)
            XCTAssertTrue(tag.hasPrefix("imports/c9/"))
        }
        XCTAssertEqual(ImportNaming.importTag(branch: "c9", nvr: "gcc-c++-11-1"), "imports/c9/gcc-c++-11-1")
        XCTAssertEqual(ImportNaming.patchedTag(branch: "c9", nvr: "foo-1%2-1"), "patched/c9/foo-1_2-1")
        XCTAssertEqual(ImportNaming.refSafe("foo-1.0~rc1-1"), "foo-1.0_rc1-1")
    }

    func testTrailers() {
        let message = ImportNaming.importMessage(nvr: "foo-1-1", evr: EVR(epoch: 2, version: "1", release: "1"), fileName: "foo-1-1.src.rpm", sha256: "abc")
        XCTAssertTrue(message.hasPrefix("import foo-1-1\n\n"))
        XCTAssertEqual(ImportNaming.trailer("Source-RPM-SHA256", in: message), "abc")
        XCTAssertEqual(ImportNaming.trailer("Source-RPM-EVR", in: message), "2:1-1")
        XCTAssertNil(ImportNaming.trailer("Missing", in: message))
    }

    func testClassification() {
        let classifier = ImportClassifier(maxGitTextSize: 100)
        XCTAssertEqual(classifier.destination(size: 10, isBinary: true, isSpec: false, isPatch: false), .lookaside)
        XCTAssertEqual(classifier.destination(size: 0, isBinary: false, isSpec: false, isPatch: false), .git)
        XCTAssertEqual(classifier.destination(size: 10, isBinary: false, isSpec: false, isPatch: false), .git)
        XCTAssertEqual(classifier.destination(size: 1000, isBinary: false, isSpec: false, isPatch: false), .lookaside)
        XCTAssertEqual(classifier.destination(size: 1000, isBinary: false, isSpec: false, isPatch: true), .git)
        XCTAssertEqual(classifier.destination(size: 1000, isBinary: true, isSpec: false, isPatch: true), .lookaside)
        XCTAssertTrue(ImportClassifier.isKeptOnReimport("README.md"))
        XCTAssertTrue(ImportClassifier.isKeptOnReimport("tests/smoke/runtest.sh"))
        XCTAssertTrue(ImportClassifier.isKeptOnReimport("foo.rpmlintrc"))
        XCTAssertFalse(ImportClassifier.isKeptOnReimport("foo.spec"))
    }
}
