#pragma once

#include <QString>

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

} // namespace TestEnvironment
