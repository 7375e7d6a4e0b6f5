#!/usr/bin/perl
# One IMAP LOGIN + LOGOUT over Cyrus' unix socket, so that autocreate makes
# the user's INBOX (Cyrus DAV answers 500 until it exists).
# usage: imap-login.pl SOCKET   (user and password from DAV_USER / DAV_PASS)
use strict;
use warnings;
use IO::Socket::UNIX;

my $path = shift or die "usage: $0 SOCKET\n";
my ($user, $pass) = ($ENV{DAV_USER}, $ENV{DAV_PASS});
my $s;
for (1 .. 300) {    # up to 30 s for master to open the socket
    $s = IO::Socket::UNIX->new(Type => SOCK_STREAM(), Peer => $path) and last;
    select(undef, undef, undef, 0.1);
}
die "imap-login: cannot connect to $path: $!\n" unless $s;
$s->autoflush(1);
my $greeting = <$s>;
die "imap-login: no greeting\n" unless defined $greeting && $greeting =~ /^\* OK/;
# Literals (LITERAL+) so that any character in user or password is safe.
# (%ENV values are byte strings, so length() counts bytes)
my ($lu, $lp) = (length($user), length($pass));
print $s "a1 LOGIN {$lu+}\r\n$user {$lp+}\r\n$pass\r\n";
my $ok = 0;
while (my $line = <$s>) {
    if ($line =~ /^a1 (OK|NO|BAD)/) { $ok = ($1 eq 'OK'); print STDERR "imap-login: $line" unless $ok; last; }
}
print $s "a2 LOGOUT\r\n";
while (my $line = <$s>) { last if $line =~ /^a2 /; }
close $s;
exit($ok ? 0 : 1);
