#include "websocketframe.h"

#include <QCryptographicHash>
#include <QtEndian>
#include <cstring>

namespace Tunnel::WebSocketFrame {

void applyMask(char *dst, const char *src, qsizetype size, const MaskKey &key, quint64 offset)
{
    // The key rotated so that rotated[0] applies to src[0], repeated to fill a 64-bit word.
    quint8 pattern[8];
    for (int i = 0; i < 8; ++i) {
        pattern[i] = key[(offset + quint64(i)) % 4];
    }
    quint64 word;
    std::memcpy(&word, pattern, sizeof word);
    qsizetype i = 0;
    // Four words per round; memcpy keeps unaligned access legal and compiles to plain loads.
    for (; i + 32 <= size; i += 32) {
        quint64 block[4];
        std::memcpy(block, src + i, sizeof block);
        block[0] ^= word;
        block[1] ^= word;
        block[2] ^= word;
        block[3] ^= word;
        std::memcpy(dst + i, block, sizeof block);
    }
    for (; i + 8 <= size; i += 8) {
        quint64 block;
        std::memcpy(&block, src + i, sizeof block);
        block ^= word;
        std::memcpy(dst + i, &block, sizeof block);
    }
    for (; i < size; ++i) {
        dst[i] = char(quint8(src[i]) ^ pattern[i % 8]);
    }
}

void appendHeader(QByteArray &out, Opcode opcode, quint64 payloadSize, const MaskKey *key)
{
    char header[maxHeaderSize];
    qsizetype length = 0;
    header[length++] = char(0x80 | quint8(opcode));
    const quint8 maskBit = key ? 0x80 : 0x00;
    if (payloadSize <= 125) {
        header[length++] = char(maskBit | quint8(payloadSize));
    } else if (payloadSize <= 0xFFFF) {
        header[length++] = char(maskBit | 126);
        qToBigEndian(quint16(payloadSize), header + length);
        length += 2;
    } else {
        header[length++] = char(maskBit | 127);
        qToBigEndian(payloadSize, header + length);
        length += 8;
    }
    if (key) {
        std::memcpy(header + length, key->data(), 4);
        length += 4;
    }
    out.append(header, length);
}

QByteArray closePayload(quint16 code, const QString &reason)
{
    QByteArray payload(2, Qt::Uninitialized);
    qToBigEndian(code, payload.data());
    QByteArray text = reason.toUtf8();
    if (text.size() > maxCloseReasonBytes) {
        qsizetype cut = maxCloseReasonBytes;
        // Back up over continuation bytes (10xxxxxx) so no character is split.
        while (cut > 0 && (quint8(text.at(cut)) & 0xC0) == 0x80) {
            --cut;
        }
        text.truncate(cut);
    }
    payload.append(text);
    return payload;
}

QByteArray acceptValue(const QByteArray &clientKey)
{
    static const QByteArray guid = QByteArrayLiteral("258EAFA5-E914-47DA-95CA-C5AB0DC85B11");
    const QByteArray input = clientKey + guid;
    return QCryptographicHash::hash(input, QCryptographicHash::Sha1).toBase64();
}

bool isValidCloseCode(quint16 code)
{
    if (code >= 3000 && code <= 4999) {
        return true;
    }
    switch (code) {
    case 1000:
    case 1001:
    case 1002:
    case 1003:
    case 1007:
    case 1008:
    case 1009:
    case 1010:
    case 1011:
    case 1012:
    case 1013:
    case 1014:
        return true;
    default:
        return false;
    }
}

std::optional<QHash<QByteArray, QByteArray>> parseHeaderFields(const QList<QByteArray> &lines,
                                                                QString *error)
{
    QHash<QByteArray, QByteArray> fields;
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArray line = lines.at(i).endsWith('\r') ? lines.at(i).chopped(1) : lines.at(i);
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0) {
            *error = QStringLiteral("a header line has no name");
            return std::nullopt;
        }
        const QByteArray name = line.left(colon).toLower();
        if (name.contains(' ') || name.contains('\t')) {
            *error = QStringLiteral("a header name is followed by whitespace before its colon");
            return std::nullopt;
        }
        const QByteArray value = line.mid(colon + 1).trimmed();
        QByteArray &field = fields[name];
        field = field.isEmpty() ? value : field + ", " + value;
    }
    return fields;
}

bool headerHasToken(const QByteArray &value, const QByteArray &token)
{
    const auto parts = value.split(',');
    for (const QByteArray &part : parts) {
        if (part.trimmed().compare(token, Qt::CaseInsensitive) == 0) {
            return true;
        }
    }
    return false;
}

} // namespace Tunnel::WebSocketFrame
