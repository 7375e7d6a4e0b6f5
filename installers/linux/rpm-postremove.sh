# On erase ($1 = 0), not on upgrade: the link goes with the package.
if [ "$1" = 0 ]; then
    rm -f /usr/bin/commonscloud
fi
