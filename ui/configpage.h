#pragma once

#include "desktopsettings.h"

#include <QWidget>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;

// The Configuration tab: target endpoint, vendor, allowed projects with live validation, a box
// that shows what `vcs-agent check` answers for a request, parallelism, metadata tags,
// unencrypted gateway, CA file and the pool token, which goes to the keychain on Apply.
class ConfigPage final : public QWidget
{
    Q_OBJECT

public:
    explicit ConfigPage(QWidget *parent = nullptr);

    // Shows `config` as the saved state; Apply becomes available after an edit.
    void setConfig(const StoredAgentConfig &config);
    StoredAgentConfig config() const;
    // The token typed or imported since the last Apply, empty when unchanged.
    QString enteredToken() const;
    // Flags and variables that override stored settings, shown as a warning.
    void setOverridden(const QStringList &names);
    // A line under the token field: where the running token comes from, or a keychain problem.
    void setTokenStatus(const QString &text);
    // Every validation message of the form, empty when it can be applied.
    QStringList problems() const;
    // Reads a token file as `vcs-gateway pool create` writes it (the token, maybe with
    // whitespace around it) into the token field.
    bool importTokenFile(const QString &fileName, QString *error);

    // Validation of single fields; each returns a message for people, or nothing when valid.
    static QString validateTarget(const QString &text);
    static QString validateProjects(const QString &vendor, const QString &pattern);
    static QString validateTags(const QString &text);
    static QString validateCaFile(const QString &fileName);
    static QString validateToken(const QString &token, bool dialInsecure);

    // The `vcs-agent check` answer for the request in the test box: the decision line and the
    // JSON object the command prints.
    QString checkResult() const;
    QString checkOutput() const;
    QLineEdit *testMethod() const { return m_testMethod; }
    QLineEdit *testTarget() const { return m_testTarget; }
    QLineEdit *targetEdit() const { return m_target; }
    QLineEdit *projectsEdit() const { return m_projects; }
    QComboBox *vendorBox() const { return m_vendor; }
    QPlainTextEdit *tagsEdit() const { return m_tags; }
    QLineEdit *caFileEdit() const { return m_caFile; }
    QLineEdit *tokenEdit() const { return m_token; }
    QCheckBox *insecureBox() const { return m_insecure; }
    QPushButton *applyButton() const { return m_apply; }

Q_SIGNALS:
    void applyRequested(const StoredAgentConfig &config, const QString &token);

private:
    QWidget *buildSettingsForm();
    QWidget *buildTokenGroup();
    QWidget *buildTestGroup();
    void validate();
    void runCheck();
    void chooseCaFile();
    void chooseTokenFile();
    QString vendorValue() const;

    StoredAgentConfig m_saved;
    QLineEdit *m_target;
    QLabel *m_targetError;
    QComboBox *m_vendor;
    QLineEdit *m_projects;
    QLabel *m_projectsError;
    QSpinBox *m_parallelism;
    QPlainTextEdit *m_tags;
    QLabel *m_tagsError;
    QCheckBox *m_insecure;
    QLineEdit *m_caFile;
    QLabel *m_caFileError;
    QLineEdit *m_token;
    QLabel *m_tokenError;
    QLabel *m_tokenStatus;
    QLabel *m_overridden;
    QLineEdit *m_testMethod;
    QLineEdit *m_testTarget;
    QLabel *m_testResult;
    QLabel *m_testOutput;
    QLabel *m_testCommand;
    QPushButton *m_apply;
    QPushButton *m_revert;
};
