#pragma once

#include <QByteArray>
#include <QString>

namespace Redaction {

// Replaces with "REDACTED" the value of every query parameter whose name suggests a secret
// (token, password, key, signature, code and the like). A value that carries such a parameter
// in a query of its own, such as a redirect URL, is replaced too.
QString redactTarget(const QByteArray &target);

// Whether a header carries a credential that must never be logged.
bool isSecretHeader(const QByteArray &name);

} // namespace Redaction
