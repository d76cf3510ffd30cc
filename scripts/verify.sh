#!/usr/bin/env bash
# Drift check: copy the tracked tree to a temporary directory, run every
# //go:generate there, and fail if any generated file differs from the copy
# in this tree or is missing from it.
set -euo pipefail
root=$(git rev-parse --show-toplevel)
cd "$root"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
git ls-files -z --cached --others --exclude-standard | xargs -0 -I{} cp --parents {} "$tmp" 2>/dev/null || true
(cd "$tmp" && go generate ./... >/dev/null)
status=0
while IFS= read -r -d '' f; do
  rel=${f#"$tmp"/}
  if [ ! -e "$root/$rel" ]; then
    echo "verify: $rel is generated but not committed"
    status=1
  elif ! cmp -s "$f" "$root/$rel"; then
    echo "verify: $rel differs from what its generator writes; run 'make generate'"
    diff -u "$root/$rel" "$f" | head -n 20 || true
    status=1
  fi
done < <(find "$tmp" -type f -print0)
if [ "$status" -eq 0 ]; then
  echo "verify: generated files are up to date"
fi
exit "$status"
