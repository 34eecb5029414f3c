#!/bin/sh
# Builds COUNT random messages and parses them with Python's email package
# under policy.strict.  Usage: mail_strict.sh MAIL_GEN SCRIPT
set -eu
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$1" "$dir" 400 20170308
/usr/bin/python3 "$2" "$dir"
