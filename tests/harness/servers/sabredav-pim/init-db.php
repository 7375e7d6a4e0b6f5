<?php
// Creates $ROOT/var/pim.sqlite (schema of sabre/dav 1.8's examples/sql/sqlite.*.sql)
// and the principal of DAV_USER, unless the database already exists.
// Also writes $ROOT/auth/users.json for basic auth.
$root = getenv('ROOT');
$user = getenv('DAV_USER');
$pass = getenv('DAV_PASS');

file_put_contents("$root/auth/users.json", json_encode([$user => $pass]));
chmod("$root/auth/users.json", 0600);

$db = "$root/var/pim.sqlite";
$fresh = !file_exists($db);
$pdo = new PDO("sqlite:$db");
$pdo->setAttribute(PDO::ATTR_ERRMODE, PDO::ERRMODE_EXCEPTION);
$pdo->exec('PRAGMA journal_mode=WAL');
if ($fresh) {
    $pdo->exec(<<<'SQL'
CREATE TABLE addressbooks (
    id integer primary key asc,
    principaluri text,
    displayname text,
    uri text,
    description text,
    ctag integer
);
CREATE TABLE cards (
    id integer primary key asc,
    addressbookid integer,
    carddata blob,
    uri text,
    lastmodified integer
);
CREATE TABLE calendarobjects (
    id integer primary key asc,
    calendardata blob,
    uri text,
    calendarid integer,
    lastmodified integer,
    etag text,
    size integer,
    componenttype text,
    firstoccurence integer,
    lastoccurence integer
);
CREATE TABLE calendars (
    id integer primary key asc,
    principaluri text,
    displayname text,
    uri text,
    ctag integer,
    description text,
    calendarorder integer,
    calendarcolor text,
    timezone text,
    components text,
    transparent bool
);
CREATE TABLE locks (
    id integer primary key asc,
    owner text,
    timeout integer,
    created integer,
    token text,
    scope integer,
    depth integer,
    uri text
);
CREATE TABLE principals (
    id INTEGER PRIMARY KEY ASC,
    uri TEXT,
    email TEXT,
    displayname TEXT,
    vcardurl TEXT,
    UNIQUE(uri)
);
CREATE TABLE groupmembers (
    id INTEGER PRIMARY KEY ASC,
    principal_id INTEGER,
    member_id INTEGER,
    UNIQUE(principal_id, member_id)
);
SQL);
}
$ins = $pdo->prepare('INSERT OR IGNORE INTO principals (uri, email, displayname) VALUES (?, ?, ?)');
$ins->execute(["principals/$user", "$user@example.org", $user]);
$ins->execute(["principals/$user/calendar-proxy-read", null, null]);
$ins->execute(["principals/$user/calendar-proxy-write", null, null]);
