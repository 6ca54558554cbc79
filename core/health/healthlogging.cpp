#include "healthlogging.h"

Q_LOGGING_CATEGORY(lcHealth, "vcsagent.core.health", QtInfoMsg)
