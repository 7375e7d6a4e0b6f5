# The command line is the desktop binary under another name (one copy of
# the engine): /usr/bin/commonscloud links to it.
ln -sf commonscloud-desktop /usr/bin/commonscloud
