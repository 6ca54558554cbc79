#include "displaycheck.h"

namespace DisplayCheck {

bool hasDisplay(const QProcessEnvironment &environment, const QStringList &arguments)
{
#if defined(Q_OS_WIN) || defined(Q_OS_MACOS)
    Q_UNUSED(environment)
    Q_UNUSED(arguments)
    return true;
#else
    QString platform = environment.value(QStringLiteral("QT_QPA_PLATFORM"));
    const qsizetype flag = arguments.indexOf(QStringLiteral("-platform"));
    if (flag >= 0 && flag + 1 < arguments.size()) {
        platform = arguments.at(flag + 1);
    }
    static const QStringList headlessPlatforms{ QStringLiteral("offscreen"),
                                                QStringLiteral("minimal"), QStringLiteral("vnc"),
                                                QStringLiteral("eglfs"),
                                                QStringLiteral("linuxfb") };
    const QString plugin = platform.section(QLatin1Char(':'), 0, 0).section(QLatin1Char(';'), 0, 0);
    if (headlessPlatforms.contains(plugin)) {
        return true;
    }
    return !environment.value(QStringLiteral("DISPLAY")).isEmpty()
            || !environment.value(QStringLiteral("WAYLAND_DISPLAY")).isEmpty();
#endif
}

} // namespace DisplayCheck
