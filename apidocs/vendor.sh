#!/usr/bin/env bash
# Vendors swagger-ui-dist from the npm registry into apidocs/swagger-ui/:
# only the two files the page loads, with the package's LICENSE and NOTICE,
# and a README naming the version and the tarball's integrity. The files are
# committed, so building manilite needs no network. Run it through
# `make vendor-docs` (SWAGGER_UI_VERSION=x.y.z to move to another version).
#
# `npm pack` only downloads the tarball and runs no install scripts, so the
# package's install-time analytics (Scarf) never run; SCARF_ANALYTICS=false
# would turn them off if they did.
set -euo pipefail
cd "$(dirname "$0")"

version="${SWAGGER_UI_VERSION:-5.35.0}"
files=(swagger-ui-bundle.js swagger-ui.css LICENSE NOTICE)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && SCARF_ANALYTICS=false npm pack --silent --json "swagger-ui-dist@${version}" >pack.json)
integrity=$(node -e 'console.log(require(process.argv[1])[0].integrity)' "$tmp/pack.json")
tar -xzf "$tmp/swagger-ui-dist-${version}.tgz" -C "$tmp"

rm -rf swagger-ui
mkdir swagger-ui
for f in "${files[@]}"; do
	cp "$tmp/package/$f" "swagger-ui/$f"
done

# The page must not reach the network: fail on a stylesheet that pulls a
# font or an image from elsewhere.
if grep -Eo 'url\((["'\'']?)(https?:)?//' swagger-ui/swagger-ui.css >/dev/null; then
	echo "vendor.sh: swagger-ui.css loads something from another host" >&2
	exit 1
fi

cat >swagger-ui/README.md <<README
# swagger-ui-dist ${version}

Vendored by \`make vendor-docs\` (apidocs/vendor.sh) from the npm registry:
\`npm pack swagger-ui-dist@${version}\`, integrity \`${integrity}\`.

Kept, unchanged: the two files the API reference page (GET /docs) loads,
\`swagger-ui-bundle.js\` and \`swagger-ui.css\`, and the package's LICENSE
and NOTICE. The server embeds this folder and serves it under
/docs/swagger-ui/.

Licence: Apache-2.0 (LICENSE and NOTICE beside this file).
Upstream: https://github.com/swagger-api/swagger-ui

To update: \`make vendor-docs SWAGGER_UI_VERSION=x.y.z\`, then run the tests
(\`go test ./apidocs/ ./cmd/manilite/ -run Docs\`) and commit the result.
README
echo "vendored swagger-ui-dist ${version} (${integrity})"
