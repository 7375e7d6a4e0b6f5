<?php
// sabre/dav 1.8 CalDAV + CardDAV server (PDO SQLite) for `php -S` (router script).
// Base URI /: /principals/USER/, /calendars/USER/, /addressbooks/USER/.
// Basic auth against $ROOT/auth/users.json (written by init-db.php).
// No sync-collection (sabre/dav 1.8 predates it) and no /.well-known redirect.
date_default_timezone_set('UTC');
require_once 'Sabre/autoload.php';

$root = getenv('ROOT');
$users = json_decode(file_get_contents($root . '/auth/users.json'), true);

class JsonBasicAuth extends \Sabre\DAV\Auth\Backend\AbstractBasic {
    private $users;
    function __construct(array $users) { $this->users = $users; }
    protected function validateUserPass($username, $password) {
        return isset($this->users[$username]) && hash_equals($this->users[$username], (string)$password);
    }
}

set_error_handler(function ($errno, $errstr, $errfile, $errline) {
    if (!(error_reporting() & $errno)) return false;
    throw new ErrorException($errstr, 0, $errno, $errfile, $errline);
});

$pdo = new \PDO('sqlite:' . $root . '/var/pim.sqlite', null, null, [\PDO::ATTR_TIMEOUT => 30]);
$pdo->setAttribute(\PDO::ATTR_ERRMODE, \PDO::ERRMODE_EXCEPTION);

$principalBackend = new \Sabre\DAVACL\PrincipalBackend\PDO($pdo);
$carddavBackend   = new \Sabre\CardDAV\Backend\PDO($pdo);
$caldavBackend    = new \Sabre\CalDAV\Backend\PDO($pdo);

$server = new \Sabre\DAV\Server([
    new \Sabre\CalDAV\Principal\Collection($principalBackend),
    new \Sabre\CalDAV\CalendarRootNode($principalBackend, $caldavBackend),
    new \Sabre\CardDAV\AddressBookRoot($principalBackend, $carddavBackend),
]);
$server->setBaseUri('/');
$server->addPlugin(new \Sabre\DAV\Auth\Plugin(new JsonBasicAuth($users), 'SabreDAV'));
$server->addPlugin(new \Sabre\CalDAV\Plugin());
$server->addPlugin(new \Sabre\CardDAV\Plugin());
$server->addPlugin(new \Sabre\DAVACL\Plugin());
$server->exec();
