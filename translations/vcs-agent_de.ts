<?xml version='1.0' encoding='utf-8'?>
<!DOCTYPE TS>
<TS version="2.1" language="de_DE">
<context>
    <name>AccessLogModel</name>
    <message>
        <source>Allowed</source>
        <translation>Erlaubt</translation>
    </message>
    <message>
        <source>Denied</source>
        <translation>Abgelehnt</translation>
    </message>
    <message>
        <source>%1 ms</source>
        <translation>%1 ms</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>Zeit</translation>
    </message>
    <message>
        <source>Method</source>
        <translation>Methode</translation>
    </message>
    <message>
        <source>Request target</source>
        <translation>Anfrageziel</translation>
    </message>
    <message>
        <source>Rule</source>
        <translation>Regel</translation>
    </message>
    <message>
        <source>Rule description</source>
        <translation>Regelbeschreibung</translation>
    </message>
    <message>
        <source>Project</source>
        <translation>Projekt</translation>
    </message>
    <message>
        <source>Decision</source>
        <translation>Entscheidung</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>Grund</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Duration</source>
        <translation>Dauer</translation>
    </message>
    <message>
        <source>Bytes</source>
        <translation>Bytes</translation>
    </message>
</context>
<context>
    <name>AccessLogView</name>
    <message>
        <source>&amp;Copy</source>
        <translation>&amp;Kopieren</translation>
    </message>
    <message>
        <source>&amp;Export…</source>
        <translation>&amp;Exportieren…</translation>
    </message>
    <message>
        <source>Select a request to see all its fields.</source>
        <translation>Wählen Sie eine Anfrage aus, um alle ihre Felder zu sehen.</translation>
    </message>
    <message>
        <source>All decisions</source>
        <translation>Alle Entscheidungen</translation>
    </message>
    <message>
        <source>Allowed</source>
        <translation>Erlaubt</translation>
    </message>
    <message>
        <source>Denied</source>
        <translation>Abgelehnt</translation>
    </message>
    <message>
        <source>Any project</source>
        <translation>Jedes Projekt</translation>
    </message>
    <message>
        <source>Search target, rule, reason, request ID…</source>
        <translation>Ziel, Regel, Grund, Anfrage-ID suchen…</translation>
    </message>
    <message>
        <source>&amp;Project:</source>
        <translation>&amp;Projekt:</translation>
    </message>
    <message>
        <source>&amp;Decision:</source>
        <translation>&amp;Entscheidung:</translation>
    </message>
    <message>
        <source>%1 of %2 shown</source>
        <translation>%1 von %2 angezeigt</translation>
    </message>
    <message>
        <source>Export Shown Requests</source>
        <translation>Angezeigte Anfragen exportieren</translation>
    </message>
    <message>
        <source>JSON lines (*.jsonl *.json);;CSV (*.csv)</source>
        <translation>JSON-Zeilen (*.jsonl *.json);;CSV (*.csv)</translation>
    </message>
    <message>
        <source>Export Failed</source>
        <translation>Export fehlgeschlagen</translation>
    </message>
    <message>
        <source>Could not write %1: %2</source>
        <translation>%1 konnte nicht geschrieben werden: %2</translation>
    </message>
</context>
<context>
    <name>ConfigPage</name>
    <message>
        <source>Allow an unencrypted gateway (ws://)</source>
        <translation>Unverschlüsseltes Gateway erlauben (ws://)</translation>
    </message>
    <message>
        <source>&amp;Apply</source>
        <translation>&amp;Übernehmen</translation>
    </message>
    <message>
        <source>&amp;Revert</source>
        <translation>&amp;Zurücksetzen</translation>
    </message>
    <message>
        <source>Agent</source>
        <translation>Agent</translation>
    </message>
    <message>
        <source>A regular expression that must match the whole project path, such as acme/(platform|infra)/.*</source>
        <translation>Ein regulärer Ausdruck, der auf den ganzen Projektpfad passen muss, etwa acme/(platform|infra)/.*</translation>
    </message>
    <message>
        <source>One NAME=VALUE per line</source>
        <translation>Ein NAME=WERT pro Zeile</translation>
    </message>
    <message>
        <source>System CA certificates only</source>
        <translation>Nur die CA-Zertifikate des Systems</translation>
    </message>
    <message>
        <source>&amp;Browse…</source>
        <translation>&amp;Durchsuchen…</translation>
    </message>
    <message>
        <source>&amp;Target endpoint:</source>
        <translation>&amp;Zielendpunkt:</translation>
    </message>
    <message>
        <source>&amp;Vendor:</source>
        <translation>&amp;Anbieter:</translation>
    </message>
    <message>
        <source>Allowed &amp;projects:</source>
        <translation>Erlaubte &amp;Projekte:</translation>
    </message>
    <message>
        <source>&amp;Streams:</source>
        <translation>&amp;Streams:</translation>
    </message>
    <message>
        <source>&amp;Metadata tags:</source>
        <translation>&amp;Metadaten-Tags:</translation>
    </message>
    <message>
        <source>CA certificates:</source>
        <translation>CA-Zertifikate:</translation>
    </message>
    <message>
        <source>Pool token</source>
        <translation>Pool-Token</translation>
    </message>
    <message>
        <source>Paste a new token, or leave empty to keep the stored one</source>
        <translation>Neues Token einfügen, oder leer lassen, um das gespeicherte zu behalten</translation>
    </message>
    <message>
        <source>&amp;Import…</source>
        <translation>&amp;Importieren…</translation>
    </message>
    <message>
        <source>The token is stored in the system keychain, never in the settings file.</source>
        <translation>Das Token wird im Schlüsselbund des Systems gespeichert, nie in der Einstellungsdatei.</translation>
    </message>
    <message>
        <source>Test a request</source>
        <translation>Anfrage testen</translation>
    </message>
    <message>
        <source>Re&amp;quest:</source>
        <translation>An&amp;frage:</translation>
    </message>
    <message>
        <source>Decision:</source>
        <translation>Entscheidung:</translation>
    </message>
    <message>
        <source>Output:</source>
        <translation>Ausgabe:</translation>
    </message>
    <message>
        <source>Command:</source>
        <translation>Befehl:</translation>
    </message>
    <message>
        <source>These settings come from the command line or the environment and override what is saved here: %1</source>
        <translation>Diese Einstellungen kommen von der Befehlszeile oder aus der Umgebung und haben Vorrang vor den hier gespeicherten: %1</translation>
    </message>
    <message>
        <source>Enter the base URL of the VCS, such as https://gitlab.example.internal.</source>
        <translation>Geben Sie die Basis-URL des VCS ein, etwa https://gitlab.example.internal.</translation>
    </message>
    <message>
        <source>Enter an http:// or https:// URL with a host name.</source>
        <translation>Geben Sie eine http://- oder https://-URL mit Hostnamen ein.</translation>
    </message>
    <message>
        <source>Remove the query, fragment or user name from the URL.</source>
        <translation>Entfernen Sie Query, Fragment oder Benutzernamen aus der URL.</translation>
    </message>
    <message>
        <source>Choose a vendor.</source>
        <translation>Wählen Sie einen Anbieter.</translation>
    </message>
    <message>
        <source>Invalid pattern: %1</source>
        <translation>Ungültiges Muster: %1</translation>
    </message>
    <message>
        <source>Line %1 is not NAME=VALUE with a name of letters, digits and _.</source>
        <translation>Zeile %1 ist nicht NAME=WERT mit einem Namen aus Buchstaben, Ziffern und _.</translation>
    </message>
    <message>
        <source>Cannot read the file: %1</source>
        <translation>Die Datei kann nicht gelesen werden: %1</translation>
    </message>
    <message>
        <source>The file contains no PEM certificate.</source>
        <translation>Die Datei enthält kein PEM-Zertifikat.</translation>
    </message>
    <message>
        <source>This is not a pool token: %1</source>
        <translation>Das ist kein Pool-Token: %1</translation>
    </message>
    <message>
        <source>The token's gateway uses plain ws://; turn on "Allow an unencrypted gateway" or use a wss:// gateway.</source>
        <translation>Das Gateway des Tokens verwendet unverschlüsseltes ws://. Schalten Sie „Unverschlüsseltes Gateway erlauben“ ein oder verwenden Sie ein wss://-Gateway.</translation>
    </message>
    <message>
        <source>Enter a method and a request target to see the decision.</source>
        <translation>Geben Sie Methode und Anfrageziel ein, um die Entscheidung zu sehen.</translation>
    </message>
    <message>
        <source>Cannot check: %1</source>
        <translation>Prüfung nicht möglich: %1</translation>
    </message>
    <message>
        <source>Allowed by rule %1 (%2), project %3</source>
        <translation>Erlaubt durch Regel %1 (%2), Projekt %3</translation>
    </message>
    <message>
        <source>none</source>
        <translation>keines</translation>
    </message>
    <message>
        <source>Denied: %1</source>
        <translation>Abgelehnt: %1</translation>
    </message>
    <message>
        <source>Cannot read %1: %2</source>
        <translation>%1 kann nicht gelesen werden: %2</translation>
    </message>
    <message>
        <source>%1 is larger than 64 KiB and cannot be a token file.</source>
        <translation>%1 ist größer als 64 KiB und kann keine Token-Datei sein.</translation>
    </message>
    <message>
        <source>%1 does not contain a pool token: %2</source>
        <translation>%1 enthält kein Pool-Token: %2</translation>
    </message>
    <message>
        <source>Choose CA Certificates</source>
        <translation>CA-Zertifikate auswählen</translation>
    </message>
    <message>
        <source>PEM certificates (*.pem *.crt *.cer);;All files (*)</source>
        <translation>PEM-Zertifikate (*.pem *.crt *.cer);;Alle Dateien (*)</translation>
    </message>
    <message>
        <source>Import Pool Token</source>
        <translation>Pool-Token importieren</translation>
    </message>
    <message>
        <source>All files (*)</source>
        <translation>Alle Dateien (*)</translation>
    </message>
</context>
<context>
    <name>ConnectionsPage</name>
    <message>
        <source>%1 of %2 streams connected, %3 requests served, %4 denied</source>
        <translation>%1 von %2 Streams verbunden, %3 Anfragen bedient, %4 abgelehnt</translation>
    </message>
    <message>
        <source>Metadata tags: none</source>
        <translation>Metadaten-Tags: keine</translation>
    </message>
    <message>
        <source>Metadata tags: %1</source>
        <translation>Metadaten-Tags: %1</translation>
    </message>
</context>
<context>
    <name>CredentialStore</name>
    <message>
        <source>Sign in to Windows with your user account so that the Credential Manager is available.</source>
        <translation>Melden Sie sich mit Ihrem Benutzerkonto bei Windows an, damit die Anmeldeinformationsverwaltung verfügbar ist.</translation>
    </message>
    <message>
        <source>Unlock the login keychain in Keychain Access.</source>
        <translation>Entsperren Sie den Anmeldeschlüsselbund in der Schlüsselbundverwaltung.</translation>
    </message>
    <message>
        <source>Start a Secret Service provider such as GNOME Keyring or KWallet in your desktop session and unlock it (for example: gnome-keyring-daemon --start --components=secrets), or give the token with --token-file or SPACELIFT_VCS_AGENT_POOL_TOKEN.</source>
        <translation>Starten Sie in Ihrer Desktop-Sitzung einen Secret-Service-Anbieter wie GNOME Keyring oder KWallet und entsperren Sie ihn (zum Beispiel: gnome-keyring-daemon --start --components=secrets), oder geben Sie das Token mit --token-file oder SPACELIFT_VCS_AGENT_POOL_TOKEN an.</translation>
    </message>
    <message>
        <source>Part %1 of %2 of the stored pool token is missing from the keychain. Enter the token again on the Configuration tab.</source>
        <translation>Teil %1 von %2 des gespeicherten Pool-Tokens fehlt im Schlüsselbund. Geben Sie das Token auf der Registerkarte Konfiguration erneut ein.</translation>
    </message>
    <message>
        <source>The pool token is empty.</source>
        <translation>Das Pool-Token ist leer.</translation>
    </message>
    <message>
        <source>The pool token has %1 characters; the keychain entry holds at most %2 characters (%3 parts of %4). The token was not stored.</source>
        <translation>Das Pool-Token hat %1 Zeichen, der Schlüsselbundeintrag fasst höchstens %2 Zeichen (%3 Teile zu je %4). Das Token wurde nicht gespeichert.</translation>
    </message>
    <message>
        <source>The keychain did not answer within %1 seconds. %2</source>
        <translation>Der Schlüsselbund hat nicht innerhalb von %1 Sekunden geantwortet. %2</translation>
    </message>
    <message>
        <source>No pool token is stored in the keychain.</source>
        <translation>Im Schlüsselbund ist kein Pool-Token gespeichert.</translation>
    </message>
    <message>
        <source>No keychain service is available (%1). %2</source>
        <translation>Kein Schlüsselbunddienst verfügbar (%1). %2</translation>
    </message>
    <message>
        <source>The keychain reported an error: %1. %2</source>
        <translation>Der Schlüsselbund meldet einen Fehler: %1. %2</translation>
    </message>
</context>
<context>
    <name>DesktopAgent</name>
    <message>
        <source>The gateway rejected the pool token (%1). Enter a valid token on the Configuration tab.</source>
        <translation>Das Gateway hat das Pool-Token abgelehnt (%1). Geben Sie auf der Registerkarte Konfiguration ein gültiges Token ein.</translation>
    </message>
    <message>
        <source>The settings are incomplete or invalid: %1. Fix them on the Configuration tab.</source>
        <translation>Die Einstellungen sind unvollständig oder ungültig: %1. Korrigieren Sie sie auf der Registerkarte Konfiguration.</translation>
    </message>
    <message>
        <source>No pool token is set. Enter it or import the token file on the Configuration tab, or start vcs-agent with --token-file FILE or SPACELIFT_VCS_AGENT_POOL_TOKEN.</source>
        <translation>Es ist kein Pool-Token gesetzt. Geben Sie es auf der Registerkarte Konfiguration ein oder importieren Sie die Token-Datei, oder starten Sie vcs-agent mit --token-file DATEI oder SPACELIFT_VCS_AGENT_POOL_TOKEN.</translation>
    </message>
    <message>
        <source>The pool token in the keychain is invalid (%1). Enter it again on the Configuration tab.</source>
        <translation>Das Pool-Token im Schlüsselbund ist ungültig (%1). Geben Sie es auf der Registerkarte Konfiguration erneut ein.</translation>
    </message>
    <message>
        <source>The agent could not start: %1</source>
        <translation>Der Agent konnte nicht starten: %1</translation>
    </message>
    <message>
        <source>The pool token is used until vcs-agent exits but was not stored: %1</source>
        <translation>Das Pool-Token wird verwendet, bis vcs-agent beendet wird, wurde aber nicht gespeichert: %1</translation>
    </message>
    <message>
        <source>The pool token's gateway URL uses plain ws://. Use a wss:// gateway, or turn on "Allow an unencrypted gateway" on the Configuration tab.</source>
        <translation>Die Gateway-URL des Pool-Tokens verwendet unverschlüsseltes ws://. Verwenden Sie ein wss://-Gateway oder schalten Sie auf der Registerkarte Konfiguration „Unverschlüsseltes Gateway erlauben“ ein.</translation>
    </message>
</context>
<context>
    <name>InspectionWindow</name>
    <message>
        <source>Access Log Inspection</source>
        <translation>Zugriffsprotokoll-Ansicht</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>&amp;Datei</translation>
    </message>
    <message>
        <source>&amp;Open…</source>
        <translation>Ö&amp;ffnen…</translation>
    </message>
    <message>
        <source>Open Access Log</source>
        <translation>Zugriffsprotokoll öffnen</translation>
    </message>
    <message>
        <source>Access logs (*.jsonl *.json *.log);;All files (*)</source>
        <translation>Zugriffsprotokolle (*.jsonl *.json *.log);;Alle Dateien (*)</translation>
    </message>
    <message>
        <source>&amp;Close</source>
        <translation>&amp;Schließen</translation>
    </message>
    <message>
        <source>%1 – Access Log Inspection</source>
        <translation>%1 – Zugriffsprotokoll-Ansicht</translation>
    </message>
    <message>
        <source>line %1: %2</source>
        <translation>Zeile %1: %2</translation>
    </message>
    <message numerus="yes">
        <source>%n malformed line(s) skipped: </source>
        <translation><numerusform>%n fehlerhafte Zeile übersprungen: </numerusform><numerusform>%n fehlerhafte Zeilen übersprungen: </numerusform></translation>
    </message>
    <message numerus="yes">
        <source>; and %n more</source>
        <translation><numerusform>; und %n weitere</numerusform><numerusform>; und %n weitere</numerusform></translation>
    </message>
    <message>
        <source>Cannot open %1: %2</source>
        <translation>%1 kann nicht geöffnet werden: %2</translation>
    </message>
    <message>
        <source>Loading %1: %2 records so far…</source>
        <translation>Lade %1: bisher %2 Einträge…</translation>
    </message>
    <message>
        <source>%1: %2 records</source>
        <translation>%1: %2 Einträge</translation>
    </message>
</context>
<context>
    <name>LogLoader</name>
    <message>
        <source>line longer than %1 bytes</source>
        <translation>Zeile länger als %1 Bytes</translation>
    </message>
    <message>
        <source>not a JSON object</source>
        <translation>kein JSON-Objekt</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>VCS Agent</source>
        <translation>VCS-Agent</translation>
    </message>
    <message>
        <source>&amp;Connections</source>
        <translation>&amp;Verbindungen</translation>
    </message>
    <message>
        <source>&amp;Access log</source>
        <translation>&amp;Zugriffsprotokoll</translation>
    </message>
    <message>
        <source>Con&amp;figuration</source>
        <translation>&amp;Konfiguration</translation>
    </message>
    <message>
        <source>The token is stored in the keychain.</source>
        <translation>Das Token ist im Schlüsselbund gespeichert.</translation>
    </message>
    <message>
        <source>The token was not stored: %1</source>
        <translation>Das Token wurde nicht gespeichert: %1</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>&amp;Datei</translation>
    </message>
    <message>
        <source>&amp;Open Access Log…</source>
        <translation>Zugriffsprotokoll ö&amp;ffnen…</translation>
    </message>
    <message>
        <source>Open Access Log</source>
        <translation>Zugriffsprotokoll öffnen</translation>
    </message>
    <message>
        <source>Access logs (*.jsonl *.json *.log);;All files (*)</source>
        <translation>Zugriffsprotokolle (*.jsonl *.json *.log);;Alle Dateien (*)</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>&amp;Beenden</translation>
    </message>
    <message>
        <source>&amp;Agent</source>
        <translation>&amp;Agent</translation>
    </message>
    <message>
        <source>&amp;Pause</source>
        <translation>&amp;Pausieren</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>&amp;Hilfe</translation>
    </message>
    <message>
        <source>&amp;About VCS Agent</source>
        <translation>Ü&amp;ber VCS-Agent</translation>
    </message>
    <message>
        <source>About VCS Agent</source>
        <translation>Über VCS-Agent</translation>
    </message>
    <message>
        <source>&lt;p&gt;&lt;b&gt;vcs-agent %1&lt;/b&gt;&lt;/p&gt;&lt;p&gt;Relays a cloud platform's requests to an internal VCS through outbound tunnel streams, letting through only allowlisted requests.&lt;/p&gt;&lt;p&gt;Settings file: %2&lt;/p&gt;</source>
        <translation>&lt;p&gt;&lt;b&gt;vcs-agent %1&lt;/b&gt;&lt;/p&gt;&lt;p&gt;Leitet die Anfragen einer Cloud-Plattform über ausgehende Tunnel-Streams an ein internes VCS weiter und lässt nur Anfragen aus der Allowlist durch.&lt;/p&gt;&lt;p&gt;Einstellungsdatei: %2&lt;/p&gt;</translation>
    </message>
    <message>
        <source>Stopped</source>
        <translation>Gestoppt</translation>
    </message>
    <message>
        <source>Reading the pool token from the keychain…</source>
        <translation>Pool-Token wird aus dem Schlüsselbund gelesen…</translation>
    </message>
    <message>
        <source>Running: %1 of %2 streams connected, token from %3</source>
        <translation>Läuft: %1 von %2 Streams verbunden, Token aus %3</translation>
    </message>
    <message>
        <source>Paused: taking no new requests</source>
        <translation>Pausiert: nimmt keine neuen Anfragen an</translation>
    </message>
    <message>
        <source>Not running</source>
        <translation>Läuft nicht</translation>
    </message>
    <message>
        <source>&amp;Resume</source>
        <translation>&amp;Fortsetzen</translation>
    </message>
    <message>
        <source>The running token comes from %1.</source>
        <translation>Das verwendete Token stammt aus %1.</translation>
    </message>
</context>
<context>
    <name>RecordExport</name>
    <message>
        <source>Time</source>
        <translation>Zeit</translation>
    </message>
    <message>
        <source>Request ID</source>
        <translation>Anfrage-ID</translation>
    </message>
    <message>
        <source>Stream</source>
        <translation>Stream</translation>
    </message>
    <message>
        <source>Method</source>
        <translation>Methode</translation>
    </message>
    <message>
        <source>Request target</source>
        <translation>Anfrageziel</translation>
    </message>
    <message>
        <source>Decision</source>
        <translation>Entscheidung</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>Grund</translation>
    </message>
    <message>
        <source>Rule</source>
        <translation>Regel</translation>
    </message>
    <message>
        <source>Rule description</source>
        <translation>Regelbeschreibung</translation>
    </message>
    <message>
        <source>Project</source>
        <translation>Projekt</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Bytes received</source>
        <translation>Empfangene Bytes</translation>
    </message>
    <message>
        <source>Bytes sent</source>
        <translation>Gesendete Bytes</translation>
    </message>
    <message>
        <source>Duration (ms)</source>
        <translation>Dauer (ms)</translation>
    </message>
    <message>
        <source>Purpose</source>
        <translation>Zweck</translation>
    </message>
</context>
<context>
    <name>StreamTableModel</name>
    <message>
        <source>Stopped</source>
        <translation>Gestoppt</translation>
    </message>
    <message>
        <source>Connecting</source>
        <translation>Verbindet</translation>
    </message>
    <message>
        <source>Connected, idle</source>
        <translation>Verbunden, bereit</translation>
    </message>
    <message>
        <source>Connected, serving</source>
        <translation>Verbunden, bedient Anfrage</translation>
    </message>
    <message>
        <source>Finishing request</source>
        <translation>Beendet Anfrage</translation>
    </message>
    <message>
        <source>Waiting to reconnect</source>
        <translation>Wartet auf erneuten Verbindungsaufbau</translation>
    </message>
    <message>
        <source>Token rejected</source>
        <translation>Token abgelehnt</translation>
    </message>
    <message numerus="yes">
        <source>Connection %1, %n reconnect(s)</source>
        <translation><numerusform>Verbindung %1, %n erneuter Verbindungsaufbau</numerusform><numerusform>Verbindung %1, %n erneute Verbindungsaufbauten</numerusform></translation>
    </message>
    <message>
        <source>Stream</source>
        <translation>Stream</translation>
    </message>
    <message>
        <source>State</source>
        <translation>Zustand</translation>
    </message>
    <message>
        <source>Connected since</source>
        <translation>Verbunden seit</translation>
    </message>
    <message>
        <source>Gateway</source>
        <translation>Gateway</translation>
    </message>
    <message>
        <source>Requests served</source>
        <translation>Bediente Anfragen</translation>
    </message>
    <message>
        <source>Request in flight</source>
        <translation>Laufende Anfrage</translation>
    </message>
    <message>
        <source>Last error</source>
        <translation>Letzter Fehler</translation>
    </message>
    <message>
        <source>Next retry</source>
        <translation>Nächster Versuch</translation>
    </message>
</context>
<context>
    <name>TrayController</name>
    <message>
        <source>&amp;Show Window</source>
        <translation>Fenster &amp;anzeigen</translation>
    </message>
    <message>
        <source>&amp;Pause</source>
        <translation>&amp;Pausieren</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>&amp;Beenden</translation>
    </message>
    <message>
        <source>Gateway connection lost</source>
        <translation>Verbindung zum Gateway verloren</translation>
    </message>
    <message>
        <source>No stream is connected to the gateway; the agent keeps retrying.</source>
        <translation>Kein Stream ist mit dem Gateway verbunden. Der Agent versucht es weiter.</translation>
    </message>
    <message>
        <source>VCS Agent needs attention</source>
        <translation>VCS-Agent braucht Aufmerksamkeit</translation>
    </message>
    <message>
        <source>%1 of %2 streams connected
%3 requests, %4 denied</source>
        <translation>%1 von %2 Streams verbunden
%3 Anfragen, %4 abgelehnt</translation>
    </message>
    <message>
        <source>VCS Agent: running
%1</source>
        <translation>VCS-Agent: läuft
%1</translation>
    </message>
    <message>
        <source>VCS Agent: paused
%1</source>
        <translation>VCS-Agent: pausiert
%1</translation>
    </message>
    <message>
        <source>VCS Agent: reading the pool token</source>
        <translation>VCS-Agent: liest das Pool-Token</translation>
    </message>
    <message>
        <source>VCS Agent: not running</source>
        <translation>VCS-Agent: läuft nicht</translation>
    </message>
    <message>
        <source>VCS Agent: stopped</source>
        <translation>VCS-Agent: gestoppt</translation>
    </message>
    <message>
        <source>&amp;Resume</source>
        <translation>&amp;Fortsetzen</translation>
    </message>
    <message>
        <source>Denied %1</source>
        <translation>Abgelehnt: %1</translation>
    </message>
    <message numerus="yes">
        <source>%n requests denied, the last one %1</source>
        <translation><numerusform>%n Anfrage abgelehnt, zuletzt %1</numerusform><numerusform>%n Anfragen abgelehnt, zuletzt %1</numerusform></translation>
    </message>
    <message>
        <source>Request denied</source>
        <translation>Anfrage abgelehnt</translation>
    </message>
</context>
</TS>