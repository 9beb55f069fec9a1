#!/bin/bash
# Runs manila-tempest-plugin's API tests against manilite, from scratch, on
# a Debian 12 machine: a private Keystone (SQLite, under uwsgi), manilite in
# keystone mode built from this checkout, tempest with dynamic credentials.
#
#   scripts/tempest/run.sh                      # the whole API suite
#   REGEX='^manila_tempest_tests\.tests\.api\.test_shares\b' scripts/tempest/run.sh
#
# Environment (all optional):
#   WORK            folder for everything (default: a new mktemp -d)
#   KEYSTONE_PORT   15000        MANILITE_PORT  18786
#   PLUGIN_SRC      the plugin: a git URL (default opendev), a bare git dir,
#                   or a checked-out folder
#   PLUGIN_REF      commit or tag to take from PLUGIN_SRC (default HEAD)
#   REGEX           tempest --regex (default ^manila_tempest_tests\.tests\.api)
#   CONCURRENCY     tempest --concurrency (default 1)
#   MANILITE_BIN    a prebuilt manilite (default: go build ./cmd/manilite)
#   KEEP_RUNNING=1  leave keystone and manilite running at the end
# Needs root for apt-get when a Debian package is missing, Go (go.mod's
# version) unless MANILITE_BIN is given, and network for the plugin's git.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
HERE=$REPO/scripts/tempest
WORK=${WORK:-$(mktemp -d "${TMPDIR:-/tmp}/manilite-tempest.XXXXXX")}
mkdir -p "$WORK"; WORK=$(cd "$WORK" && pwd)
# a reused WORK starts over: everything below is made again
rm -rf "$WORK/keystone" "$WORK/manilite-data" "$WORK/tempest" "$WORK/manila-tempest-plugin"
KEYSTONE_PORT=${KEYSTONE_PORT:-15000}
MANILITE_PORT=${MANILITE_PORT:-18786}
PLUGIN_SRC=${PLUGIN_SRC:-https://opendev.org/openstack/manila-tempest-plugin}
PLUGIN_REF=${PLUGIN_REF:-HEAD}
REGEX=${REGEX:-'^manila_tempest_tests\.tests\.api'}
CONCURRENCY=${CONCURRENCY:-1}
ADMIN_PASSWORD=secretadmin
MANILA_PASSWORD=secretmanila
KEYSTONE_URL=http://127.0.0.1:$KEYSTONE_PORT
MANILITE_URL=http://127.0.0.1:$MANILITE_PORT
# Debian's python (tempest, keystone and the plugin's deps are Debian's)
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
echo "work folder: $WORK"

# 1. Debian packages
PKGS="tempest python3-keystone uwsgi-core uwsgi-plugin-python3 python3-ddt
      barbican-tempest-plugin python3-openstackclient python3-subunit curl git"
missing=$(for p in $PKGS; do dpkg -s "$p" >/dev/null 2>&1 || echo "$p"; done)
if [ -n "$missing" ]; then
    [ "$(id -u)" = 0 ] || { echo "missing Debian packages: $missing (run as root or install them)" >&2; exit 1; }
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing
fi

# 2. the plugin, made visible to tempest's stevedore (entry point
#    tempest.test_plugins) by a minimal dist-info on PYTHONPATH
PLUGIN=$WORK/manila-tempest-plugin
rm -rf "$PLUGIN"; mkdir -p "$PLUGIN"
if [ -f "$PLUGIN_SRC/HEAD" ] && [ -d "$PLUGIN_SRC/objects" ]; then      # bare git dir
    git --git-dir="$PLUGIN_SRC" archive "$PLUGIN_REF" | tar -x -C "$PLUGIN"
    git --git-dir="$PLUGIN_SRC" rev-parse "$PLUGIN_REF" > "$PLUGIN/COMMIT"
elif [ -d "$PLUGIN_SRC/manila_tempest_tests" ]; then                    # a checkout
    cp -a "$PLUGIN_SRC/." "$PLUGIN/"
    git -C "$PLUGIN_SRC" rev-parse HEAD > "$PLUGIN/COMMIT" 2>/dev/null || echo unknown > "$PLUGIN/COMMIT"
else                                                                    # a URL
    git clone -q "$PLUGIN_SRC" "$PLUGIN"
    git -C "$PLUGIN" checkout -q "$PLUGIN_REF"
    git -C "$PLUGIN" rev-parse HEAD > "$PLUGIN/COMMIT"
fi
DI=$PLUGIN/manila_tempest_plugin-0.0.0.dist-info
mkdir -p "$DI"
printf 'Metadata-Version: 2.1\nName: manila-tempest-plugin\nVersion: 0.0.0\n' > "$DI/METADATA"
printf '[tempest.test_plugins]\nmanila_tests = manila_tempest_tests.plugin:ManilaTempestPlugin\n' > "$DI/entry_points.txt"
export PYTHONPATH=$PLUGIN${PYTHONPATH:+:$PYTHONPATH}
echo "plugin commit: $(cat "$PLUGIN/COMMIT")"

# processes to stop at the end
cleanup() {
    # from WORK: a tempest command rewrites ./tempest.log, and the run's is in $WS
    [ -n "${WS_NAME:-}" ] && (cd "$WORK" && tempest workspace remove --name "$WS_NAME" >/dev/null 2>&1) || true
    [ "${KEEP_RUNNING:-0}" = 1 ] && { echo "left running: keystone $(cat "$WORK/keystone/keystone.pid" 2>/dev/null), manilite $(cat "$WORK/manilite.pid" 2>/dev/null)"; return; }
    [ -f "$WORK/manilite.pid" ] && kill "$(cat "$WORK/manilite.pid")" 2>/dev/null || true
    [ -f "$WORK/keystone/keystone.pid" ] && kill "$(cat "$WORK/keystone/keystone.pid")" 2>/dev/null || true
}
trap cleanup EXIT

# 3. keystone
KEYSTONE_PORT=$KEYSTONE_PORT MANILITE_URL=$MANILITE_URL/v2 \
ADMIN_PASSWORD=$ADMIN_PASSWORD MANILA_PASSWORD=$MANILA_PASSWORD \
    "$HERE/keystone-setup.sh" "$WORK/keystone" > "$WORK/keystone-setup.log" 2>&1 \
    || { tail -20 "$WORK/keystone-setup.log"; exit 1; }
tail -1 "$WORK/keystone-setup.log"

# 4. manilite, keystone mode
if [ -z "${MANILITE_BIN:-}" ]; then
    (cd "$REPO" && go build -o "$WORK/manilite" ./cmd/manilite)
    MANILITE_BIN=$WORK/manilite
fi
git -C "$REPO" rev-parse HEAD > "$WORK/manilite.commit" 2>/dev/null || true
mkdir -p "$WORK/manilite-data"
"$MANILITE_BIN" serve --auth keystone --keystone-url "$KEYSTONE_URL" \
    --keystone-username manila --keystone-password "$MANILA_PASSWORD" \
    --listen "127.0.0.1:$MANILITE_PORT" --db "$WORK/manilite-data/manilite.db" \
    --data-dir "$WORK/manilite-data" --log-level info > "$WORK/manilite.log" 2>&1 &
echo $! > "$WORK/manilite.pid"
for _ in $(seq 30); do curl -s "$MANILITE_URL/" >/dev/null && break; sleep 1; done
VERSIONS=$(curl -s "$MANILITE_URL/")
MIN=$(/usr/bin/python3 -c 'import json,sys; print(json.loads(sys.argv[1])["versions"][0]["min_version"])' "$VERSIONS")
MAX=$(/usr/bin/python3 -c 'import json,sys; print(json.loads(sys.argv[1])["versions"][0]["version"])' "$VERSIONS")
echo "manilite $(cat "$WORK/manilite.commit" 2>/dev/null) at $MANILITE_URL, microversions $MIN-$MAX"

# 5. tempest workspace and config
WS=$WORK/tempest
rm -rf "$WS"
# a workspace name is unique in ~/.tempest/workspace.yaml: a fresh one, removed at the end
WS_NAME=manilite-$(date +%s)-$$
(cd "$WORK" && tempest init --name "$WS_NAME" "$WS" >/dev/null)   # tempest may leave a tempest.log in its cwd
sed -e "s|@ADMIN_PASSWORD@|$ADMIN_PASSWORD|" -e "s|@KEYSTONE_URL@|$KEYSTONE_URL|" \
    -e "s|@MIN_MICROVERSION@|$MIN|" -e "s|@MAX_MICROVERSION@|$MAX|" \
    -e "s|@BACKEND@|manilite|" "$HERE/tempest.conf.in" > "$WS/etc/tempest.conf"

# 6. run
cd "$WS"
set +e
tempest run --regex "$REGEX" --concurrency "$CONCURRENCY" > "$WORK/tempest-run.out" 2>&1
rc=$?
set -e
stestr last --subunit > "$WORK/results.subunit" 2>/dev/null || true
/usr/bin/python3 "$HERE/summary.py" "$WORK/results.subunit" | tee "$WORK/summary.txt"
/usr/bin/python3 "$HERE/failures.py" "$WORK/results.subunit" 3 "$WS/tempest.log" > "$WORK/failures.txt" || true
echo "tempest exit $rc; failures $WORK/failures.txt, output $WORK/tempest-run.out, log $WS/tempest.log, subunit $WORK/results.subunit, manilite log $WORK/manilite.log"
exit $rc
