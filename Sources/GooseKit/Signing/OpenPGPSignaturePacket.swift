import Foundation

/// The OpenPGP v4 signature packet (RFC 4880 §5.2.3) around a raw signature made by gpg-agent.
///
/// gpg itself does exactly this: it hashes the data and the packet's hashed part, has the agent sign the digest
/// (`PKSIGN`), and wraps the agent's numbers in a packet. goose does the same in-process so that signing a package
/// costs one agent request instead of one gpg process; the private key never leaves the agent. The packets are
/// checked by librpm (each signed RPM is verified before it replaces the original) and by `rpmkeys`/`gpg` in tests.
public struct OpenPGPSignaturePacket: Sendable, Equatable {
    /// OpenPGP public-key algorithm IDs (RFC 4880 §9.1, RFC 6637, draft-koch-eddsa).
    public enum PublicKeyAlgorithm: UInt8, Sendable, Codable {
        case rsa = 1
        case dsa = 17
        case ecdsa = 19
        case eddsa = 22

        /// The numbers the signature carries, in packet order, as gpg-agent names them in its S-expression.
        var signatureValueNames: [String] { self == .rsa ? ["s"] : ["r", "s"] }
        /// gpg-agent's name for the algorithm in `(sig-val (<name> ...))`.
        var agentName: String {
            switch self {
            case .rsa: "rsa"
            case .dsa: "dsa"
            case .ecdsa: "ecdsa"
            case .eddsa: "eddsa"
            }
        }
    }

    /// SHA-256, the digest rpmsign is configured with (`%_gpg_digest_algo sha256`); OpenPGP and libgcrypt both number it 8.
    public static let sha256Algorithm: UInt8 = 8

    public let algorithm: PublicKeyAlgorithm
    /// The v4 fingerprint (20 bytes) of the (sub)key that signs.
    public let issuerFingerprint: [UInt8]
    /// Seconds since the epoch.
    public let creationTime: UInt32

    public init(algorithm: PublicKeyAlgorithm, issuerFingerprint: [UInt8], creationTime: UInt32) {
        self.algorithm = algorithm
        self.issuerFingerprint = issuerFingerprint
        self.creationTime = creationTime
    }

    /// Version, type (0x00: binary document), algorithms and the hashed subpackets (issuer fingerprint, creation time).
    public var hashedPart: [UInt8] {
        let subpackets = Self.subpacket(type: 33, [4] + issuerFingerprint)
            + Self.subpacket(type: 2, Self.bigEndian(creationTime, bytes: 4))
        return [4, 0x00, algorithm.rawValue, Self.sha256Algorithm] + Self.bigEndian(UInt32(subpackets.count), bytes: 2) + subpackets
    }

    /// What the digest covers after the signed data: the hashed part and the v4 trailer.
    public var hashTrailer: [UInt8] {
        let hashed = hashedPart
        return hashed + [4, 0xFF] + Self.bigEndian(UInt32(hashed.count), bytes: 4)
    }

    /// The long key ID: the fingerprint's last 8 bytes.
    public var issuerKeyID: [UInt8] { Array(issuerFingerprint.suffix(8)) }

    /// The complete packet (old-format tag 2 with a two-byte length, as gpg writes it).
    /// `digest` is the SHA-256 over the data and `hashTrailer`; `values` are the signature's numbers in packet order.
    public func packet(digest: [UInt8], values: [[UInt8]]) -> [UInt8] {
        let unhashed = Self.subpacket(type: 16, issuerKeyID)
        var body = hashedPart + Self.bigEndian(UInt32(unhashed.count), bytes: 2) + unhashed + Array(digest.prefix(2))
        for value in values { body += Self.multiprecisionInteger(value) }
        return [0x89] + Self.bigEndian(UInt32(body.count), bytes: 2) + body
    }

    /// The signature's numbers from gpg-agent's PKSIGN answer, e.g. `(7:sig-val(3:rsa(1:s384:…)))`.
    public func signatureValues(fromAgentAnswer answer: [UInt8]) throws -> [[UInt8]] {
        guard case let .list(top) = try SExpression.parse(answer), top.count == 2, top[0] == .atom(Array("sig-val".utf8)),
              case let .list(signature) = top[1], let name = signature.first, name == .atom(Array(algorithm.agentName.utf8)) else {
            throw GooseError.signing("gpg-agent answered PKSIGN with an unexpected signature (expected \(algorithm.agentName))")
        }
        var values: [String: [UInt8]] = [:]
        for element in signature.dropFirst() {
            if case let .list(pair) = element, pair.count == 2, case let .atom(key) = pair[0], case let .atom(value) = pair[1] {
                values[String(decoding: key, as: UTF8.self)] = value
            }
        }
        return try algorithm.signatureValueNames.map { name in
            guard let value = values[name] else { throw GooseError.signing("gpg-agent's signature lacks its '\(name)' value") }
            return value
        }
    }

    /// An OpenPGP MPI: bit count, then the big-endian number without leading zero bytes.
    static func multiprecisionInteger(_ bytes: [UInt8]) -> [UInt8] {
        let trimmed = Array(bytes.drop { $0 == 0 })
        guard let first = trimmed.first else { return [0, 0] }
        let bits = (trimmed.count - 1) * 8 + (8 - first.leadingZeroBitCount)
        return bigEndian(UInt32(bits), bytes: 2) + trimmed
    }

    static func subpacket(type: UInt8, _ data: [UInt8]) -> [UInt8] {
        // Every subpacket here is shorter than 192 bytes, so its length fits the one-byte form.
        [UInt8(data.count + 1), type] + data
    }

    static func bigEndian(_ value: UInt32, bytes: Int) -> [UInt8] {
        (0..<bytes).reversed().map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
    }
}

/// A canonical S-expression (`(3:abc(1:x))`), the form gpg-agent answers in.
enum SExpression: Equatable {
    case atom([UInt8])
    case list([SExpression])

    static func parse(_ bytes: [UInt8]) throws -> SExpression {
        var index = 0
        let value = try parse(bytes, &index)
        return value
    }

    private static func parse(_ bytes: [UInt8], _ index: inout Int) throws -> SExpression {
        guard index < bytes.count else { throw malformed }
        if bytes[index] == UInt8(ascii: "(") {
            index += 1
            var elements: [SExpression] = []
            while index < bytes.count, bytes[index] != UInt8(ascii: ")") {
                elements.append(try parse(bytes, &index))
            }
            guard index < bytes.count else { throw malformed }
            index += 1
            return .list(elements)
        }
        var length = 0
        while index < bytes.count, let digit = Int(exactly: bytes[index]).map({ $0 - 48 }), (0...9).contains(digit) {
            length = length * 10 + digit
            index += 1
            guard length < 1 << 20 else { throw malformed }
        }
        guard index < bytes.count, bytes[index] == UInt8(ascii: ":"), index + 1 + length <= bytes.count else { throw malformed }
        let atom = Array(bytes[(index + 1)..<(index + 1 + length)])
        index += 1 + length
        return .atom(atom)
    }

    private static var malformed: GooseError { GooseError.signing("gpg-agent answered with a malformed S-expression") }
}
