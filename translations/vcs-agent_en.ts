<?xml version='1.0' encoding='utf-8'?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US">
<context>
    <name>AccessLogModel</name>
    <message>
        <source>Allowed</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Denied</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>%1 ms</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Time</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Method</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Request target</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Rule</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Rule description</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Project</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Decision</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Reason</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Status</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Duration</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Bytes</source>
        <translation type="unfinished" />
    </message>
</context>
<context>
    <name>AccessLogView</name>
    <message>
        <source>&amp;Copy</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>&amp;Export…</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Select a request to see all its fields.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>All decisions</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Allowed</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Denied</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Any project</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Search target, rule, reason, request ID…</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>&amp;Project:</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>&amp;Decision:</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>%1 of %2 shown</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Export Shown Requests</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>JSON lines (*.jsonl *.json);;CSV (*.csv)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Export Failed</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Could not write %1: %2</source>
        <translation type="unfinished" />
    </message>
</context>
<context>
    <name>ConfigPage</name>
    <message>
        <source>Allow an unencrypted gateway (ws://)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>&amp;Apply</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>&amp;Revert</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Agent</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>A regular expression that must match the whole project path, such as acme/(platform|infra)/.*</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>One NAME=VALUE per line</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>System CA certificates only</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>&amp;Browse…</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>&amp;Target endpoint:</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>&amp;Vendor:</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Allowed &amp;projects:</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>&amp;Streams:</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>&amp;Metadata tags:</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>CA certificates:</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Pool token</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Paste a new token, or leave empty to keep the stored one</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>&amp;Import…</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>The token is stored in the system keychain, never in the settings file.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Test a request</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Re&amp;quest:</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Decision:</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Output:</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Command:</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>These settings come from the command line or the environment and override what is saved here: %1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Enter the base URL of the VCS, such as https://gitlab.example.internal.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Enter an http:// or https:// URL with a host name.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Remove the query, fragment or user name from the URL.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Choose a vendor.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Invalid pattern: %1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Line %1 is not NAME=VALUE with a name of letters, digits and _.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Cannot read the file: %1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>The file contains no PEM certificate.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>This is not a pool token: %1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>The token's gateway uses plain ws://; turn on "Allow an unencrypted gateway" or use a wss:// gateway.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Enter a method and a request target to see the decision.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Cannot check: %1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Allowed by rule %1 (%2), project %3</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>none</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Denied: %1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Cannot read %1: %2</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>%1 is larger than 64 KiB and cannot be a token file.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>%1 does not contain a pool token: %2</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Choose CA Certificates</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>PEM certificates (*.pem *.crt *.cer);;All files (*)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Import Pool Token</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>All files (*)</source>
        <translation type="unfinished" />
    </message>
</context>
<context>
    <name>ConnectionsPage</name>
    <message>
        <source>%1 of %2 streams connected, %3 requests served, %4 denied</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Metadata tags: none</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Metadata tags: %1</source>
        <translation type="unfinished" />
    </message>
</context>
<context>
    <name>CredentialStore</name>
    <message>
        <source>Sign in to Windows with your user account so that the Credential Manager is available.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Unlock the login keychain in Keychain Access.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Start a Secret Service provider such as GNOME Keyring or KWallet in your desktop session and unlock it (for example: gnome-keyring-daemon --start --components=secrets), or give the token with --token-file or SPACELIFT_VCS_AGENT_POOL_TOKEN.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Part %1 of %2 of the stored pool token is missing from the keychain. Enter the token again on the Configuration tab.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>The pool token is empty.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>The pool token has %1 characters; the keychain entry holds at most %2 characters (%3 parts of %4). The token was not stored.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>The keychain did not answer within %1 seconds. %2</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>No pool token is stored in the keychain.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>No keychain service is available (%1). %2</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>The keychain reported an error: %1. %2</source>
        <translation type="unfinished" />
    </message>
</context>
<context>
    <name>DesktopAgent</name>
    <message>
        <source>The gateway rejected the pool token (%1). Enter a valid token on the Configuration tab.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>The settings are incomplete or invalid: %1. Fix them on the Configuration tab.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>No pool token is set. Enter it or import the token file on the Configuration tab, or start vcs-agent with --token-file FILE or SPACELIFT_VCS_AGENT_POOL_TOKEN.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>The pool token in the keychain is invalid (%1). Enter it again on the Configuration tab.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>The agent could not start: %1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>The pool token is used until vcs-agent exits but was not stored: %1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>The pool token's gateway URL uses plain ws://. Use a wss:// gateway, or turn on "Allow an unencrypted gateway" on the Configuration tab.</source>
        <translation type="unfinished" />
    </message>
</context>
<context>
    <name>InspectionWindow</name>
    <message>
        <source>Access Log Inspection</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>&amp;File</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>&amp;Open…</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Open Access Log</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Access logs (*.jsonl *.json *.log);;All files (*)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>&amp;Close</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>%1 – Access Log Inspection</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>line %1: %2</source>
        <translation type="unfinished" />
    </message>
    <message numerus="yes">
        <source>%n malformed line(s) skipped: </source>
        <translation><numerusform>%n malformed line skipped: </numerusform><numerusform>%n malformed lines skipped: </numerusform></translation>
    </message>
    <message numerus="yes">
        <source>; and %n more</source>
        <translation><numerusform>; and %n more</numerusform><numerusform>; and %n more</numerusform></translation>
    </message>
    <message>
        <source>Cannot open %1: %2</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Loading %1: %2 records so far…</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>%1: %2 records</source>
        <translation type="unfinished" />
    </message>
</context>
<context>
    <name>LogLoader</name>
    <message>
        <source>line longer than %1 bytes</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>not a JSON object</source>
        <translation type="unfinished" />
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>VCS Agent</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>&amp;Connections</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>&amp;Access log</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Con&amp;figuration</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>The token is stored in the keychain.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>The token was not stored: %1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>&amp;File</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>&amp;Open Access Log…</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Open Access Log</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Access logs (*.jsonl *.json *.log);;All files (*)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>&amp;Agent</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>&amp;Pause</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>&amp;Help</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>&amp;About VCS Agent</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>About VCS Agent</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>&lt;p&gt;&lt;b&gt;vcs-agent %1&lt;/b&gt;&lt;/p&gt;&lt;p&gt;Relays a cloud platform's requests to an internal VCS through outbound tunnel streams, letting through only allowlisted requests.&lt;/p&gt;&lt;p&gt;Settings file: %2&lt;/p&gt;</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Stopped</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Reading the pool token from the keychain…</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Running: %1 of %2 streams connected, token from %3</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Paused: taking no new requests</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Not running</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>&amp;Resume</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>The running token comes from %1.</source>
        <translation type="unfinished" />
    </message>
</context>
<context>
    <name>RecordExport</name>
    <message>
        <source>Time</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Request ID</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Stream</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Method</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Request target</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Decision</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Reason</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Rule</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Rule description</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Project</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Status</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Bytes received</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Bytes sent</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Duration (ms)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Purpose</source>
        <translation type="unfinished" />
    </message>
</context>
<context>
    <name>StreamTableModel</name>
    <message>
        <source>Stopped</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Connecting</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Connected, idle</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Connected, serving</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Finishing request</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Waiting to reconnect</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Token rejected</source>
        <translation type="unfinished" />
    </message>
    <message numerus="yes">
        <source>Connection %1, %n reconnect(s)</source>
        <translation><numerusform>Connection %1, %n reconnect</numerusform><numerusform>Connection %1, %n reconnects</numerusform></translation>
    </message>
    <message>
        <source>Stream</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>State</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Connected since</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Gateway</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Requests served</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Request in flight</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Last error</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Next retry</source>
        <translation type="unfinished" />
    </message>
</context>
<context>
    <name>TrayController</name>
    <message>
        <source>&amp;Show Window</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>&amp;Pause</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Gateway connection lost</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>No stream is connected to the gateway; the agent keeps retrying.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>VCS Agent needs attention</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>%1 of %2 streams connected
%3 requests, %4 denied</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>VCS Agent: running
%1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>VCS Agent: paused
%1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>VCS Agent: reading the pool token</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>VCS Agent: not running</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>VCS Agent: stopped</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>&amp;Resume</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Denied %1</source>
        <translation type="unfinished" />
    </message>
    <message numerus="yes">
        <source>%n requests denied, the last one %1</source>
        <translation><numerusform>%n request denied, the last one %1</numerusform><numerusform>%n requests denied, the last one %1</numerusform></translation>
    </message>
    <message>
        <source>Request denied</source>
        <translation type="unfinished" />
    </message>
</context>
</TS>