#!/bin/sh
# The store's files hold customers' addresses and host URIs: hangar.db
# and the -wal and -shm SQLite makes beside it are 0600 from the start
# (under the usual umask 022), stay so across kill -9, are set right at
# start when an older release left them readable, and backups are not
# readable by others either.
. "$HANGAR_SRC/tests/lib.sh"

umask 022
state_new
modes() {	# the modes of the store's files that exist, "NAME MODE" lines
	for f in hangar.db hangar.db-wal hangar.db-shm; do
		[ -e "$STATE/$f" ] && echo "$f $(stat -c %a "$STATE/$f")"
	done
}
all_0600() { [ -z "$(modes | awk '$2 != "600"')" ] && [ "$(modes | wc -l)" -eq 3 ]; }

hangard_start || { done_testing; exit 1; }
h customer add alice --email alice@example.net >/dev/null
h host add h1 --uri "$(node_xml h1 8 32)" --disk 1T --disk-kind ssd >/dev/null
diag "$(modes)"
check "a new store, its WAL and SHM are 0600 (umask 022)" all_0600

run 0 backup h --json store backup
b=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["path"])' "$T_OUT")
diag "backup: $(stat -c '%a %n' "$STATE/backups" "$STATE"/backups/*)"
check "the backup is not readable by others" \
    test -z "$(find "$STATE/backups" -perm /o+rwx)"
check "the backup holds the customer" sh -c "sqlite3 '$b' 'select email from customers' | grep -qx alice@example.net"

# kill -9: the WAL stays; an older release's modes are set right at start
kill -9 "$HPID"
wait "$HPID" 2>/dev/null
HPID=""
check "the WAL outlived kill -9" test -s "$STATE/hangar.db-wal"
chmod 644 "$STATE"/hangar.db "$STATE"/hangar.db-wal "$STATE"/hangar.db-shm
hangard_start || { done_testing; exit 1; }
diag "$(modes)"
check "at start, files readable by others are made 0600" all_0600
check "and the log says so" grep -q "3 store file(s) were readable by others" \
    "$STATE/hangard.log"
h customer add bob --email bob@example.net >/dev/null
check "and they stay 0600 as the store is written" all_0600
done_testing
