#pragma once

#include <QLoggingCategory>

// Diagnostics categories; the access log is separate and goes to standard output.
Q_DECLARE_LOGGING_CATEGORY(lcTunnel)
Q_DECLARE_LOGGING_CATEGORY(lcAgent)
Q_DECLARE_LOGGING_CATEGORY(lcUpstream)
Q_DECLARE_LOGGING_CATEGORY(lcGateway)
Q_DECLARE_LOGGING_CATEGORY(lcPlatform)
Q_DECLARE_LOGGING_CATEGORY(lcPools)
Q_DECLARE_LOGGING_CATEGORY(lcSettings)

namespace Logging {

// Installs a message handler that writes "time level category: message" lines to stderr,
// with CR and LF in messages escaped, and enables Info and above by default.
void installHandler();

} // namespace Logging
