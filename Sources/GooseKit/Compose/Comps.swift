import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// How much of each comps group a compose takes (pungi's include levels).
public enum CompsIncludeLevel: String, CaseIterable, Sendable, Codable {
    /// Mandatory packages (and conditional ones whose condition is met).
    case required
    /// Mandatory and default packages.
    case `default`
    /// Mandatory, default and optional packages.
    case all
}

/// One comps group: its package requests by type.
public struct CompsGroup: Equatable, Sendable {
    /// A `<packagereq>`: `type` is mandatory, default, optional or conditional; `requires` names the condition package.
    public struct Request: Equatable, Sendable {
        public var name: String
        public var type: String
        public var requires: String?
    }
    public var id: String
    public var requests: [Request]

    /// Names this group contributes at `level`, and the conditional requests (name, condition) to apply after the closure.
    public func selection(at level: CompsIncludeLevel) -> (names: [String], conditional: [(name: String, condition: String)]) {
        var types: Set<String> = ["mandatory"]
        if level != .required { types.insert("default") }
        if level == .all { types.insert("optional") }
        let names = requests.filter { types.contains($0.type) }.map(\.name)
        let conditional = requests.filter { $0.type == "conditional" }.compactMap { request in
            request.requires.map { (name: request.name, condition: $0) }
        }
        return (names, conditional)
    }
}

/// A parsed comps.xml (only what gathering needs: groups and their package lists).
public struct CompsDocument: Equatable, Sendable {
    public var groups: [CompsGroup]

    /// Parses comps XML; a document that is not well-formed is an error naming `file`.
    public static func parse(_ data: Data, file: String) throws -> CompsDocument {
        let delegate = CompsParserDelegate()
        let parser = XMLParser(data: data)
        parser.delegate = delegate
        guard parser.parse(), parser.parserError == nil else {
            let reason = parser.parserError.map { "\($0.localizedDescription)" } ?? "malformed XML"
            throw GooseError.configuration(file: file, reason: "not a comps document: \(reason) (line \(parser.lineNumber))")
        }
        guard delegate.root == "comps" else {
            throw GooseError.configuration(file: file, reason: "not a comps document: root element is <\(delegate.root ?? "")>, not <comps>")
        }
        return CompsDocument(groups: delegate.groups)
    }

    /// The groups named by `ids`, in that order; unknown ids are an error that lists them.
    public func groups(named ids: [String], file: String) throws -> [CompsGroup] {
        let byId = Dictionary(groups.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let unknown = ids.filter { byId[$0] == nil }
        guard unknown.isEmpty else {
            throw GooseError.configuration(file: file, reason: "no such comps group: \(unknown.joined(separator: ", "))")
        }
        return ids.map { byId[$0]! }
    }
}

/// Collects `<group>` elements; XMLParser is event-driven, so the state lives here.
private final class CompsParserDelegate: NSObject, XMLParserDelegate {
    var groups: [CompsGroup] = []
    var root: String?
    private var current: CompsGroup?
    private var request: CompsGroup.Request?
    private var text = ""
    private var depthInGroup = 0

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String]) {
        text = ""
        if root == nil { root = name }
        switch name {
        case "group":
            current = CompsGroup(id: "", requests: [])
            depthInGroup = 0
        case "packagereq" where current != nil:
            request = .init(name: "", type: attributes["type"] ?? "mandatory", requires: attributes["requires"])
        default: break
        }
        if current != nil { depthInGroup += 1 }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if current != nil { depthInGroup -= 1 }
        switch name {
        // The group's own <id> sits directly under <group> (depth 1 after the decrement).
        case "id" where current != nil && depthInGroup == 1: current!.id = value
        case "packagereq" where request != nil:
            request!.name = value
            current?.requests.append(request!)
            request = nil
        case "group" where current != nil:
            groups.append(current!)
            current = nil
        default: break
        }
        text = ""
    }
}
