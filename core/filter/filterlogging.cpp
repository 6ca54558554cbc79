#include "filterlogging.h"

Q_LOGGING_CATEGORY(lcFilter, "vcsagent.core.filter", QtInfoMsg)
