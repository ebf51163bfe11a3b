import CXML2
import Foundation

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

    /// Parses comps XML (libxml2's reader: no network, no entity expansion); a document that is not well-formed is an
    /// error naming `file`.
    public static func parse(_ data: Data, file: String) throws -> CompsDocument {
        var collector = CompsCollector()
        try XMLEventReader.read(data) { event in collector.handle(event) }
            .mapError { GooseError.configuration(file: file, reason: "not a comps document: \($0.message) (line \($0.line))") }.get()
        guard collector.root == "comps" else {
            throw GooseError.configuration(file: file, reason: "not a comps document: root element is <\(collector.root ?? "")>, not <comps>")
        }
        return CompsDocument(groups: collector.groups)
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

/// Collects `<group>` elements from the reader's events.
private struct CompsCollector {
    var groups: [CompsGroup] = []
    var root: String?
    private var current: CompsGroup?
    private var request: CompsGroup.Request?
    private var text = ""
    private var depthInGroup = 0

    mutating func handle(_ event: XMLEventReader.Event) {
        switch event {
        case let .start(name, attributes):
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
        case let .text(string):
            text += string
        case let .end(name):
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
}

/// libxml2's streaming reader as start, text and end events (an empty element gives a start and an end).
enum XMLEventReader {
    enum Event {
        case start(name: String, attributes: [String: String])
        case text(String)
        case end(name: String)
    }

    struct Failure: Error {
        var message: String
        var line: Int
    }

    /// The first error libxml2 reports, kept by its structured error handler (which also keeps it off stderr).
    private final class ErrorSink {
        var failure: Failure?
    }

    static func read(_ data: Data, _ handle: (Event) -> Void) -> Result<Void, Failure> {
        let sink = ErrorSink()
        let options = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOCDATA.rawValue)
        // The reader reads from the buffer until it is freed, so the bytes live in a buffer of its own: the pointer
        // `withUnsafeBytes` lends is valid only inside its closure (for a small Data, a copy on the stack).
        guard !data.isEmpty else { return .failure(Failure(message: "empty document", line: 0)) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: data.count, alignment: 1)
        defer { buffer.deallocate() }
        data.copyBytes(to: buffer)
        guard let reader = xmlReaderForMemory(buffer.baseAddress?.assumingMemoryBound(to: CChar.self), Int32(data.count), nil, nil, options) else {
            return .failure(Failure(message: "cannot create an XML reader", line: 0))
        }
        defer { xmlFreeTextReader(reader) }
        let context = Unmanaged.passUnretained(sink).toOpaque()
        xmlTextReaderSetStructuredErrorHandler(reader, { context, error in
            guard let context, let error else { return }
            let sink = Unmanaged<ErrorSink>.fromOpaque(context).takeUnretainedValue()
            guard sink.failure == nil, error.pointee.level.rawValue >= XML_ERR_ERROR.rawValue else { return }
            let message = error.pointee.message.map { String(cString: $0) } ?? "malformed XML"
            sink.failure = Failure(message: message.trimmingCharacters(in: .whitespacesAndNewlines), line: Int(error.pointee.line))
        }, context)
        func string(_ pointer: UnsafePointer<xmlChar>?) -> String { pointer.map { String(cString: $0) } ?? "" }
        while true {
            let status = xmlTextReaderRead(reader)
            if status == 0 { break }
            guard status == 1, sink.failure == nil else {
                return .failure(sink.failure ?? Failure(message: "malformed XML", line: Int(xmlTextReaderGetParserLineNumber(reader))))
            }
            switch xmlTextReaderNodeType(reader) {
            case Int32(XML_READER_TYPE_ELEMENT.rawValue):
                let name = string(xmlTextReaderConstLocalName(reader))
                let empty = xmlTextReaderIsEmptyElement(reader) == 1
                var attributes: [String: String] = [:]
                if xmlTextReaderMoveToFirstAttribute(reader) == 1 {
                    repeat {
                        attributes[string(xmlTextReaderConstLocalName(reader))] = string(xmlTextReaderConstValue(reader))
                    } while xmlTextReaderMoveToNextAttribute(reader) == 1
                    xmlTextReaderMoveToElement(reader)
                }
                handle(.start(name: name, attributes: attributes))
                if empty { handle(.end(name: name)) }
            case Int32(XML_READER_TYPE_TEXT.rawValue), Int32(XML_READER_TYPE_CDATA.rawValue),
                 Int32(XML_READER_TYPE_SIGNIFICANT_WHITESPACE.rawValue), Int32(XML_READER_TYPE_WHITESPACE.rawValue):
                handle(.text(string(xmlTextReaderConstValue(reader))))
            case Int32(XML_READER_TYPE_END_ELEMENT.rawValue):
                handle(.end(name: string(xmlTextReaderConstLocalName(reader))))
            default:
                break
            }
        }
        if let failure = sink.failure { return .failure(failure) }
        return .success(())
    }
}
