#include "configpage.h"

#include "common/pooltoken.h"
#include "filter/checkcommand.h"
#include "filter/requestfilter.h"

#include <QCheckBox>
#include <QComboBox>
#include <QCompleter>
#include <QFile>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollArea>
#include <QSpinBox>
#include <QSslCertificate>
#include <QUrl>
#include <QVBoxLayout>

namespace {

constexpr qint64 maxTokenFileSize = 64 * 1024;

QLabel *errorLabel(QWidget *parent, const char *objectName)
{
    auto *label = new QLabel(parent);
    label->setObjectName(QString::fromLatin1(objectName));
    label->setWordWrap(true);
    label->setStyleSheet(QStringLiteral("color: #cf222e;"));
    label->hide();
    return label;
}

void showError(QLabel *label, const QString &message)
{
    label->setText(message);
    label->setVisible(!message.isEmpty());
}

// Single-quotes `value` for a POSIX shell when it contains anything but safe characters.
QString shellQuoted(const QString &value)
{
    static const QString safe = QStringLiteral(
            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/_-.,:=@%+");
    const bool plain = !value.isEmpty()
            && std::all_of(value.begin(), value.end(), [](QChar c) { return safe.contains(c); });
    if (plain) {
        return value;
    }
    QString quoted = value;
    quoted.replace(QLatin1Char('\''), QStringLiteral("'\\''"));
    return QLatin1Char('\'') + quoted + QLatin1Char('\'');
}

} // namespace

ConfigPage::ConfigPage(QWidget *parent)
    : QWidget(parent)
    , m_target(new QLineEdit(this))
    , m_targetError(errorLabel(this, "targetError"))
    , m_vendor(new QComboBox(this))
    , m_projects(new QLineEdit(this))
    , m_projectsError(errorLabel(this, "projectsError"))
    , m_parallelism(new QSpinBox(this))
    , m_tags(new QPlainTextEdit(this))
    , m_tagsError(errorLabel(this, "tagsError"))
    , m_insecure(new QCheckBox(tr("Allow an unencrypted gateway (ws://)"), this))
    , m_caFile(new QLineEdit(this))
    , m_caFileError(errorLabel(this, "caFileError"))
    , m_token(new QLineEdit(this))
    , m_tokenError(errorLabel(this, "tokenError"))
    , m_tokenStatus(new QLabel(this))
    , m_overridden(new QLabel(this))
    , m_testMethod(new QLineEdit(QStringLiteral("GET"), this))
    , m_testTarget(new QLineEdit(this))
    , m_testResult(new QLabel(this))
    , m_testOutput(new QLabel(this))
    , m_testCommand(new QLabel(this))
    , m_apply(new QPushButton(tr("&Apply"), this))
    , m_revert(new QPushButton(tr("&Revert"), this))
{
    m_overridden->setObjectName(QStringLiteral("overriddenLabel"));
    m_overridden->setWordWrap(true);
    m_overridden->setStyleSheet(QStringLiteral("color: #9a6700;"));
    m_overridden->hide();
    m_apply->setObjectName(QStringLiteral("applyButton"));
    m_apply->setEnabled(false);

    auto *content = new QWidget(this);
    auto *contentLayout = new QVBoxLayout(content);
    contentLayout->addWidget(m_overridden);
    contentLayout->addWidget(buildSettingsForm());
    contentLayout->addWidget(buildTokenGroup());
    contentLayout->addWidget(buildTestGroup());
    contentLayout->addStretch(1);
    auto *scroll = new QScrollArea(this);
    scroll->setWidget(content);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);

    auto *buttons = new QHBoxLayout;
    buttons->addStretch(1);
    buttons->addWidget(m_revert);
    buttons->addWidget(m_apply);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(scroll, 1);
    layout->addLayout(buttons);

    connect(m_apply, &QPushButton::clicked, this, [this] {
        if (problems().isEmpty()) {
            Q_EMIT applyRequested(config(), enteredToken());
        }
    });
    connect(m_revert, &QPushButton::clicked, this, [this] {
        setConfig(m_saved);
        m_token->clear();
    });
    setConfig(StoredAgentConfig());
}

QWidget *ConfigPage::buildSettingsForm()
{
    auto *group = new QGroupBox(tr("Agent"), this);
    auto *form = new QFormLayout(group);
    m_target->setObjectName(QStringLiteral("targetEdit"));
    m_target->setPlaceholderText(QStringLiteral("https://gitlab.example.internal"));
    m_vendor->setObjectName(QStringLiteral("vendorBox"));
    m_vendor->addItem(QStringLiteral("GitLab"), QStringLiteral("gitlab"));
    m_vendor->addItem(QStringLiteral("Bitbucket Data Center"), QStringLiteral("bitbucket_datacenter"));
    m_vendor->addItem(QStringLiteral("GitHub Enterprise"), QStringLiteral("github_enterprise"));
    m_vendor->addItem(QStringLiteral("Azure DevOps"), QStringLiteral("azure_devops"));
    m_projects->setObjectName(QStringLiteral("projectsEdit"));
    m_projects->setPlaceholderText(QStringLiteral(".*"));
    m_projects->setToolTip(tr("A regular expression that must match the whole project path, "
                              "such as acme/(platform|infra)/.*"));
    m_parallelism->setRange(1, 256);
    m_parallelism->setObjectName(QStringLiteral("parallelismBox"));
    m_tags->setObjectName(QStringLiteral("tagsEdit"));
    m_tags->setPlaceholderText(tr("One NAME=VALUE per line"));
    m_tags->setMaximumHeight(m_tags->fontMetrics().height() * 5);
    m_caFile->setObjectName(QStringLiteral("caFileEdit"));
    m_caFile->setPlaceholderText(tr("System CA certificates only"));
    auto *browse = new QPushButton(tr("&Browse…"), group);
    auto *caRow = new QHBoxLayout;
    caRow->addWidget(m_caFile, 1);
    caRow->addWidget(browse);

    form->addRow(tr("&Target endpoint:"), m_target);
    form->addRow(QString(), m_targetError);
    form->addRow(tr("&Vendor:"), m_vendor);
    form->addRow(tr("Allowed &projects:"), m_projects);
    form->addRow(QString(), m_projectsError);
    form->addRow(tr("&Streams:"), m_parallelism);
    form->addRow(tr("&Metadata tags:"), m_tags);
    form->addRow(QString(), m_tagsError);
    form->addRow(QString(), m_insecure);
    form->addRow(tr("CA certificates:"), caRow);
    form->addRow(QString(), m_caFileError);

    connect(browse, &QPushButton::clicked, this, &ConfigPage::chooseCaFile);
    connect(m_target, &QLineEdit::textChanged, this, &ConfigPage::validate);
    connect(m_vendor, &QComboBox::currentIndexChanged, this, &ConfigPage::validate);
    connect(m_projects, &QLineEdit::textChanged, this, &ConfigPage::validate);
    connect(m_parallelism, &QSpinBox::valueChanged, this, &ConfigPage::validate);
    connect(m_tags, &QPlainTextEdit::textChanged, this, &ConfigPage::validate);
    connect(m_insecure, &QCheckBox::toggled, this, &ConfigPage::validate);
    connect(m_caFile, &QLineEdit::textChanged, this, &ConfigPage::validate);
    return group;
}

QWidget *ConfigPage::buildTokenGroup()
{
    auto *group = new QGroupBox(tr("Pool token"), this);
    auto *layout = new QVBoxLayout(group);
    m_token->setObjectName(QStringLiteral("tokenEdit"));
    m_token->setEchoMode(QLineEdit::Password);
    m_token->setPlaceholderText(tr("Paste a new token, or leave empty to keep the stored one"));
    m_tokenStatus->setObjectName(QStringLiteral("tokenStatus"));
    m_tokenStatus->setWordWrap(true);
    m_tokenStatus->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto *import = new QPushButton(tr("&Import…"), group);
    auto *row = new QHBoxLayout;
    row->addWidget(m_token, 1);
    row->addWidget(import);
    layout->addLayout(row);
    layout->addWidget(m_tokenError);
    layout->addWidget(m_tokenStatus);
    auto *note = new QLabel(tr("The token is stored in the system keychain, never in the "
                               "settings file."),
                            group);
    note->setWordWrap(true);
    layout->addWidget(note);

    connect(import, &QPushButton::clicked, this, &ConfigPage::chooseTokenFile);
    connect(m_token, &QLineEdit::textChanged, this, &ConfigPage::validate);
    return group;
}

QWidget *ConfigPage::buildTestGroup()
{
    auto *group = new QGroupBox(tr("Test a request"), this);
    auto *form = new QFormLayout(group);
    m_testMethod->setObjectName(QStringLiteral("testMethod"));
    m_testMethod->setMaximumWidth(m_testMethod->fontMetrics().horizontalAdvance(QLatin1Char('M'))
                                  * 10);
    m_testMethod->setCompleter(new QCompleter(
            QStringList{ QStringLiteral("GET"), QStringLiteral("POST"), QStringLiteral("PUT"),
                         QStringLiteral("PATCH"), QStringLiteral("DELETE"),
                         QStringLiteral("HEAD") },
            m_testMethod));
    m_testTarget->setObjectName(QStringLiteral("testTarget"));
    m_testTarget->setPlaceholderText(
            QStringLiteral("/api/v4/projects/acme%2Fapp/repository/branches"));
    auto *row = new QHBoxLayout;
    row->addWidget(m_testMethod);
    row->addWidget(m_testTarget, 1);
    m_testResult->setObjectName(QStringLiteral("testResult"));
    m_testResult->setWordWrap(true);
    m_testResult->setTextFormat(Qt::PlainText);
    m_testOutput->setObjectName(QStringLiteral("testOutput"));
    m_testOutput->setWordWrap(true);
    m_testOutput->setTextFormat(Qt::PlainText);
    m_testOutput->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_testCommand->setObjectName(QStringLiteral("testCommand"));
    m_testCommand->setWordWrap(true);
    m_testCommand->setTextFormat(Qt::PlainText);
    m_testCommand->setTextInteractionFlags(Qt::TextSelectableByMouse);
    QFont monospace = m_testOutput->font();
    monospace.setStyleHint(QFont::Monospace);
    monospace.setFamily(QStringLiteral("monospace"));
    m_testOutput->setFont(monospace);
    m_testCommand->setFont(monospace);
    form->addRow(tr("Re&quest:"), row);
    form->addRow(tr("Decision:"), m_testResult);
    form->addRow(tr("Output:"), m_testOutput);
    form->addRow(tr("Command:"), m_testCommand);

    connect(m_testMethod, &QLineEdit::textChanged, this, &ConfigPage::runCheck);
    connect(m_testTarget, &QLineEdit::textChanged, this, &ConfigPage::runCheck);
    return group;
}

void ConfigPage::setConfig(const StoredAgentConfig &config)
{
    m_saved = config;
    m_target->setText(config.targetBaseEndpoint);
    const int vendorIndex = m_vendor->findData(config.vendor);
    m_vendor->setCurrentIndex(vendorIndex >= 0 ? vendorIndex : 0);
    m_projects->setText(config.allowedProjects);
    m_parallelism->setValue(config.parallelism);
    m_tags->setPlainText(config.metadataTags.join(QLatin1Char('\n')));
    m_insecure->setChecked(config.dialInsecure);
    m_caFile->setText(config.caCertificateFile);
    validate();
}

StoredAgentConfig ConfigPage::config() const
{
    StoredAgentConfig config;
    config.targetBaseEndpoint = m_target->text().trimmed();
    config.vendor = vendorValue();
    config.allowedProjects = m_projects->text().isEmpty() ? QStringLiteral(".*")
                                                          : m_projects->text();
    config.parallelism = m_parallelism->value();
    for (const QString &line : m_tags->toPlainText().split(QLatin1Char('\n'))) {
        if (!line.trimmed().isEmpty()) {
            config.metadataTags.append(line.trimmed());
        }
    }
    config.dialInsecure = m_insecure->isChecked();
    config.caCertificateFile = m_caFile->text().trimmed();
    return config;
}

QString ConfigPage::enteredToken() const
{
    return m_token->text().trimmed();
}

QString ConfigPage::vendorValue() const
{
    return m_vendor->currentData().toString();
}

void ConfigPage::setOverridden(const QStringList &names)
{
    m_overridden->setText(
            tr("These settings come from the command line or the environment and override what "
               "is saved here: %1")
                    .arg(names.join(QStringLiteral(", "))));
    m_overridden->setVisible(!names.isEmpty());
}

void ConfigPage::setTokenStatus(const QString &text)
{
    m_tokenStatus->setText(text);
}

QString ConfigPage::validateTarget(const QString &text)
{
    const QString trimmed = text.trimmed();
    if (trimmed.isEmpty()) {
        return tr("Enter the base URL of the VCS, such as https://gitlab.example.internal.");
    }
    const QUrl url(trimmed, QUrl::StrictMode);
    const QString scheme = url.scheme();
    if (!url.isValid() || url.host().isEmpty()
        || (scheme != QStringLiteral("http") && scheme != QStringLiteral("https"))) {
        return tr("Enter an http:// or https:// URL with a host name.");
    }
    if (url.hasQuery() || url.hasFragment() || !url.userInfo().isEmpty()) {
        return tr("Remove the query, fragment or user name from the URL.");
    }
    return {};
}

QString ConfigPage::validateProjects(const QString &vendor, const QString &pattern)
{
    const std::optional<Vendor> parsed = vendorFromName(vendor);
    if (!parsed) {
        return tr("Choose a vendor.");
    }
    QString error;
    const QString effective = pattern.isEmpty() ? QStringLiteral(".*") : pattern;
    if (!RequestFilter::create(*parsed, effective, &error)) {
        return tr("Invalid pattern: %1").arg(error);
    }
    return {};
}

QString ConfigPage::validateTags(const QString &text)
{
    const QStringList lines = text.split(QLatin1Char('\n'));
    for (int i = 0; i < lines.size(); ++i) {
        const QString line = lines.at(i).trimmed();
        if (line.isEmpty()) {
            continue;
        }
        const qsizetype equals = line.indexOf(QLatin1Char('='));
        const QString name = line.left(equals);
        const bool validName = equals > 0
                && std::all_of(name.begin(), name.end(), [](QChar c) {
                       return c.isLetterOrNumber() || c == QLatin1Char('_');
                   });
        if (!validName) {
            return tr("Line %1 is not NAME=VALUE with a name of letters, digits and _.")
                    .arg(i + 1);
        }
    }
    return {};
}

QString ConfigPage::validateCaFile(const QString &fileName)
{
    if (fileName.trimmed().isEmpty()) {
        return {};
    }
    QFile file(fileName.trimmed());
    if (!file.open(QIODevice::ReadOnly)) {
        return tr("Cannot read the file: %1").arg(file.errorString());
    }
    if (QSslCertificate::fromData(file.read(4 * 1024 * 1024), QSsl::Pem).isEmpty()) {
        return tr("The file contains no PEM certificate.");
    }
    return {};
}

QString ConfigPage::validateToken(const QString &token, bool dialInsecure)
{
    if (token.trimmed().isEmpty()) {
        return {};
    }
    QString error;
    const std::optional<PoolToken> decoded = PoolToken::decode(token.trimmed(), &error);
    if (!decoded) {
        return tr("This is not a pool token: %1").arg(error);
    }
    if (decoded->gatewayUrl.scheme() == QStringLiteral("ws") && !dialInsecure) {
        return tr("The token's gateway uses plain ws://; turn on \"Allow an unencrypted "
                  "gateway\" or use a wss:// gateway.");
    }
    return {};
}

QStringList ConfigPage::problems() const
{
    QStringList result;
    for (const QString &problem :
         { validateTarget(m_target->text()), validateProjects(vendorValue(), m_projects->text()),
           validateTags(m_tags->toPlainText()), validateCaFile(m_caFile->text()),
           validateToken(m_token->text(), m_insecure->isChecked()) }) {
        if (!problem.isEmpty()) {
            result.append(problem);
        }
    }
    return result;
}

void ConfigPage::validate()
{
    showError(m_targetError, validateTarget(m_target->text()));
    showError(m_projectsError, validateProjects(vendorValue(), m_projects->text()));
    showError(m_tagsError, validateTags(m_tags->toPlainText()));
    showError(m_caFileError, validateCaFile(m_caFile->text()));
    showError(m_tokenError, validateToken(m_token->text(), m_insecure->isChecked()));
    const bool changed = !(config() == m_saved) || !enteredToken().isEmpty();
    m_apply->setEnabled(changed && problems().isEmpty());
    m_revert->setEnabled(changed);
    runCheck();
}

void ConfigPage::runCheck()
{
    const QString method = m_testMethod->text().trimmed();
    const QString target = m_testTarget->text().trimmed();
    if (method.isEmpty() || target.isEmpty()) {
        m_testResult->setText(tr("Enter a method and a request target to see the decision."));
        m_testResult->setStyleSheet(QString());
        m_testOutput->clear();
        m_testCommand->clear();
        return;
    }
    const QString projects = m_projects->text().isEmpty() ? QStringLiteral(".*")
                                                          : m_projects->text();
    const QStringList arguments{ QStringLiteral("--vendor"), vendorValue(),
                                 QStringLiteral("--allowed-projects"), projects, method, target };
    m_testCommand->setText(QStringLiteral("vcs-agent check --vendor %1 --allowed-projects %2 %3 %4")
                                   .arg(shellQuoted(vendorValue()), shellQuoted(projects),
                                        shellQuoted(method), shellQuoted(target)));

    QString output;
    QString errors;
    QTextStream out(&output);
    QTextStream err(&errors);
    const int exitCode = runCheckCommand(arguments, QProcessEnvironment(), out, err);
    out.flush();
    err.flush();
    if (exitCode == 2) {
        m_testResult->setText(tr("Cannot check: %1").arg(errors.trimmed()));
        m_testResult->setStyleSheet(QStringLiteral("color: #cf222e;"));
        m_testOutput->clear();
        return;
    }
    const QJsonObject answer = QJsonDocument::fromJson(output.toUtf8()).object();
    const QString rule = answer.value(QStringLiteral("rule")).toString();
    const QString project = answer.value(QStringLiteral("project")).toString();
    const QString reason = answer.value(QStringLiteral("reason")).toString();
    if (exitCode == 0) {
        m_testResult->setText(tr("Allowed by rule %1 (%2), project %3")
                                      .arg(rule, answer.value(QStringLiteral("description")).toString(),
                                           project.isEmpty() ? tr("none") : project));
        m_testResult->setStyleSheet(QStringLiteral("color: #1a7f37; font-weight: bold;"));
    } else {
        m_testResult->setText(tr("Denied: %1").arg(reason));
        m_testResult->setStyleSheet(QStringLiteral("color: #cf222e; font-weight: bold;"));
    }
    m_testOutput->setText(output.trimmed());
}

QString ConfigPage::checkResult() const
{
    return m_testResult->text();
}

QString ConfigPage::checkOutput() const
{
    return m_testOutput->text();
}

bool ConfigPage::importTokenFile(const QString &fileName, QString *error)
{
    QFile file(fileName);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = tr("Cannot read %1: %2").arg(fileName, file.errorString());
        return false;
    }
    if (file.size() > maxTokenFileSize) {
        *error = tr("%1 is larger than 64 KiB and cannot be a token file.").arg(fileName);
        return false;
    }
    const QString token = QString::fromUtf8(file.readAll()).trimmed();
    QString decodeError;
    if (!PoolToken::decode(token, &decodeError)) {
        *error = tr("%1 does not contain a pool token: %2").arg(fileName, decodeError);
        return false;
    }
    m_token->setText(token);
    return true;
}

void ConfigPage::chooseCaFile()
{
    const QString fileName = QFileDialog::getOpenFileName(
            this, tr("Choose CA Certificates"), QString(),
            tr("PEM certificates (*.pem *.crt *.cer);;All files (*)"));
    if (!fileName.isEmpty()) {
        m_caFile->setText(fileName);
    }
}

void ConfigPage::chooseTokenFile()
{
    const QString fileName = QFileDialog::getOpenFileName(this, tr("Import Pool Token"),
                                                          QString(), tr("All files (*)"));
    if (fileName.isEmpty()) {
        return;
    }
    QString error;
    if (!importTokenFile(fileName, &error)) {
        showError(m_tokenError, error);
    }
}
