#pragma once

#include <QHostAddress>
#include <QtGlobal>

// Returns the index of the connection to cut before one more from `address` joins `connections`
// (oldest first), so that at most `maxPerAddress` come from one address and at most `maxTotal`
// in all; -1 when there is room. The oldest goes first, because real clients move on at once
// and a connection that is still waiting is the likeliest to be idle.
template<typename List, typename AddressOf>
qsizetype oldestToEvict(const List &connections, const QHostAddress &address, AddressOf addressOf,
                        qsizetype maxPerAddress, qsizetype maxTotal)
{
    qsizetype fromAddress = 0;
    qsizetype oldestFromAddress = -1;
    for (qsizetype i = 0; i < connections.size(); ++i) {
        if (addressOf(connections.at(i)) != address) {
            continue;
        }
        if (oldestFromAddress < 0) {
            oldestFromAddress = i;
        }
        ++fromAddress;
    }
    if (fromAddress >= maxPerAddress) {
        return oldestFromAddress;
    }
    if (connections.size() >= maxTotal) {
        return 0;
    }
    return -1;
}
