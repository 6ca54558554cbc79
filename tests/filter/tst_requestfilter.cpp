#include "filter/requestfilter.h"

#include <QElapsedTimer>
#include <QTest>

namespace {

const QString sha = QStringLiteral("0123456789abcdef0123456789abcdef01234567");

void addRow(const char *name, const char *vendor, const char *pattern, const char *method,
            const QString &target, const char *rule, const char *project)
{
    QTest::newRow(name) << QString::fromLatin1(vendor) << QString::fromUtf8(pattern)
                        << QByteArray(method) << target.toUtf8() << QString::fromLatin1(rule)
                        << QString::fromUtf8(project);
}

// Adds a request that must be allowed by `rule`.
void allow(const char *name, const char *vendor, const char *method, const QString &target,
           const char *rule, const char *project = "", const char *pattern = ".*")
{
    addRow(name, vendor, pattern, method, target, rule, project);
}

// Adds a request that must be denied.
void deny(const char *name, const char *vendor, const char *method, const QString &target,
          const char *pattern = ".*", const char *project = "")
{
    addRow(name, vendor, pattern, method, target, "", project);
}

std::optional<RequestFilter> makeFilter(const QString &vendor, const QString &pattern)
{
    QString error;
    std::optional<RequestFilter> filter = RequestFilter::create(*vendorFromName(vendor), pattern,
                                                                &error);
    if (!filter) {
        qWarning("%s", qPrintable(error));
    }
    return filter;
}

} // namespace

class TestRequestFilter : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void evaluate_data();
    void evaluate();
    void methodOverrideHeader_data();
    void methodOverrideHeader();
    void vendorNames();
    void invalidPattern_data();
    void invalidPattern();
    void anchoredPattern();
    void projectLengthCap();
    void catastrophicPatternIsBounded();
    void graphqlNeedsBody();
    void graphqlBodyTooLarge();

private:
    void addGitLabRows();
    void addBitbucketRows();
    void addGitHubRows();
    void addAzureDevOpsRows();
};

void TestRequestFilter::addGitLabRows()
{
    const QString p = QStringLiteral("/api/v4/projects/acme%2Fapp");
    const char *gl = "gitlab";
    allow("gl api root", gl, "GET", QStringLiteral("/api/v4"), "api-root");
    allow("gl version", gl, "GET", QStringLiteral("/api/v4/version"), "version");
    allow("gl user", gl, "GET", QStringLiteral("/api/v4/user"), "current-user");
    allow("gl projects", gl, "GET", QStringLiteral("/api/v4/projects?membership=true"), "projects-list");
    allow("gl project", gl, "GET", p, "project-get", "acme/app", "acme/app");
    allow("gl branches", gl, "GET", p + QStringLiteral("/repository/branches"), "branches-list", "acme/app", "acme/.*");
    allow("gl branch", gl, "GET", p + QStringLiteral("/repository/branches/feature%2Fx"), "branch-get", "acme/app");
    allow("gl commit", gl, "GET", p + QStringLiteral("/repository/commits/") + sha, "commit-get", "acme/app");
    allow("gl compare", gl, "GET", p + QStringLiteral("/repository/compare?from=a&to=b"), "compare", "acme/app");
    allow("gl archive", gl, "GET", p + QStringLiteral("/repository/archive?sha=main"), "archive", "acme/app");
    allow("gl archive tar.gz", gl, "GET", p + QStringLiteral("/repository/archive.tar.gz"), "archive", "acme/app");
    allow("gl archive zip", gl, "GET", p + QStringLiteral("/repository/archive.zip"), "archive", "acme/app");
    allow("gl raw file", gl, "GET", p + QStringLiteral("/repository/files/.spacelift%2Fconfig.yml/raw?ref=main"), "config-file-raw", "acme/app");
    allow("gl statuses list", gl, "GET", p + QStringLiteral("/repository/commits/") + sha + QStringLiteral("/statuses"), "commit-statuses-list", "acme/app");
    allow("gl status create", gl, "POST", p + QStringLiteral("/statuses/") + sha, "commit-status-create", "acme/app");
    allow("gl environments list", gl, "GET", p + QStringLiteral("/environments"), "environments-list", "acme/app");
    allow("gl environment create", gl, "POST", p + QStringLiteral("/environments"), "environment-create", "acme/app");
    allow("gl environment stop", gl, "POST", p + QStringLiteral("/environments/7/stop"), "environment-stop", "acme/app");
    allow("gl environment delete", gl, "DELETE", p + QStringLiteral("/environments/7"), "environment-delete", "acme/app");
    allow("gl deployment create", gl, "POST", p + QStringLiteral("/deployments"), "deployment-create", "acme/app");
    allow("gl deployment update", gl, "PUT", p + QStringLiteral("/deployments/9"), "deployment-update", "acme/app");
    allow("gl mrs list", gl, "GET", p + QStringLiteral("/merge_requests?state=opened"), "merge-requests-list", "acme/app");
    allow("gl mr get", gl, "GET", p + QStringLiteral("/merge_requests/3"), "merge-request-get", "acme/app");
    allow("gl mrs by commit", gl, "GET", p + QStringLiteral("/repository/commits/") + sha + QStringLiteral("/merge_requests"), "merge-requests-by-commit", "acme/app");
    allow("gl mr approvals", gl, "GET", p + QStringLiteral("/merge_requests/3/approvals"), "merge-request-approvals", "acme/app");
    allow("gl mr note create", gl, "POST", p + QStringLiteral("/merge_requests/3/notes"), "merge-request-note-create", "acme/app");
    allow("gl mr note update", gl, "PUT", p + QStringLiteral("/merge_requests/3/notes/11"), "merge-request-note-update", "acme/app");
    allow("gl clone refs", gl, "GET", QStringLiteral("/acme/app.git/info/refs?service=git-upload-pack"), "git-info-refs", "acme/app", "acme/app");
    allow("gl clone refs no .git", gl, "GET", QStringLiteral("/acme/app/info/refs?service=git-upload-pack"), "git-info-refs", "acme/app", "acme/app");
    allow("gl clone upload-pack", gl, "POST", QStringLiteral("/acme/sub/app.git/git-upload-pack"), "git-upload-pack", "acme/sub/app", "acme/sub/app");
    allow("gl clone upload-pack no .git", gl, "POST", QStringLiteral("/acme/sub/app/git-upload-pack"), "git-upload-pack", "acme/sub/app");
    allow("gl numeric id", gl, "GET", QStringLiteral("/api/v4/projects/12/repository/branches"), "branches-list", "id:12");
    allow("gl encoded tilde-free case kept", gl, "GET", QStringLiteral("/api/v4/projects/Acme%2FApp"), "project-get", "Acme/App", "acme/app");

    deny("gl numeric id with pattern", gl, "GET", QStringLiteral("/api/v4/projects/12"), "acme/.*", "id:12");
    deny("gl single-part project", gl, "GET", QStringLiteral("/api/v4/projects/acme"));
    deny("gl excluded case variant", gl, "GET", QStringLiteral("/api/v4/projects/SECRET%2Fx"), "(?!secret/).*", "SECRET/x");
    deny("gl substring pattern", gl, "GET", p + QStringLiteral("-secrets"), "acme/app");
    deny("gl pattern alternation anchored", gl, "GET", QStringLiteral("/api/v4/projects/evil%2Fb-x"), "a|b");
    deny("gl push refs", gl, "GET", QStringLiteral("/acme/app.git/info/refs?service=git-receive-pack"));
    deny("gl refs without service", gl, "GET", QStringLiteral("/acme/app.git/info/refs"));
    deny("gl refs service twice", gl, "GET", QStringLiteral("/acme/app.git/info/refs?service=git-upload-pack&service=git-receive-pack"));
    deny("gl receive-pack", gl, "POST", QStringLiteral("/acme/app.git/git-receive-pack"));
    deny("gl upload-pack by GET", gl, "GET", QStringLiteral("/acme/app.git/git-upload-pack"));
    deny("gl lower-case method", gl, "get", QStringLiteral("/api/v4/user"));
    deny("gl project delete", gl, "DELETE", p);
    deny("gl project edit", gl, "PUT", p);
    deny("gl unknown route", gl, "GET", p + QStringLiteral("/variables"));
    deny("gl extra segment", gl, "GET", QStringLiteral("/api/v4/user/keys"));
    deny("gl prefix before api", gl, "GET", QStringLiteral("/x/api/v4/user"));
    deny("gl encoded api segment", gl, "GET", QStringLiteral("/api%2Fv4/user"));
    deny("gl traversal in file", gl, "GET", p + QStringLiteral("/repository/files/..%2F..%2Fx/raw"));
    deny("gl project over cap", gl, "GET", QStringLiteral("/api/v4/projects/a%2F") + QString(600, QLatin1Char('b')));
    deny("gl encoded semicolon project", gl, "GET", QStringLiteral("/api/v4/projects/acme%2Fapp%3B"));
}

void TestRequestFilter::addBitbucketRows()
{
    const QString r = QStringLiteral("/rest/api/1.0/projects/ACME/repos/app");
    const char *bb = "bitbucket_datacenter";
    allow("bb user", bb, "GET", QStringLiteral("/rest/api/1.0/users/ci-bot"), "user-get");
    allow("bb repos", bb, "GET", QStringLiteral("/rest/api/1.0/repos?limit=100"), "repositories-list");
    allow("bb repo", bb, "GET", r, "repository-get", "ACME/app", "acme/app");
    allow("bb repo latest", bb, "GET", QStringLiteral("/rest/api/latest/projects/ACME/repos/app"), "repository-get", "ACME/app");
    allow("bb branches", bb, "GET", r + QStringLiteral("/branches"), "branches-list", "ACME/app");
    allow("bb commit", bb, "GET", r + QStringLiteral("/commits/") + sha, "commit-get", "ACME/app");
    allow("bb build status", bb, "POST", r + QStringLiteral("/commits/") + sha + QStringLiteral("/builds"), "build-status-create", "ACME/app");
    allow("bb prs by commit", bb, "GET", r + QStringLiteral("/commits/") + sha + QStringLiteral("/pull-requests"), "pull-requests-by-commit", "ACME/app");
    allow("bb compare changes", bb, "GET", r + QStringLiteral("/compare/changes?from=a&to=b"), "compare-changes", "ACME/app");
    allow("bb compare commits", bb, "GET", r + QStringLiteral("/compare/commits?from=a&to=b"), "compare-commits", "ACME/app");
    allow("bb archive", bb, "GET", r + QStringLiteral("/archive?at=main&format=tgz"), "archive", "ACME/app");
    allow("bb raw", bb, "GET", QStringLiteral("/projects/ACME/repos/app/raw/.spacelift/config.yml?at=refs%2Fheads%2Fmain"), "config-file-raw", "ACME/app", "ACME/app");
    allow("bb rest raw", bb, "GET", r + QStringLiteral("/raw/.spacelift/config.yml"), "config-file-raw", "ACME/app");
    allow("bb prs", bb, "GET", r + QStringLiteral("/pull-requests?at=refs%2Fheads%2Fx&direction=OUTGOING"), "pull-requests-list", "ACME/app");
    allow("bb pr", bb, "GET", r + QStringLiteral("/pull-requests/7"), "pull-request-get", "ACME/app");
    allow("bb pr diff", bb, "GET", r + QStringLiteral("/pull-requests/7/diff"), "pull-request-diff", "ACME/app");
    allow("bb merge check", bb, "GET", r + QStringLiteral("/pull-requests/7/merge"), "pull-request-merge-check", "ACME/app");
    allow("bb comment create", bb, "POST", r + QStringLiteral("/pull-requests/7/comments"), "pull-request-comment-create", "ACME/app");
    allow("bb comment get", bb, "GET", r + QStringLiteral("/pull-requests/7/comments/5"), "pull-request-comment-get", "ACME/app");
    allow("bb comment update", bb, "PUT", r + QStringLiteral("/pull-requests/7/comments/5"), "pull-request-comment-update", "ACME/app");
    allow("bb clone refs", bb, "GET", QStringLiteral("/scm/ACME/app.git/info/refs?service=git-upload-pack"), "git-info-refs", "ACME/app", "acme/app");
    allow("bb clone upload-pack", bb, "POST", QStringLiteral("/scm/ACME/app.git/git-upload-pack"), "git-upload-pack", "ACME/app");
    allow("bb personal encoded tilde", bb, "GET", QStringLiteral("/rest/api/1.0/projects/%7EUSER1/repos/dotfiles"), "repository-get", "~USER1/dotfiles", "~user1/dotfiles");
    allow("bb key case-insensitive", bb, "GET", QStringLiteral("/rest/api/1.0/projects/acme/repos/app"), "repository-get", "acme/app", "ACME/app");

    deny("bb personal denied", bb, "GET", QStringLiteral("/rest/api/1.0/projects/~USER1/repos/dotfiles"), "ACME/.*", "~USER1/dotfiles");
    deny("bb personal encoded denied", bb, "GET", QStringLiteral("/rest/api/1.0/projects/%7eUSER1/repos/dotfiles"), "ACME/.*", "~USER1/dotfiles");
    deny("bb push refs", bb, "GET", QStringLiteral("/scm/ACME/app.git/info/refs?service=git-receive-pack"));
    deny("bb receive-pack", bb, "POST", QStringLiteral("/scm/ACME/app.git/git-receive-pack"));
    deny("bb repo delete", bb, "DELETE", r);
    deny("bb comment delete", bb, "DELETE", r + QStringLiteral("/pull-requests/7/comments/5"));
    deny("bb pr merge", bb, "POST", r + QStringLiteral("/pull-requests/7/merge"));
    deny("bb other project", bb, "GET", QStringLiteral("/rest/api/1.0/projects/OTHER/repos/secret"), "ACME/.*");
    deny("bb raw traversal", bb, "GET", QStringLiteral("/projects/ACME/repos/app/raw/a/%2E%2E/%2E%2E/x"), "ACME/app");
    deny("bb admin", bb, "GET", QStringLiteral("/rest/api/1.0/admin/users"));
}

void TestRequestFilter::addGitHubRows()
{
    const char *gh = "github_enterprise";
    const QString r = QStringLiteral("/api/v3/repos/acme/app");
    allow("gh repo", gh, "GET", r, "repository-get", "acme/app", "acme/app");
    allow("gh repo no prefix", gh, "GET", QStringLiteral("/repos/acme/app"), "repository-get", "acme/app", "acme/app");
    allow("gh branches", gh, "GET", r + QStringLiteral("/branches"), "branches-list", "acme/app");
    allow("gh branch", gh, "GET", r + QStringLiteral("/branches/main"), "branch-get", "acme/app");
    allow("gh compare", gh, "GET", r + QStringLiteral("/compare/main...dev"), "compare", "acme/app");
    allow("gh compare encoded", gh, "GET", r + QStringLiteral("/compare/main...feature%2Fx"), "compare", "acme/app");
    allow("gh commits", gh, "GET", r + QStringLiteral("/commits?sha=main"), "commits-list", "acme/app");
    allow("gh commit", gh, "GET", r + QStringLiteral("/commits/") + sha, "commit-get", "acme/app");
    allow("gh status create", gh, "POST", r + QStringLiteral("/statuses/") + sha, "commit-status-create", "acme/app");
    allow("gh statuses", gh, "GET", r + QStringLiteral("/commits/main/statuses"), "commit-statuses-list", "acme/app");
    allow("gh check run create", gh, "POST", r + QStringLiteral("/check-runs"), "check-run-create", "acme/app");
    allow("gh check run update", gh, "PATCH", r + QStringLiteral("/check-runs/4"), "check-run-update", "acme/app");
    allow("gh check runs", gh, "GET", r + QStringLiteral("/commits/") + sha + QStringLiteral("/check-runs"), "check-runs-list", "acme/app");
    allow("gh deployments", gh, "GET", r + QStringLiteral("/deployments"), "deployments-list", "acme/app");
    allow("gh deployment create", gh, "POST", r + QStringLiteral("/deployments"), "deployment-create", "acme/app");
    allow("gh deployment statuses", gh, "GET", r + QStringLiteral("/deployments/3/statuses"), "deployment-statuses-list", "acme/app");
    allow("gh deployment status create", gh, "POST", r + QStringLiteral("/deployments/3/statuses"), "deployment-status-create", "acme/app");
    allow("gh tarball", gh, "GET", r + QStringLiteral("/tarball/") + sha, "tarball", "acme/app");
    allow("gh codeload", gh, "GET", QStringLiteral("/_codeload/acme/app/legacy.tar.gz/") + sha, "tarball-codeload", "acme/app", "acme/app");
    allow("gh codeload ref", gh, "GET", QStringLiteral("/_codeload/acme/app/tar.gz/refs/heads/main"), "tarball-codeload", "acme/app");
    allow("gh pulls", gh, "GET", r + QStringLiteral("/pulls?state=open"), "pull-requests-list", "acme/app");
    allow("gh pull", gh, "GET", r + QStringLiteral("/pulls/5"), "pull-request-get", "acme/app");
    allow("gh pull files", gh, "GET", r + QStringLiteral("/pulls/5/files"), "pull-request-files", "acme/app");
    allow("gh pulls by commit", gh, "GET", r + QStringLiteral("/commits/") + sha + QStringLiteral("/pulls"), "pull-requests-by-commit", "acme/app");
    allow("gh graphql", gh, "POST", QStringLiteral("/api/graphql"), "graphql");
    allow("gh graphql short", gh, "POST", QStringLiteral("/graphql"), "graphql");
    allow("gh app", gh, "GET", QStringLiteral("/api/v3/app"), "app-get");
    allow("gh installations", gh, "GET", QStringLiteral("/api/v3/app/installations"), "app-installations-list");
    allow("gh installation token", gh, "POST", QStringLiteral("/api/v3/app/installations/42/access_tokens"), "app-installation-token");
    allow("gh repo installation", gh, "GET", r + QStringLiteral("/installation"), "repository-installation", "acme/app");
    allow("gh user", gh, "GET", QStringLiteral("/api/v3/user"), "current-user");
    allow("gh users", gh, "GET", QStringLiteral("/api/v3/users/octo"), "user-get");
    allow("gh case-insensitive owner", gh, "GET", QStringLiteral("/api/v3/repos/ACME/App"), "repository-get", "ACME/App", "acme/app");

    deny("gh graphql needs body", gh, "POST", QStringLiteral("/api/graphql"), "acme/app");
    deny("gh create ref", gh, "POST", r + QStringLiteral("/git/refs"));
    deny("gh contents write", gh, "PUT", r + QStringLiteral("/contents/x"));
    deny("gh compare extra", gh, "GET", r + QStringLiteral("/compare/a...b/c"));
    deny("gh repo delete", gh, "DELETE", r);
    deny("gh other repo", gh, "GET", QStringLiteral("/api/v3/repos/other/secret"), "acme/app");
    deny("gh double prefix", gh, "GET", QStringLiteral("/api/v3/api/v3/repos/acme/app"));
    deny("gh admin", gh, "GET", QStringLiteral("/api/v3/admin/users"));
}

void TestRequestFilter::addAzureDevOpsRows()
{
    const char *ado = "azure_devops";
    const QString r = QStringLiteral("/org/proj/_apis/git/repositories/app");
    allow("ado connection data", ado, "GET", QStringLiteral("/org/_apis/connectionData"), "connection-data");
    allow("ado resource areas", ado, "GET", QStringLiteral("/org/_apis/resourceAreas"), "resource-areas");
    allow("ado resource area", ado, "GET", QStringLiteral("/_apis/resourceAreas/4e080c62"), "resource-area-get");
    allow("ado repos", ado, "GET", QStringLiteral("/org/proj/_apis/git/repositories?api-version=7.0"), "repositories-list", "org/proj");
    allow("ado repo", ado, "GET", r + QStringLiteral("?api-version=7.0"), "repository-get", "org/proj/app", "org/proj/app");
    allow("ado items", ado, "GET", r + QStringLiteral("/items?path=%2F.spacelift%2Fconfig.yml&api-version=7.0"), "items-get", "org/proj/app");
    allow("ado commits", ado, "GET", r + QStringLiteral("/commits"), "commits-list", "org/proj/app");
    allow("ado commit", ado, "GET", r + QStringLiteral("/commits/") + sha, "commit-get", "org/proj/app");
    allow("ado commit changes", ado, "GET", r + QStringLiteral("/commits/") + sha + QStringLiteral("/changes"), "commit-changes", "org/proj/app");
    allow("ado statuses", ado, "GET", r + QStringLiteral("/commits/") + sha + QStringLiteral("/statuses"), "commit-statuses-list", "org/proj/app");
    allow("ado status create", ado, "POST", r + QStringLiteral("/commits/") + sha + QStringLiteral("/statuses"), "commit-status-create", "org/proj/app");
    allow("ado diffs", ado, "GET", r + QStringLiteral("/diffs/commits?baseVersion=a&targetVersion=b"), "diffs", "org/proj/app");
    allow("ado branch stats", ado, "GET", r + QStringLiteral("/stats/branches"), "branch-stats", "org/proj/app");
    allow("ado prs", ado, "GET", r + QStringLiteral("/pullrequests"), "pull-requests-list", "org/proj/app");
    allow("ado pr", ado, "GET", r + QStringLiteral("/pullrequests/8"), "pull-request-get", "org/proj/app");
    allow("ado pr status", ado, "POST", r + QStringLiteral("/pullrequests/8/statuses"), "pull-request-status-create", "org/proj/app");
    allow("ado threads", ado, "GET", r + QStringLiteral("/pullrequests/8/threads"), "threads-list", "org/proj/app");
    allow("ado thread create", ado, "POST", r + QStringLiteral("/pullrequests/8/threads"), "thread-create", "org/proj/app");
    allow("ado thread", ado, "GET", r + QStringLiteral("/pullrequests/8/threads/2"), "thread-get", "org/proj/app");
    allow("ado comment create", ado, "POST", r + QStringLiteral("/pullrequests/8/threads/2/comments"), "comment-create", "org/proj/app");
    allow("ado comment update", ado, "PATCH", r + QStringLiteral("/pullrequests/8/threads/2/comments/1"), "comment-update", "org/proj/app");
    allow("ado labels", ado, "GET", r + QStringLiteral("/pullrequests/8/labels"), "labels-list", "org/proj/app");
    allow("ado label create", ado, "POST", r + QStringLiteral("/pullrequests/8/labels"), "label-create", "org/proj/app");
    allow("ado policy evaluations", ado, "GET", QStringLiteral("/org/proj/_apis/policy/evaluations?artifactId=x"), "policy-evaluations", "org/proj");
    allow("ado clone refs", ado, "GET", QStringLiteral("/org/proj/_git/app/info/refs?service=git-upload-pack"), "git-info-refs", "org/proj/app");
    allow("ado clone upload-pack", ado, "POST", QStringLiteral("/org/proj/_git/app/git-upload-pack"), "git-upload-pack", "org/proj/app");
    allow("ado project with space", ado, "GET", QStringLiteral("/org/My%20Project/_apis/git/repositories/app"), "repository-get", "org/My Project/app", "org/my project/app");

    deny("ado repo delete", ado, "DELETE", r);
    deny("ado pr update", ado, "PATCH", r + QStringLiteral("/pullrequests/8"));
    deny("ado push", ado, "POST", r + QStringLiteral("/pushes"));
    deny("ado unknown route", ado, "GET", QStringLiteral("/org/proj/_apis/build/builds"));
    deny("ado extra prefix", ado, "GET", QStringLiteral("/x/org/proj/_apis/git/repositories/app"));
    deny("ado other repository", ado, "GET", QStringLiteral("/org/proj/_apis/git/repositories/secret"), "org/proj/app");
    deny("ado receive-pack", ado, "POST", QStringLiteral("/org/proj/_git/app/git-receive-pack"));
}

void TestRequestFilter::evaluate_data()
{
    QTest::addColumn<QString>("vendor");
    QTest::addColumn<QString>("pattern");
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<QString>("rule");
    QTest::addColumn<QString>("project");

    addGitLabRows();
    addBitbucketRows();
    addGitHubRows();
    addAzureDevOpsRows();
}

void TestRequestFilter::evaluate()
{
    QFETCH(QString, vendor);
    QFETCH(QString, pattern);
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, target);
    QFETCH(QString, rule);
    QFETCH(QString, project);

    const std::optional<RequestFilter> filter = makeFilter(vendor, pattern);
    QVERIFY(filter);
    const FilterDecision decision = filter->evaluate(method, target, {});
    QVERIFY2(decision.allowed == !rule.isEmpty(), qPrintable(decision.reason));
    QVERIFY(!decision.reason.isEmpty());
    if (!rule.isEmpty()) {
        QCOMPARE(decision.rule, rule);
        QVERIFY(!decision.description.isEmpty());
    }
    if (!project.isEmpty()) {
        QCOMPARE(decision.project, project);
    }
}

void TestRequestFilter::methodOverrideHeader_data()
{
    QTest::addColumn<QByteArray>("name");
    QTest::newRow("X-HTTP-Method-Override") << QByteArray("X-HTTP-Method-Override");
    QTest::newRow("lower case") << QByteArray("x-http-method-override");
    QTest::newRow("X-HTTP-Method") << QByteArray("X-HTTP-Method");
    QTest::newRow("X-Method-Override") << QByteArray("X-Method-Override");
}

void TestRequestFilter::methodOverrideHeader()
{
    QFETCH(QByteArray, name);

    const auto filter = makeFilter(QStringLiteral("gitlab"), QStringLiteral(".*"));
    QVERIFY(filter);
    const FilterDecision decision = filter->evaluate("GET", "/api/v4/user", {{name, "GET"}});
    QVERIFY(!decision.allowed);
    QVERIFY2(decision.reason.startsWith(QLatin1String("method override header")),
             qPrintable(decision.reason));
}

void TestRequestFilter::vendorNames()
{
    for (const Vendor vendor : {Vendor::GitLab, Vendor::BitbucketDataCenter,
                                Vendor::GitHubEnterprise, Vendor::AzureDevOps}) {
        QCOMPARE(vendorFromName(vendorName(vendor)), vendor);
        QString error;
        const auto filter = RequestFilter::create(vendor, QString(), &error);
        QVERIFY2(filter, qPrintable(error));
        QVERIFY(filter->ruleCount() > 10);
        QCOMPARE(filter->vendor(), vendor);
    }
    QVERIFY(!vendorFromName(u"GitLab"));
    QVERIFY(!vendorFromName(u"github"));
    QVERIFY(!vendorFromName(u""));
}

void TestRequestFilter::invalidPattern_data()
{
    QTest::addColumn<QString>("pattern");
    QTest::addColumn<QString>("message");
    QTest::newRow("unbalanced") << QStringLiteral("acme/(app") << QStringLiteral("at offset 9");
    QTest::newRow("escape from group") << QStringLiteral("a)|(b") << QStringLiteral("at offset 1");
    QTest::newRow("dangling quantifier") << QStringLiteral("*acme") << QStringLiteral("at offset 0");
    QTest::newRow("unterminated quote") << QStringLiteral("\\Qacme")
                                        << QStringLiteral("cannot be anchored");
}

void TestRequestFilter::invalidPattern()
{
    QFETCH(QString, pattern);
    QFETCH(QString, message);

    QString error;
    QVERIFY(!RequestFilter::create(Vendor::GitLab, pattern, &error));
    QVERIFY2(error.contains(message), qPrintable(error));
    QVERIFY2(error.contains(pattern), qPrintable(error));
}

void TestRequestFilter::anchoredPattern()
{
    QString error;
    QCOMPARE(RequestFilter::create(Vendor::GitLab, QStringLiteral("acme/.*"), &error)->anchoredPattern(),
             QStringLiteral("\\A(?:acme/.*)\\z"));
    QCOMPARE(RequestFilter::create(Vendor::GitLab, QStringLiteral(" .* "), &error)->anchoredPattern(),
             QStringLiteral("\\A(?:.*)\\z"));

    // An explicit .* means "no pattern", so numeric ids stay allowed.
    const auto filter = RequestFilter::create(Vendor::GitLab, QStringLiteral(".*"), &error);
    QVERIFY(filter->evaluate("GET", "/api/v4/projects/5", {}).allowed);
}

void TestRequestFilter::projectLengthCap()
{
    const auto filter = makeFilter(QStringLiteral("github_enterprise"), QStringLiteral(".*"));
    const QString longName(RequestFilter::maxProjectLength, QLatin1Char('r'));
    const FilterDecision decision =
            filter->evaluate("GET", (QStringLiteral("/repos/o/") + longName).toUtf8(), {});
    QVERIFY(!decision.allowed);
    QCOMPARE(decision.reason, QStringLiteral("project longer than 512 characters"));
}

void TestRequestFilter::catastrophicPatternIsBounded()
{
    const auto filter = makeFilter(QStringLiteral("github_enterprise"), QStringLiteral("o/(a+)+b"));
    QVERIFY(filter);
    const QByteArray target = "/repos/o/" + QByteArray(200, 'a') + "c";
    QElapsedTimer timer;
    timer.start();
    const FilterDecision decision = filter->evaluate("GET", target, {});
    QVERIFY(!decision.allowed);
    QVERIFY2(timer.elapsed() < 5000, qPrintable(QString::number(timer.elapsed())));
}

void TestRequestFilter::graphqlNeedsBody()
{
    const auto filter = makeFilter(QStringLiteral("github_enterprise"), QStringLiteral("acme/app"));
    const FilterDecision head = filter->evaluate("POST", "/api/graphql", {});
    QVERIFY(!head.allowed);
    QVERIFY(head.needsBody);
    QCOMPARE(head.rule, QStringLiteral("graphql"));

    const FilterDecision allowed = filter->evaluateBody(
            head, R"({"query":"query { repository(owner:\"acme\", name:\"app\") { id } }"})");
    QVERIFY2(allowed.allowed, qPrintable(allowed.reason));
    QVERIFY(!allowed.needsBody);
    QCOMPARE(allowed.project, QStringLiteral("acme/app"));

    const FilterDecision denied = filter->evaluateBody(
            head, R"({"query":"query { repository(owner:\"acme\", name:\"secret\") { id } }"})");
    QVERIFY(!denied.allowed);
    QCOMPARE(denied.project, QStringLiteral("acme/secret"));

    // A decision that needs no body passes through unchanged.
    const FilterDecision user = filter->evaluate("GET", "/api/v3/user", {});
    QVERIFY(filter->evaluateBody(user, "garbage").allowed);
}

void TestRequestFilter::graphqlBodyTooLarge()
{
    const auto filter = makeFilter(QStringLiteral("github_enterprise"), QStringLiteral("acme/app"));
    const FilterDecision head = filter->evaluate("POST", "/graphql", {});
    const QByteArray body(RequestFilter::maxInspectedBodySize + 1, ' ');
    const FilterDecision decision = filter->evaluateBody(head, body);
    QVERIFY(!decision.allowed);
    QCOMPARE(decision.reason, QStringLiteral("request body larger than 1048576 bytes cannot be checked"));
}

QTEST_GUILESS_MAIN(TestRequestFilter)
#include "tst_requestfilter.moc"
