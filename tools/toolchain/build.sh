#!/usr/bin/env bash
# The Pulumi toolchain for the real-engine suite, built from the Go module proxy (no prebuilt
# binary can be downloaded here) at the version of @pulumi/pulumi in package-lock.json, into a
# cache outside the repo keyed by that version. The last stdout line is the absolute bin dir.
#
#   bin dir holds: pulumi                           the CLI (github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)
#                  pulumi-language-nodejs           only when the proxy serves it (it does not here)
#                  pulumi-resource-pulumi-nodejs    dynamic-provider plugin (script from the sdk module)
#                  pulumi-analyzer-policy-nodejs    policy-pack analyzer (the name the CLI looks for
#                                                   when there is no language host; also linked as
#                                                   pulumi-analyzer-policy, the distribution's name)
#
# Bash, not TypeScript: this is a sequence of go/cp/mv calls that must work before anything
# else of the project does; a script keeps it free of ts-node and node_modules.
#
# Environment: PORTAL_TOOLCHAIN_CACHE (default ${XDG_CACHE_HOME:-$HOME/.cache}/developer-portal).
set -euo pipefail

say() { echo "toolchain: $*" >&2; }
die() { say "$*"; exit 1; }

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
command -v node >/dev/null 2>&1 || die "node is not on the PATH (needed to read package-lock.json)"
version="$(node -e '
  const lock = require(process.argv[1]);
  const v = lock.packages && lock.packages["node_modules/@pulumi/pulumi"] && lock.packages["node_modules/@pulumi/pulumi"].version;
  if (!/^\d+\.\d+\.\d+$/.test(v || "")) { console.error("no exact @pulumi/pulumi version in package-lock.json"); process.exit(1); }
  console.log(v);' "$root/package-lock.json")" || die "cannot read the @pulumi/pulumi version from $root/package-lock.json"

cache="${PORTAL_TOOLCHAIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/developer-portal}"
dest="$cache/pulumi-v$version"
bin="$dest/bin"

# A finished build is renamed into place in one step, so an existing directory is complete.
if [ -x "$bin/pulumi" ] && [ -x "$bin/pulumi-resource-pulumi-nodejs" ]; then
  say "cache hit: Pulumi v$version"
  echo "$bin"
  exit 0
fi

command -v go >/dev/null 2>&1 || die "Go is not installed (the Pulumi CLI v$version is built from the Go module proxy: install Go >= 1.25 and put it on the PATH)"

mkdir -p "$cache"
work="$(mktemp -d "$cache/.build-v$version.XXXXXX")"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/mod" "$work/out/bin"
started=$SECONDS

# A module of our own requires pkg/v3: the `replace` directives of a dependency's go.mod are
# ignored, so Pulumi's local ones (../sdk) drop out. The one remote replace pkg/v3 needs (a
# clipboard fork) must be repeated here, as for any dependency of a main module.
cat >"$work/mod/go.mod" <<EOF
module portal.local/pulumi-toolchain

go 1.25

require github.com/pulumi/pulumi/pkg/v3 v$version

replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e
EOF

say "building Pulumi v$version from the Go module proxy (a cold build takes minutes)"
(
  cd "$work/mod"
  export GOFLAGS=-mod=mod GOTOOLCHAIN=local
  go get "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@v$version" >"$work/go.log" 2>&1 || { tail -20 "$work/go.log" >&2; exit 1; }
  go build -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$version" \
    -o "$work/out/bin/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi >>"$work/go.log" 2>&1 || { tail -20 "$work/go.log" >&2; exit 1; }

  # The Node.js language host, when the proxy serves it. Without it the suite runs inline
  # programs (Automation API), whose language runtime the Node SDK serves in-process.
  langhost=github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3
  if go mod download "$langhost@v$version" >>"$work/go.log" 2>&1; then
    go get "$langhost@v$version" >>"$work/go.log" 2>&1 &&
      go build -o "$work/out/bin/pulumi-language-nodejs" "$langhost" >>"$work/go.log" 2>&1 ||
      say "pulumi-language-nodejs v$version did not build; skipped (inline Automation API programs need no language host)"
  else
    say "the Go module proxy does not serve $langhost@v$version; skipped (inline Automation API programs need no language host)"
  fi

  # The dynamic-provider plugin is a script shipped in the sdk module.
  sdk="$(go mod download -json "github.com/pulumi/pulumi/sdk/v3@v$version" | node -e 'let s="";process.stdin.on("data",(d)=>(s+=d)).on("end",()=>console.log(JSON.parse(s).Dir))')"
  install -m 0755 "$sdk/nodejs/dist/pulumi-resource-pulumi-nodejs" "$work/out/bin/pulumi-resource-pulumi-nodejs"
) || die "building Pulumi v$version failed (output above)"

# The policy analyzer the CLI starts for a Node policy pack when no language host is installed:
# `pulumi-analyzer-policy-<runtime> <engine-address> .` in the pack's directory
# (sdk/go/common/resource/plugin/analyzer_plugin.go, NewPolicyAnalyzer).
cat >"$work/out/bin/pulumi-analyzer-policy-nodejs" <<'EOF'
#!/bin/sh
# Runs a Node.js CrossGuard policy pack with the @pulumi/pulumi that the pack's directory resolves.
script=$(node -e "console.log(require.resolve('@pulumi/pulumi/cmd/run-policy-pack'))") || exit 1
exec node "$script" "$@"
EOF
chmod 0755 "$work/out/bin/pulumi-analyzer-policy-nodejs"
# The name the CLI distribution ships it under.
ln -s pulumi-analyzer-policy-nodejs "$work/out/bin/pulumi-analyzer-policy"

"$work/out/bin/pulumi" version >/dev/null || die "the built pulumi binary does not run"

# Atomic publish: rename the finished tree; if another build won the race, keep theirs.
if ! mv -T "$work/out" "$dest" 2>/dev/null; then
  [ -x "$bin/pulumi" ] || die "cannot move the build into $dest"
fi
say "built Pulumi v$version in $((SECONDS - started)) s"
echo "$bin"
