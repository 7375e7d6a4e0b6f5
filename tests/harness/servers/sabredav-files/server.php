<?php
// sabre/dav 1.8 file server (Sabre\DAV\FSExt tree) for `php -S` (router script).
// WebDAV root: /dav/ = $ROOT/data. Basic auth against $ROOT/auth/users.json
// (written by start.sh). Dead properties are kept by FSExt in .sabredav files.
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

// Map PHP warnings to exceptions so Sabre answers 500 instead of printing
// them into the XML body (deprecations are silenced in start.sh).
set_error_handler(function ($errno, $errstr, $errfile, $errline) {
    if (!(error_reporting() & $errno)) return false;
    throw new ErrorException($errstr, 0, $errno, $errfile, $errline);
});

$tree = new \Sabre\DAV\FSExt\Directory($root . '/data');
$server = new \Sabre\DAV\Server($tree);
$server->setBaseUri('/dav/');
$server->addPlugin(new \Sabre\DAV\Auth\Plugin(new JsonBasicAuth($users), 'SabreDAV'));
$server->addPlugin(new \Sabre\DAV\Locks\Plugin(new \Sabre\DAV\Locks\Backend\File($root . '/var/locksdb')));
$server->addPlugin(new \Sabre\DAV\Browser\GuessContentType());
$server->exec();
