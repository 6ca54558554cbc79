#pragma once

#include <QByteArray>
#include <QString>

namespace Redaction {

// Replaces the value of every query parameter whose name suggests a secret (token, password,
// key, signature, code and the like) with "REDACTED", and so is a value that carries such a
// parameter in a query of its own (a redirect URL, say), so the target can be logged.
QString redactTarget(const QByteArray &target);

// Whether a header carries a credential that must never be logged.
bool isSecretHeader(const QByteArray &name);

} // namespace Redaction
