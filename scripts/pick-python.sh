#!/bin/sh
# The interpreter `make` builds .venv with: the system's CPython when it is 3.11 or newer and can
# make a venv (Debian's, Ubuntu's and Fedora's are built with PGO and LTO; audits run about a
# fifth faster on them than on an unoptimized build such as pyenv's default), else python3.
# `make PY=...` overrides it.
for p in /usr/bin/python3 python3; do
    if "$p" -c 'import sys, ensurepip, venv; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
        echo "$p"
        exit 0
    fi
done
echo python3
