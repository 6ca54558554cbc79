#include "testenvironment.h"

#include <QDir>
#include <QtGlobal>

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

} // namespace TestEnvironment
