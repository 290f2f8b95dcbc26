#!/usr/bin/env bash
# package-check.sh — builds the Debian packages sams-hub and libsams-publish-dev and checks what
# they install.
#
#   deploy/package-check.sh [--build DIR] [--out DIR]
#
#   --build DIR  the build directory to package (default <repo>/build; configured and built if
#                needed; an ASan build is refused)
#   --out DIR    keep the .deb there (default: a temporary directory, removed at the end)
#
# 1. `cpack -G DEB` makes two packages: sams-hub (the programs; its library dependencies computed
#    by dpkg-shlibdeps, the /etc/sams-hub examples as conffiles) and libsams-publish-dev (the
#    district library; depends on the -dev packages of what it calls);
# 2. `dpkg-deb -c`: every expected file is in its package — the programs that are built with a
#    man page each (made from --help, naming the program's usage), every migration, reference
#    file and schema of the source tree, the units of the programs shipped, the config examples,
#    docs (the schools' contract NOTIFIER.md too), Kafka files, a changelog.Debian.gz of this
#    version in both; the header, archive and pkg-config file in the -dev package only;
# 3. `dpkg -x` into a scratch root: every program runs (`--help`) with its libraries found
#    (no LD_LIBRARY_PATH: they link only Debian's shared libraries, ldd must find them all);
# 4. the installed data is found through the shipped example config: `hubctl migrate --config`
#    with /etc/sams-hub/hubctl.conf.example (its /usr/share/sams-hub paths moved into the scratch
#    root) migrates a throwaway PostgreSQL to the newest migration; every other example is
#    accepted by the same config loader;
# 5. the shipped units pass deploy/systemd/verify.sh --root (with the real installed programs);
# 6. a district program (docs examples/publish_placement.c) compiles and links against the
#    installed header and the one archive, via `pkg-config --cflags --libs sams_publish`.
# Exits 0 when all pass, 1 otherwise.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$SCRIPT_DIR/.." && pwd)

say() { printf 'package-check: %s\n' "$*" >&2; }
die() { say "FAIL: $*"; exit 1; }

build=$REPO/build
out=
while (($#)); do
    case $1 in
    --build) build=${2:?--build needs a directory}; shift ;;
    --out) out=${2:?--out needs a directory}; shift ;;
    -h | --help) sed -n '2,25s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) say "unknown argument '$1'"; exit 2 ;;
    esac
    shift
done
[[ $build == /* ]] || build=$PWD/$build
for c in cpack dpkg-deb dpkg ldd cc pkg-config; do
    command -v "$c" >/dev/null 2>&1 || die "$c not found (run deploy/setup.sh)"
done

work=$(mktemp -d "${TMPDIR:-/tmp}/sams-package.XXXXXX")
chmod 755 "$work" # the postgres user must reach the throwaway cluster below
pg_state=$work/pg
cleanup() {
    bash "$SCRIPT_DIR/pg.sh" stop "$pg_state" >/dev/null 2>&1 || true
    rm -rf -- "$work"
}
trap cleanup EXIT
[[ -n $out ]] || out=$work/out
mkdir -p "$out"

# --- 1. build and package ------------------------------------------------------------------------
if [[ -f $build/CMakeCache.txt ]] && grep -q '^HUB_SANITIZE:BOOL=ON' "$build/CMakeCache.txt"; then
    die "$build is an ASan build; package a normal one (--build)"
fi
say "building in $build"
cmake -S "$REPO" -B "$build" >"$work/cmake.log" 2>&1 || { tail -n 20 "$work/cmake.log" >&2; die "cmake configure failed"; }
cmake --build "$build" -j "$(nproc 2>/dev/null || echo 2)" >"$work/build.log" 2>&1 ||
    { tail -n 20 "$work/build.log" >&2; die "build failed"; }
say "cpack -G DEB"
(cd "$build" && cpack -G DEB -B "$out") >"$work/cpack.log" 2>&1 || { tail -n 20 "$work/cpack.log" >&2; die "cpack failed"; }
debs=("$out"/sams-hub_*.deb)
[[ -f ${debs[0]} && ${#debs[@]} == 1 ]] || die "expected one sams-hub_*.deb in $out, found: ${debs[*]}"
deb=${debs[0]}
debs=("$out"/libsams-publish-dev_*.deb)
[[ -f ${debs[0]} && ${#debs[@]} == 1 ]] || die "expected one libsams-publish-dev_*.deb in $out, found: ${debs[*]}"
devdeb=${debs[0]}
say "built $(basename "$deb") ($(du -k "$deb" | cut -f1) KiB), $(basename "$devdeb") ($(du -k "$devdeb" | cut -f1) KiB)"

failed=0
bad() { say "FAIL: $*"; failed=1; }

field() { dpkg-deb -f "$deb" "$1"; }
[[ $(field Package) == sams-hub ]] || bad "Package is '$(field Package)'"
[[ $(dpkg-deb -f "$devdeb" Package) == libsams-publish-dev ]] || bad "the -dev package is '$(dpkg-deb -f "$devdeb" Package)'"
[[ $(dpkg-deb -f "$devdeb" Section) == libdevel ]] || bad "libsams-publish-dev is not in section libdevel"
devdepends=$(dpkg-deb -f "$devdeb" Depends)
for dep in librdkafka-dev libpq-dev libssl-dev libjansson-dev pkg-config; do
    [[ $devdepends == *"$dep"* ]] || bad "libsams-publish-dev's Depends lacks $dep: $devdepends"
done
depends=$(field Depends)
for lib in libc6 librdkafka1 libpq5 libssl3 libjansson4; do
    [[ $depends == *"$lib "* || $depends == *"$lib," || $depends == *"$lib" ]] || bad "Depends lacks $lib: $depends"
done
say "Depends: $depends"
dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles >"$work/conffiles" 2>/dev/null || bad "no conffiles in the control archive"

# --- 2. the file list ----------------------------------------------------------------------------
dpkg-deb -c "$deb" | awk '{print $NF}' | sed 's#^\./#/#; s#/$##' | sort >"$work/files"
dpkg-deb -c "$devdeb" | awk '{print $NF}' | sed 's#^\./#/#; s#/$##' | sort >"$work/devfiles"
multiarch=$(awk -F= '$1 == "CMAKE_LIBRARY_ARCHITECTURE:INTERNAL" || $1 == "CMAKE_LIBRARY_ARCHITECTURE:STRING" {print $2}' \
    "$build/CMakeCache.txt" | head -n 1)
[[ -n $multiarch ]] || multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -print-multiarch)
libdir=/usr/lib/$multiarch

expected=(
    /usr/bin/hubctl /usr/bin/hub-publish /usr/bin/hub-readmodel
    /lib/systemd/system/hub-readmodel.service /lib/systemd/system/hub-readmodel-rebuild.service
    /usr/share/doc/sams-hub/README.md /usr/share/doc/sams-hub/deploy-README.md
    /usr/share/doc/sams-hub/INPUT.md /usr/share/doc/sams-hub/copyright
    /usr/share/doc/sams-hub/NOTIFIER.md /usr/share/doc/sams-hub/SCHEMAS.md
    /usr/share/doc/sams-hub/changelog.Debian.gz /usr/share/doc/sams-hub/examples/events.jsonl
    /usr/share/man/man1/hubctl.1.gz /usr/share/man/man1/hub-publish.1.gz
    /usr/share/man/man1/hub-readmodel.1.gz
    /usr/share/sams-hub/kafka/apply.sh /usr/share/sams-hub/kafka/gen-strimzi.sh
    /usr/share/sams-hub/kafka/table.sh /usr/share/sams-hub/kafka/cluster.table
    /usr/share/sams-hub/kafka/strimzi/kafka.yaml /usr/share/sams-hub/kafka/strimzi/topics.yaml
    /usr/share/sams-hub/kafka/strimzi/users.yaml
)
# Programs written after this script: shipped (with their unit) once they are built.
for prog in hub-relay hub-notifier hub-stats hub-open; do
    if find "$build" -maxdepth 3 -type f -name "$prog" -perm -u+x 2>/dev/null | grep -q .; then
        expected+=("/usr/bin/$prog" "/usr/share/man/man1/$prog.1.gz")
        [[ -f $SCRIPT_DIR/systemd/$prog.service ]] && expected+=("/lib/systemd/system/$prog.service")
    fi
done
for f in "$REPO"/deploy/migrations/*.sql; do expected+=("/usr/share/sams-hub/migrations/$(basename "$f")"); done
for f in "$REPO"/deploy/outbox/*.sql; do expected+=("/usr/share/sams-hub/outbox/$(basename "$f")"); done
[[ -f $REPO/producers/OUTBOX.md ]] && expected+=(/usr/share/doc/sams-hub/OUTBOX.md)
for f in "$REPO"/schemas/reference/*; do expected+=("/usr/share/sams-hub/reference/$(basename "$f")"); done
while IFS= read -r f; do expected+=("/usr/share/sams-hub/schemas/${f#"$REPO"/schemas/}"); done \
    < <(find "$REPO/schemas" -name '*.avsc' | sort)
for f in "$SCRIPT_DIR"/etc/sams-hub/*.conf.example; do
    expected+=("/etc/sams-hub/$(basename "$f")")
    grep -qx "/etc/sams-hub/$(basename "$f")" "$work/conffiles" || bad "/etc/sams-hub/$(basename "$f") is not a conffile"
done
missing=0
for f in "${expected[@]}"; do
    grep -qxF -- "$f" "$work/files" || { bad "missing from the package: $f"; missing=$((missing + 1)); }
done
dev_expected=(
    /usr/include/sams_publish.h "$libdir/libsams_publish.a" "$libdir/pkgconfig/sams_publish.pc"
    /usr/share/doc/libsams-publish-dev/copyright /usr/share/doc/libsams-publish-dev/changelog.Debian.gz
    /usr/share/doc/libsams-publish-dev/examples/publish_placement.c
)
for f in "${dev_expected[@]}"; do
    grep -qxF -- "$f" "$work/devfiles" || { bad "missing from libsams-publish-dev: $f"; missing=$((missing + 1)); }
done
# The split is clean: development files only in -dev, and -dev holds nothing else.
misplaced=$(grep -E '^/usr/include/|\.a$|/pkgconfig/' "$work/files" || true)
[[ -z $misplaced ]] || bad "development files in sams-hub: $(tr '\n' ' ' <<<"$misplaced")"
extra=$(grep -vE '^/usr/include|^/usr/lib|^/usr/share/doc/libsams-publish-dev|^/usr/share/doc$|^/usr/share$|^/usr$|^/$|^$' "$work/devfiles" || true)
[[ -z $extra ]] || bad "libsams-publish-dev carries more than the library: $(tr '\n' ' ' <<<"$extra")"
# And nothing from the build or source tree that should not ship.
stray=$(grep -E '(/tests?/|CMakeFiles|\.o$|_test$|/bench)' "$work/files" || true)
[[ -z $stray ]] || bad "files that should not ship: $(tr '\n' ' ' <<<"$stray")"
((missing)) || say "all ${#expected[@]} expected files present ($(wc -l <"$work/files") entries)"

# Man pages: one per program, made from its own --help (its usage line is in the page).
for p in $(grep '^/usr/bin/' "$work/files"); do
    name=$(basename "$p")
    page=/usr/share/man/man1/$name.1.gz
    grep -qxF "$page" "$work/files" || continue # named missing above
    dpkg-deb --fsys-tarfile "$deb" | tar -xO ".$page" | gzip -dc >"$work/page" 2>/dev/null || { bad "$page is not gzip"; continue; }
    grep -q "^\.TH $(tr '[:lower:]' '[:upper:]' <<<"$name") 1 " "$work/page" || bad "$page has no .TH line for $name"
    [[ $(sed -n '/^[.]SH NAME/{n;p;q}' "$work/page") == "$name \\- "?* ]] || bad "$page has no NAME line"
    grep -q "usage: $name" "$work/page" || bad "$page does not show $name's usage"
    if command -v groff >/dev/null 2>&1; then
        groff -man -Tutf8 -ww -z "$work/page" >"$work/groff.out" 2>&1 && [[ ! -s $work/groff.out ]] ||
            bad "$page: groff warns: $(head -n 2 "$work/groff.out")"
    fi
done
# The changelog of both packages starts with this version.
version=$(field Version)
for d in "$deb" "$devdeb"; do
    pkg=$(dpkg-deb -f "$d" Package)
    top=$(dpkg-deb --fsys-tarfile "$d" | tar -xO "./usr/share/doc/$pkg/changelog.Debian.gz" | gzip -dc | head -n 1)
    [[ $top == "sams-hub ($version) "* ]] || bad "$pkg's changelog.Debian.gz starts '$top', not version $version"
done

# --- 3. extract and run --------------------------------------------------------------------------
root=$work/root
dpkg -x "$deb" "$root"
dpkg -x "$devdeb" "$root"
for p in "$root"/usr/bin/*; do
    name=$(basename "$p")
    if ldd "$p" | grep -q 'not found'; then
        bad "$name: libraries not found: $(ldd "$p" | grep 'not found' | tr -s ' \t\n' ' ')"
        continue
    fi
    rc=0
    "$p" --help >"$work/help.out" 2>&1 || rc=$?
    if ((rc != 0)); then
        bad "$name --help exited $rc: $(head -n 2 "$work/help.out")"
    fi
done
"$root/usr/bin/hubctl" --help >"$work/help.out" 2>&1 && grep -q 'migrate' "$work/help.out" ||
    bad "installed hubctl --help does not list migrate"
# The built-in defaults name the build machine's source tree (HUB_SOURCE_DIR): installed programs
# must be configured (the examples are) until a compiled-in data directory replaces it.
if grep -qlF "$REPO/deploy/migrations" "$root/usr/bin/hubctl" 2>/dev/null ||
    grep -qlF "$REPO" "$root/usr/bin/hubctl" 2>/dev/null; then
    say "note: the programs' built-in data paths point at $REPO (HUB_SOURCE_DIR); the installed" \
        "ones rely on hub.migrations_dir / hub.reference_dir from /etc/sams-hub (see deploy/README.md)"
fi

# --- 4. the example config finds the installed data ---------------------------------------------
for f in "$root"/etc/sams-hub/*.conf.example; do
    while IFS='=' read -r key value; do
        [[ -e $root$value ]] || bad "$(basename "$f"): $key=$value is not in the package"
    done < <(grep -E '^hub\.(migrations_dir|reference_dir)=' "$f")
done
say "throwaway PostgreSQL for hubctl migrate"
bash "$SCRIPT_DIR/pg.sh" start "$pg_state" >"$work/pg.log" 2>&1 || { cat "$work/pg.log" >&2; die "PostgreSQL did not start"; }
eval "$(bash "$SCRIPT_DIR/pg.sh" env "$pg_state")"
n_migrations=$(find "$root/usr/share/sams-hub/migrations" -name '[0-9][0-9][0-9]_*.sql' | wc -l)
newest=$(find "$root/usr/share/sams-hub/migrations" -name '[0-9][0-9][0-9]_*.sql' -printf '%f\n' | sort | tail -n 1 | cut -c1-3)
# Runs the installed hubctl migrate with an example config whose /usr/share/sams-hub paths are
# moved into the scratch root. The example's server and TLS settings are for production; here:
# the local socket, no TLS (HUB_PG_* override pg.*). Sets RC and writes $work/migrate.out.
migrate_with() { # EXAMPLE
    sed "s#=/usr/share/sams-hub/#=$root/usr/share/sams-hub/#" "$root/etc/sams-hub/$1" >"$work/$1"
    RC=0
    HUB_PG_HOST=$PGHOST HUB_PG_PORT=$PGPORT HUB_PG_USER=$PGUSER HUB_PG_DBNAME=$PGDATABASE \
        HUB_PG_SSLMODE=disable "$root/usr/bin/hubctl" migrate --config "$work/$1" >"$work/migrate.out" 2>&1 || RC=$?
}
migrate_with hubctl.conf.example
if ((RC != 0)); then
    bad "installed hubctl migrate with hubctl.conf.example failed ($RC): $(tail -n 3 "$work/migrate.out")"
elif ! grep -q "applied $n_migrations migration.*schema version $((10#$newest))\$" "$work/migrate.out"; then
    bad "expected $n_migrations migrations up to $newest: $(cat "$work/migrate.out")"
else
    say "installed hubctl migrate with hubctl.conf.example: $(tail -n 1 "$work/migrate.out")"
fi
# Every other example is a valid configuration too (unknown hub.* keys and bad values stop the
# programs at start, with exit status 2).
for f in "$root"/etc/sams-hub/*.conf.example; do
    name=$(basename "$f")
    [[ $name == hubctl.conf.example ]] && continue
    migrate_with "$name"
    ((RC == 0)) || bad "$name is not a valid configuration (hubctl migrate exited $RC): $(tail -n 2 "$work/migrate.out")"
done

# --- 5. systemd units with the installed programs -----------------------------------------------
if bash "$SCRIPT_DIR/systemd/verify.sh" --root "$root" 2>"$work/verify.out"; then
    say "units: $(tail -n 1 "$work/verify.out" | sed 's/^systemd-verify: //')"
else
    cat "$work/verify.out" >&2
    bad "the installed units do not verify"
fi

# --- 6. a district program links against the installed library ---------------------------------
archive=$root$libdir/libsams_publish.a
nm -g --defined-only "$archive" >"$work/nm.out" 2>/dev/null || bad "nm cannot read libsams_publish.a"
for sym in sams_publisher_open hub_publisher_new; do
    grep -qE " T $sym\$" "$work/nm.out" || bad "libsams_publish.a does not define $sym"
done
if flags=$(PKG_CONFIG_PATH=$root$libdir/pkgconfig PKG_CONFIG_SYSROOT_DIR=$root \
    pkg-config --cflags --libs sams_publish 2>"$work/pc.err"); then
    # shellcheck disable=SC2086 # pkg-config's output is a list of words
    if cc -std=c11 -o "$work/publish_placement" "$root/usr/share/doc/libsams-publish-dev/examples/publish_placement.c" \
        $flags >"$work/cc.out" 2>&1; then
        say "examples/publish_placement.c links against the installed libsams_publish.a alone"
    else
        bad "the district example does not link: $(head -n 5 "$work/cc.out")"
    fi
else
    bad "pkg-config sams_publish: $(cat "$work/pc.err")"
fi

if ((failed)); then
    say "package check FAILED"
    exit 1
fi
say "package check passed: $(basename "$deb"), $(basename "$devdeb")"
