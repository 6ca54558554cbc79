#pragma once

#include <QString>

class QProcess;

// Paths that CTest passes to every test through the environment.
namespace TestEnvironment {

// The project's source folder (VCS_SOURCE_DIR).
QString sourceDir();
// The build folder (VCS_BUILD_DIR), where app/vcs-agent and app/vcs-gateway are built.
QString buildDir();
// Full path of a file under tests/data.
QString dataFile(const QString &relativePath);
// Full path of the built executable `name` (vcs-agent or vcs-gateway).
QString executable(const QString &name);

// Makes the process that `process` starts get SIGKILL when the test process dies, so a crashed
// or killed test leaves no gateway, agent or local VCS behind. Does nothing outside Linux.
void killChildWithTest(QProcess &process);

} // namespace TestEnvironment
