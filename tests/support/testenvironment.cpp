#include "testenvironment.h"

#include <QDir>
#include <QProcess>
#include <QtGlobal>

#ifdef Q_OS_LINUX
#include <csignal>
#include <sys/prctl.h>
#endif

namespace TestEnvironment {

QString sourceDir()
{
    return qEnvironmentVariable("VCS_SOURCE_DIR");
}

QString buildDir()
{
    return qEnvironmentVariable("VCS_BUILD_DIR");
}

QString dataFile(const QString &relativePath)
{
    return QDir(sourceDir()).filePath(QStringLiteral("tests/data/") + relativePath);
}

QString executable(const QString &name)
{
    return QDir(buildDir()).filePath(QStringLiteral("app/") + name);
}

void killChildWithTest(QProcess &process)
{
#ifdef Q_OS_LINUX
    process.setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGKILL); });
#else
    Q_UNUSED(process)
#endif
}

} // namespace TestEnvironment
