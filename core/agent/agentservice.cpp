#include "agentservice.h"

#include "log/logging.h"
#include "streamclient.h"

// One set of settings with its filter and streams. The streams refer to the settings and the
// filter, so the three live and die together.
struct AgentService::Generation
{
    AgentSettings settings;
    RequestFilter filter;
    std::vector<std::unique_ptr<StreamClient>> streams;

    bool isClosed() const
    {
        for (const auto &stream : streams) {
            const auto state = stream->status().state;
            if (state != StreamStatus::State::Stopped && state != StreamStatus::State::Rejected) {
                return false;
            }
            // A stopped stream may still be exchanging close frames with the gateway; deleting
            // it now would cut the last messages of its final request.
            if (stream->hasConnection()) {
                return false;
            }
        }
        return true;
    }
};

AgentService::AgentService(AccessLog *accessLog, QObject *parent)
    : QObject(parent)
    , m_accessLog(accessLog)
{
    qRegisterMetaType<StreamStatus>();
    m_drainTimer.setSingleShot(true);
    connect(&m_drainTimer, &QTimer::timeout, this, [this] {
        qCWarning(lcAgent) << "drain timeout reached with" << requestsInFlight()
                           << "requests in flight; closing them";
        stop();
        Q_EMIT drained();
    });
}

AgentService::~AgentService() = default;

bool AgentService::start(const AgentSettings &settings, QString *error)
{
    auto filter = RequestFilter::create(settings.vendor, settings.allowedProjects, error);
    if (!filter) {
        return false;
    }
    auto generation = std::make_unique<Generation>(Generation { settings, *filter, {} });
    for (int index = 0; index < settings.parallelism; ++index) {
        auto stream = std::make_unique<StreamClient>(index, generation->settings,
                                                     generation->filter, m_accessLog);
        connect(stream.get(), &StreamClient::statusChanged, this,
                &AgentService::handleStatusChanged);
        connect(stream.get(), &StreamClient::reconnectScheduled, this,
                &AgentService::reconnectScheduled);
        connect(stream.get(), &StreamClient::rejected, this, [this](const QString &message) {
            qCCritical(lcAgent).noquote() << message;
            stop();
            Q_EMIT rejected(message);
        });
        connect(stream.get(), &StreamClient::drained, this, &AgentService::handleDrained);
        generation->streams.push_back(std::move(stream));
    }
    if (m_current) {
        retire(std::move(m_current));
    }
    m_current = std::move(generation);
    m_draining = false;
    m_ready = false;
    qCInfo(lcAgent).noquote() << AgentSettingsReader::summary(m_current->settings,
                                                              m_current->filter);
    for (const auto &stream : m_current->streams) {
        stream->start();
    }
    return true;
}

void AgentService::retire(std::unique_ptr<Generation> generation)
{
    for (const auto &stream : generation->streams) {
        stream->drain();
    }
    if (!generation->isClosed()) {
        m_retiring.push_back(std::move(generation));
    }
}

void AgentService::drain(int timeoutMs)
{
    m_draining = true;
    const int inFlight = requestsInFlight();
    qCInfo(lcAgent) << "stopping: taking no new requests," << inFlight
                    << "in flight, waiting up to" << timeoutMs << "ms";
    if (m_current) {
        retire(std::move(m_current));
    }
    if (m_retiring.empty()) {
        Q_EMIT drained();
        return;
    }
    m_drainTimer.start(timeoutMs);
}

void AgentService::stop()
{
    m_drainTimer.stop();
    if (m_current) {
        for (const auto &stream : m_current->streams) {
            stream->stop();
        }
    }
    for (const auto &generation : m_retiring) {
        for (const auto &stream : generation->streams) {
            stream->stop();
        }
    }
}

void AgentService::handleDrained()
{
    // Deleting a generation from inside its stream's signal would destroy the sender.
    QMetaObject::invokeMethod(this, [this] {
        for (auto it = m_retiring.begin(); it != m_retiring.end();) {
            if ((*it)->isClosed()) {
                it = m_retiring.erase(it);
            } else {
                ++it;
            }
        }
        if (m_draining && m_retiring.empty() && m_drainTimer.isActive()) {
            m_drainTimer.stop();
            qCInfo(lcAgent) << "all requests in flight finished";
            Q_EMIT drained();
        }
    }, Qt::QueuedConnection);
}

void AgentService::handleStatusChanged(int index)
{
    if (!m_current || sender() == nullptr) {
        return;
    }
    bool fromCurrent = false;
    for (const auto &stream : m_current->streams) {
        if (stream.get() == sender()) {
            fromCurrent = true;
        }
    }
    if (!fromCurrent) {
        return;
    }
    Q_EMIT statusChanged(index);
    const bool ready = connectedCount() == streamCount() && streamCount() > 0;
    if (ready != m_ready) {
        m_ready = ready;
        Q_EMIT readinessChanged(ready);
    }
}

QList<StreamStatus> AgentService::statuses() const
{
    QList<StreamStatus> result;
    if (m_current) {
        for (const auto &stream : m_current->streams) {
            result.append(stream->status());
        }
    }
    return result;
}

int AgentService::connectedCount() const
{
    int count = 0;
    for (const StreamStatus &status : statuses()) {
        count += status.isConnected() ? 1 : 0;
    }
    return count;
}

int AgentService::streamCount() const
{
    return m_current ? int(m_current->streams.size()) : 0;
}

int AgentService::requestsInFlight() const
{
    int count = 0;
    const auto countIn = [&count](const Generation &generation) {
        for (const auto &stream : generation.streams) {
            count += stream->hasRequestInFlight() ? 1 : 0;
        }
    };
    if (m_current) {
        countIn(*m_current);
    }
    for (const auto &generation : m_retiring) {
        countIn(*generation);
    }
    return count;
}

const AgentSettings *AgentService::settings() const
{
    return m_current ? &m_current->settings : nullptr;
}

const RequestFilter *AgentService::filter() const
{
    return m_current ? &m_current->filter : nullptr;
}
