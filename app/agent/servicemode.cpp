#include "servicemode.h"

#include "agent/agentservice.h"
#include "common/signalwatcher.h"
#include "health/agenthealth.h"
#include "log/accesslog.h"
#include "log/logging.h"

#include <QCoreApplication>
#include <QFile>
#include <QTextStream>
#include <cstdio>

int runServiceMode(QCoreApplication &app, const QStringList &arguments)
{
    const AgentSettingsResult result = AgentSettingsReader::read(
            arguments, QProcessEnvironment::systemEnvironment());
    if (!result.settings) {
        QTextStream(stderr) << "vcs-agent: " << result.error << '\n';
        return ExitBadSettings;
    }
    const AgentSettings &settings = *result.settings;

    QFile standardOutput;
    // A file descriptor, not the FILE*, so each record reaches the log collector at once.
    standardOutput.open(fileno(stdout), QIODevice::WriteOnly | QIODevice::Unbuffered);
    AccessLog accessLog;
    accessLog.setSink(&standardOutput, settings.logFormat);

    AgentService service(&accessLog);
    QString error;
    if (!service.start(settings, &error)) {
        QTextStream(stderr) << "vcs-agent: " << error << '\n';
        return ExitBadSettings;
    }
    AgentHealth health(&service, &accessLog);
    if (!health.start(settings.healthListen, &error)) {
        QTextStream(stderr) << "vcs-agent: " << error << '\n';
        return ExitFailure;
    }
    QObject::connect(&service, &AgentService::rejected, &app,
                     [&app](const QString &) { app.exit(ExitTokenRejected); });
    QObject::connect(&service, &AgentService::drained, &app, [&app] {
        qCInfo(lcAgent) << "stopped";
        app.exit(ExitOk);
    });

    SignalWatcher signalWatcher;
    QObject::connect(&signalWatcher, &SignalWatcher::terminationRequested, &app,
                     [&app, &service, &settings, &health](int signalNumber, int count) {
                         if (count > 1) {
                             qCWarning(lcAgent) << "second signal" << signalNumber
                                                << "received; exiting without waiting";
                             service.stop();
                             app.exit(ExitFailure);
                             return;
                         }
                         qCInfo(lcAgent) << "signal" << signalNumber << "received";
                         health.notifyStopping(settings.drainTimeoutMs);
                         service.drain(settings.drainTimeoutMs);
                     });
    return app.exec();
}
