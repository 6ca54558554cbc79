#include "uilogging.h"

Q_LOGGING_CATEGORY(lcDesktop, "vcsagent.ui.desktop", QtInfoMsg)
Q_LOGGING_CATEGORY(lcKeychain, "vcsagent.ui.keychain", QtInfoMsg)
Q_LOGGING_CATEGORY(lcInspect, "vcsagent.ui.inspect", QtInfoMsg)
