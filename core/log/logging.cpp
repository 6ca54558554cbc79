#include "logging.h"

#include <QDateTime>
#include <cstdio>

Q_LOGGING_CATEGORY(lcTunnel, "vcsagent.core.tunnel", QtInfoMsg)
Q_LOGGING_CATEGORY(lcAgent, "vcsagent.core.agent", QtInfoMsg)
Q_LOGGING_CATEGORY(lcUpstream, "vcsagent.core.upstream", QtInfoMsg)
Q_LOGGING_CATEGORY(lcGateway, "vcsagent.core.gateway", QtInfoMsg)
Q_LOGGING_CATEGORY(lcPlatform, "vcsagent.core.platform", QtInfoMsg)
Q_LOGGING_CATEGORY(lcPools, "vcsagent.core.pools", QtInfoMsg)
Q_LOGGING_CATEGORY(lcSettings, "vcsagent.core.settings", QtInfoMsg)

namespace {

const char *levelName(QtMsgType type)
{
    switch (type) {
    case QtDebugMsg:
        return "debug";
    case QtInfoMsg:
        return "info";
    case QtWarningMsg:
        return "warning";
    case QtCriticalMsg:
        return "error";
    case QtFatalMsg:
        return "fatal";
    }
    return "info";
}

void writeMessage(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    QString text = message;
    text.replace(QLatin1Char('\r'), QStringLiteral("\\r"));
    text.replace(QLatin1Char('\n'), QStringLiteral("\\n"));
    const QByteArray line = QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs).toUtf8()
            + ' ' + levelName(type) + ' ' + (context.category ? context.category : "default")
            + ": " + text.toUtf8() + '\n';
    std::fwrite(line.constData(), 1, size_t(line.size()), stderr);
    std::fflush(stderr);
}

} // namespace

namespace Logging {

void installHandler()
{
    qInstallMessageHandler(writeMessage);
}

} // namespace Logging
