#pragma once

#include <QLoggingCategory>

// Diagnostics categories of the desktop agent.
Q_DECLARE_LOGGING_CATEGORY(lcDesktop)
Q_DECLARE_LOGGING_CATEGORY(lcKeychain)
Q_DECLARE_LOGGING_CATEGORY(lcInspect)
