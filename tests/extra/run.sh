#!/bin/sh
# make EXTRA with a program from elsewhere (tests/extra/mitstyle.c): it
# must build despite its warnings, land in fs.img and run; so must a
# program that make XV6=dir takes from an MIT xv6 tree. In a copy of
# the tree, so that this tree's fs.img stays as it is. Prints ok/FAIL lines.
cd "$(dirname "$0")/../.." || exit 2
TMP=$(mktemp -d) || exit 2
trap 'rm -rf "$TMP"' EXIT
tar --exclude=./.git --exclude=./logs --exclude=./sd.img -cf - . | tar -C "$TMP" -xf -
if make -C "$TMP" -s EXTRA=tests/extra/mitstyle.c fs.img >"$TMP/build.log" 2>&1; then
  echo "ok extra-build"
else
  echo "FAIL extra-build"; sed 's/^/    /' "$TMP/build.log" | tail -20; exit 1
fi
if grep -q "warning" "$TMP/build.log"; then
  echo "ok extra-warnings-shown"
else
  echo "FAIL extra-warnings-shown"; echo "    no warning printed for mitstyle.c"
fi
# An earlier EXTRA's dependency files must not break the next build: a
# program of the same name from another directory, the first one gone.
mkdir -p "$TMP/a" "$TMP/b"
cp tests/extra/mitstyle.c "$TMP/a/mitstyle.c"
cp tests/extra/mitstyle.c "$TMP/b/mitstyle.c"
make -C "$TMP" -s EXTRA="$TMP/a/mitstyle.c" fs.img >/dev/null 2>&1
rm -rf "$TMP/a"
if make -C "$TMP" -s EXTRA="$TMP/b/mitstyle.c" fs.img >"$TMP/build2.log" 2>&1; then
  echo "ok extra-stale-deps"
else
  echo "FAIL extra-stale-deps"; sed 's/^/    /' "$TMP/build2.log" | tail -5
fi
# make bench XV6=dir: dir's user/usertests.c becomes xv6usertests, next to
# cowpin's usertests and to what EXTRA names.
mkdir -p "$TMP/xv6/user"
cp tests/extra/mitstyle.c "$TMP/xv6/user/usertests.c"
make -C "$TMP" -s EXTRA=tests/extra/mitstyle.c XV6="$TMP/xv6" fs.img >/dev/null 2>&1
if python3 tools/qemu.py --fs "$TMP/fs.img" --timeout 30 --log "$TMP/qemu.log" mitstyle \
     xv6usertests >/dev/null 2>&1 && [ "$(grep -c "^mitstyle: OK" "$TMP/qemu.log")" = 2 ]; then
  echo "ok extra-runs"
else
  echo "FAIL extra-runs"; tail -5 "$TMP/qemu.log" | sed 's/^/    /'
fi
