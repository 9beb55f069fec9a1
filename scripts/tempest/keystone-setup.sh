#!/bin/bash
# Sets up a private Keystone (Debian's python3-keystone, SQLite, fernet
# tokens) under $1 and starts it under uwsgi on 127.0.0.1:$KEYSTONE_PORT.
# Creates what tempest and manilite need:
#   - admin / member / reader roles (keystone-manage bootstrap) and a
#     "service" role,
#   - user "admin" in project "admin" (admin role),
#   - user "manila" in project "service" (admin + service roles), the
#     service user manilite validates tokens with,
#   - a "sharev2" (and "share") service with public/internal/admin
#     endpoints at manilite, $MANILITE_URL (default http://127.0.0.1:18786/v2).
# Tempest's dynamic credentials create the test projects and users.
#
# Usage: keystone-setup.sh DIR        (env: KEYSTONE_PORT, MANILITE_URL,
#                                      ADMIN_PASSWORD, MANILA_PASSWORD)
# Writes DIR/keystone.pid, DIR/keystone.log, DIR/openrc.
set -euo pipefail
DIR=$(mkdir -p "$1" && cd "$1" && pwd)
KEYSTONE_PORT=${KEYSTONE_PORT:-15000}
MANILITE_URL=${MANILITE_URL:-http://127.0.0.1:18786/v2}
ADMIN_PASSWORD=${ADMIN_PASSWORD:-secretadmin}
MANILA_PASSWORD=${MANILA_PASSWORD:-secretmanila}
KS_URL=http://127.0.0.1:$KEYSTONE_PORT
[ -e "$DIR/keystone.db" ] && { echo "$DIR already holds a keystone; give an empty folder" >&2; exit 1; }

mkdir -p "$DIR/fernet-keys" "$DIR/credential-keys"
cat > "$DIR/keystone.conf" <<CONF
[DEFAULT]
log_file = $DIR/keystone.log
debug = false
[database]
connection = sqlite:///$DIR/keystone.db
[token]
provider = fernet
expiration = 14400
[fernet_tokens]
key_repository = $DIR/fernet-keys
[credential]
key_repository = $DIR/credential-keys
[identity]
# bcrypt's minimum: tempest's dynamic credentials make many users
password_hash_rounds = 4
[cache]
enabled = false
CONF

KM="keystone-manage --config-file $DIR/keystone.conf"
$KM db_sync
$KM fernet_setup --keystone-user "$(id -un)" --keystone-group "$(id -gn)"
$KM credential_setup --keystone-user "$(id -un)" --keystone-group "$(id -gn)"
$KM bootstrap --bootstrap-password "$ADMIN_PASSWORD" \
    --bootstrap-username admin --bootstrap-project-name admin \
    --bootstrap-role-name admin \
    --bootstrap-admin-url "$KS_URL/v3" --bootstrap-internal-url "$KS_URL/v3" \
    --bootstrap-public-url "$KS_URL/v3" --bootstrap-region-id RegionOne

# WAL (persistent in the file): readers then never block keystone's writers
# ("database is locked"); one process, one thread, the app loaded after the
# fork so no SQLite connection is shared across it.
/usr/bin/python3 -c 'import sqlite3,sys; sqlite3.connect(sys.argv[1]).execute("pragma journal_mode=wal")' "$DIR/keystone.db"
uwsgi --plugin python3 --http-socket "127.0.0.1:$KEYSTONE_PORT" \
    --wsgi-file /usr/bin/keystone-wsgi-public \
    --env "OS_KEYSTONE_CONFIG_FILES=$DIR/keystone.conf" \
    --master --lazy-apps --processes 1 --threads 1 --die-on-term --need-app \
    --add-header "Connection: close" \
    --pidfile "$DIR/keystone.pid" --daemonize2 "$DIR/uwsgi.log"

for _ in $(seq 60); do
    curl -sf "$KS_URL/v3" >/dev/null && break
    sleep 1
done
curl -sf "$KS_URL/v3" >/dev/null || { echo "keystone did not start; see $DIR/uwsgi.log" >&2; exit 1; }

cat > "$DIR/openrc" <<RC
export OS_AUTH_URL=$KS_URL/v3
export OS_IDENTITY_API_VERSION=3
export OS_USERNAME=admin
export OS_PASSWORD=$ADMIN_PASSWORD
export OS_PROJECT_NAME=admin
export OS_USER_DOMAIN_NAME=Default
export OS_PROJECT_DOMAIN_NAME=Default
export OS_REGION_NAME=RegionOne
RC
# shellcheck disable=SC1091
. "$DIR/openrc"
# the CLI's stderr (eventlet noise at exit) goes to DIR/openstack-cli.log
O() { openstack "$@" -f value -c id 2>>"$DIR/openstack-cli.log"; }
# Create only what is missing: a 409 on SQLite leaves keystone's session
# holding the write lock ("database is locked" on the next write).
roles=$(openstack role list -f value -c Name 2>>"$DIR/openstack-cli.log")
for role in member reader service; do
    grep -qx "$role" <<<"$roles" || O role create "$role"
done
O project create --or-show --domain Default service
O user create --or-show --domain Default --project service --password "$MANILA_PASSWORD" manila
openstack role add --project service --user manila admin 2>>"$DIR/openstack-cli.log"
openstack role add --project service --user manila service 2>>"$DIR/openstack-cli.log"
for svc in sharev2:shared-file-system-v2 share:shared-file-system; do
    type=${svc%%:*}
    name=manila${type#share}
    O service create --name "$name" "$type"
    for iface in public internal admin; do
        O endpoint create --region RegionOne "$type" "$iface" "$MANILITE_URL"
    done
done
echo "keystone at $KS_URL (pid $(cat "$DIR/keystone.pid")), admin password $ADMIN_PASSWORD"
