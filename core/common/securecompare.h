#pragma once

#include <QByteArray>

namespace SecureCompare {

// Compares two secrets in time that depends on their length only, not on where they differ.
inline bool equals(const QByteArray &a, const QByteArray &b)
{
    if (a.size() != b.size()) {
        return false;
    }
    unsigned char difference = 0;
    for (qsizetype i = 0; i < a.size(); ++i) {
        difference |= static_cast<unsigned char>(a.at(i) ^ b.at(i));
    }
    return difference == 0;
}

} // namespace SecureCompare
