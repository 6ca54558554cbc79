#pragma once

#include <QProcessEnvironment>
#include <QStringList>
#include <QTextStream>

// Runs `vcs-agent check`: an operator's dry run of the request filter on one request. Prints one
// JSON object with the decision to `out` and returns 0 when the request is allowed, 1 when it is
// denied and 2 on bad usage, with one sentence on `err`. `arguments` are those after `check`.
int runCheckCommand(const QStringList &arguments, const QProcessEnvironment &environment,
                    QTextStream &out, QTextStream &err);
