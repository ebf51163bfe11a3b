import Foundation
import XCTest
#if canImport(FoundationXML)
import FoundationXML
#endif
@testable import GooseKit

/// Pure parts of the mirror code: ordering, manifests, units, status folding, metalink text.
final class MirrorTests: XCTestCase {
    func entry(_ path: String, size: Int64 = 10, mtime: Int = 100, hash: Character = "a") -> MirrorFileEntry {
        MirrorFileEntry(path: path, size: size, mtime: mtime, sha256: String(repeating: hash, count: 64))
    }

    func testPlanOrdersContentThenRepodataThenRepomdPerRoot() {
        let upstream = MirrorManifest(generated: 1, files: [
            entry("el9/x86_64/repodata/repomd.xml.asc"), entry("el9/x86_64/repodata/repomd.xml"),
            entry("el9/x86_64/repodata/abc-primary.xml.gz"), entry("el9/x86_64/Packages/a-1.rpm"),
            entry("el9/x86_64/Packages/same.rpm"), entry("iso/boot.iso"), entry("repodata/repomd.xml"),
        ])
        XCTAssertEqual(upstream.repoRoots, ["", "el9/x86_64"])
        let local: [String: FileStamp] = [
            "el9/x86_64/Packages/same.rpm": FileStamp(size: 10, mtime: 100),
            "el9/x86_64/Packages/old.rpm": FileStamp(size: 5, mtime: 1),
            "el9/x86_64/repodata/repomd.xml": FileStamp(size: 10, mtime: 99),
        ]
        let plan = MirrorSyncPlan.make(upstream: upstream, local: local)
        XCTAssertEqual(plan.unchangedCount, 1)
        let root = plan.roots.first { $0.root == "el9/x86_64" }!
        XCTAssertEqual(root.content.map(\.path), ["el9/x86_64/Packages/a-1.rpm"])
        XCTAssertEqual(root.repodata.map(\.path), ["el9/x86_64/repodata/abc-primary.xml.gz"])
        XCTAssertEqual(root.repomd.map(\.path), ["el9/x86_64/repodata/repomd.xml.asc"])
        // Same size, other mtime: hashed before deciding.
        XCTAssertEqual(root.suspicious.map(\.path), ["el9/x86_64/repodata/repomd.xml"])
        XCTAssertEqual(root.stale, ["el9/x86_64/Packages/old.rpm"])
        // The top-level repo root owns iso/ (it is inside ""), the innermost root wins for el9/x86_64.
        let top = plan.roots.first { $0.root == "" }!
        XCTAssertEqual(top.content.map(\.path), ["iso/boot.iso"])
        XCTAssertEqual(top.repomd.map(\.path), ["repodata/repomd.xml"])
    }

    func testRepomdIsPlacedBeforeItsSignature() {
        let upstream = MirrorManifest(generated: 1, files: [entry("r/repodata/repomd.xml.asc"), entry("r/repodata/repomd.xml")])
        let plan = MirrorSyncPlan.make(upstream: upstream, local: [:])
        XCTAssertEqual(plan.roots[0].repomd.map(\.path), ["r/repodata/repomd.xml", "r/repodata/repomd.xml.asc"])
    }

    func testDeletableLimitsStaleFiles() {
        let upstream = MirrorManifest(generated: 1, files: [entry("repodata/repomd.xml")])
        let local = ["a.rpm": FileStamp(size: 1, mtime: 1), "notes.txt": FileStamp(size: 1, mtime: 1)]
        let plan = MirrorSyncPlan.make(upstream: upstream, local: local, deletable: { $0.hasSuffix(".rpm") })
        XCTAssertEqual(plan.roots.flatMap(\.stale), ["a.rpm"])
    }

    func testManifestRejectsUnsafePaths() throws {
        let bad = #"{"version":1,"generated":1,"repoRoots":[],"files":[{"path":"../etc/passwd","size":1,"mtime":1,"sha256":"\#(String(repeating: "a", count: 64))"}]}"#
        XCTAssertThrowsError(try MirrorManifest.decode(Data(bad.utf8), source: "m")) { error in
            XCTAssertEqual("\(error)", "m: bad entry '../etc/passwd'")
        }
        let good = MirrorManifest(generated: 5, files: [entry("a/b")])
        XCTAssertEqual(try MirrorManifest.decode(good.encoded(), source: "m"), good)
    }

    func testFullFileTimeListFormat() {
        let manifest = MirrorManifest(generated: 1, files: [entry("r/repodata/repomd.xml", size: 3, mtime: 7), entry("r/a.rpm", size: 4, mtime: 8)])
        let text = manifest.fullFileTimeList(directoryTimes: ["r": 9], sha1ByPath: ["r/repodata/repomd.xml": "ff"])
        XCTAssertEqual(text, "[Version]\n2\n\n[Files]\n9\td\t0\tr\n8\tf\t4\tr/a.rpm\n7\tf\t3\tr/repodata/repomd.xml\n\n[Checksums SHA1]\nff\tr/repodata/repomd.xml\n\n[End]\n")
    }

    func testUnits() throws {
        XCTAssertEqual(try MirrorUnits.duration("90"), 90)
        XCTAssertEqual(try MirrorUnits.duration("15m"), 900)
        XCTAssertEqual(try MirrorUnits.duration("2h"), 7200)
        XCTAssertThrowsError(try MirrorUnits.duration("soon"))
        XCTAssertEqual(try MirrorUnits.rate("500"), 500 * 1024)
        XCTAssertEqual(try MirrorUnits.rate("10m"), 10 * 1024 * 1024)
        XCTAssertThrowsError(try MirrorUnits.rate("-1"))
    }

    func testStatusDisablesAfterConsecutiveFailuresAndKeepsSince() {
        let site = MirrorSite(name: "m", urls: ["http://m/"], country: "de")
        var record = MirrorNetworkStatus.update(previous: nil, site: site, url: "http://m/", repos: ["r": .init(state: .unreachable)],
                                                isos: [:], now: 10, disableAfter: 2)
        XCTAssertEqual(record.country, "DE")
        XCTAssertFalse(record.disabled)
        record = MirrorNetworkStatus.update(previous: record, site: site, url: "http://m/", repos: ["r": .init(state: .unreachable)],
                                            isos: [:], now: 20, disableAfter: 2)
        XCTAssertTrue(record.disabled)
        XCTAssertEqual(record.repos["r"]?.since, 10)
        // Reachable again but stale: enabled, listed only for current items, "since" starts anew.
        record = MirrorNetworkStatus.update(previous: record, site: site, url: "http://m/", repos: ["r": .init(state: .stale)],
                                            isos: [:], now: 30, disableAfter: 2)
        XCTAssertFalse(record.disabled)
        XCTAssertEqual(record.consecutiveFailures, 0)
        XCTAssertEqual(record.repos["r"]?.since, 30)
        let status = MirrorNetworkStatus(checked: 30, mirrors: [record])
        XCTAssertTrue(status.currentMirrors(repo: "r").isEmpty)
    }

    func testCurrentMirrorsPutTheCountryFirst() {
        func mirror(_ name: String, _ country: String) -> MirrorNetworkStatus.Mirror {
            .init(name: name, country: country, url: "http://\(name)/", consecutiveFailures: 0, disabled: false, lastChecked: 1, lastPassed: 1,
                  repos: ["r": .init(state: .current, since: 1)], isos: [:])
        }
        let status = MirrorNetworkStatus(checked: 1, mirrors: [mirror("a", "US"), mirror("b", "DE"), mirror("c", "US")])
        XCTAssertEqual(status.currentMirrors(repo: "r", country: "DE").map(\.name), ["b", "a", "c"])
        XCTAssertEqual(status.currentMirrors(repo: "r", country: "US").map(\.name), ["a", "c", "b"])
    }

    func testMetalinkParsesAsXMLWithTheMirrorManagerNamespace() throws {
        let version = MirrorNetworkStatus.RepomdVersion(timestamp: 5, size: 7, hashes: ["sha256": "ab", "md5": "cd"])
        let older = MirrorNetworkStatus.RepomdVersion(timestamp: 4, size: 6, hashes: ["sha256": "ef"])
        let text = Metalink.render(versions: [version, older], urls: [("https://a/x&y/repodata/repomd.xml", "DE"), ("http://b/repodata/repomd.xml", "US")], generated: 0)
        let collector = ElementCollector()
        let parser = XMLParser(data: Data(text.utf8))
        parser.shouldProcessNamespaces = true
        parser.delegate = collector
        XCTAssertTrue(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "")")
        let metalink = try XCTUnwrap(collector.elements.first)
        XCTAssertEqual(metalink.name, "metalink")
        XCTAssertEqual(metalink.namespace, "http://www.metalinker.org/")
        XCTAssertEqual(metalink.attributes["version"], "3.0")
        XCTAssertEqual(metalink.attributes["pubdate"], "Thu, 01 Jan 1970 00:00:00 GMT")
        let urls = collector.elements.filter { $0.name == "url" }
        XCTAssertEqual(urls.map(\.text), ["https://a/x&y/repodata/repomd.xml", "http://b/repodata/repomd.xml"])
        XCTAssertEqual(urls.map { $0.attributes["preference"] }, ["100", "99"])
        XCTAssertEqual(urls[0].attributes["protocol"], "https")
        XCTAssertEqual(urls[0].attributes["location"], "DE")
        let alternates = collector.elements.filter { $0.name == "alternate" }
        XCTAssertEqual(alternates.map(\.namespace), ["http://fedorahosted.org/mirrormanager"])
        XCTAssertTrue(text.contains("<mm0:timestamp>5</mm0:timestamp>"))
        XCTAssertTrue(text.contains("<hash type=\"md5\">cd</hash>\n    <hash type=\"sha256\">ab</hash>"))
    }

    func testMirrorListParsingErrorsNameTheProblem() throws {
        let list = try MirrorList.parse("""
            [master]
            directory = "pub"
            [[mirror]]
            name = "a"
            url = "https://a/"
            country = "us"
            content = ["el9"]
            """, file: "m.toml", baseDirectory: "/srv")
        XCTAssertEqual(list.masterDirectory, "/srv/pub")
        XCTAssertEqual(list.mirrors[0].country, "US")
        XCTAssertTrue(list.mirrors[0].carries("el9/x86_64"))
        XCTAssertFalse(list.mirrors[0].carries("el10/x86_64"))
        XCTAssertThrowsError(try MirrorList.parse("[master]\ndirectory = \"p\"\n[[mirror]]\nname = \"a\"\nurl = \"rsync://a/\"\ncountry = \"DE\"\n",
                                                  file: "m.toml", baseDirectory: "/")) { error in
            XCTAssertEqual("\(error)", "m.toml: mirror 'a' has no http, https or ftp URL to check")
        }
    }
}

/// Records every element with its namespace, attributes and text, for checking generated XML.
private final class ElementCollector: NSObject, XMLParserDelegate {
    struct Element {
        var name: String
        var namespace: String?
        var attributes: [String: String]
        var text = ""
    }
    var elements: [Element] = []
    private var open: [Int] = []

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        elements.append(Element(name: name, namespace: namespaceURI, attributes: attributes))
        open.append(elements.count - 1)
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if let index = open.last { elements[index].text += string }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        _ = open.popLast()
    }
}
