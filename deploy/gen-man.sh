#!/usr/bin/env bash
# gen-man.sh — a man page (section 1) for a hub program, made from its own --help.
#
#   deploy/gen-man.sh PROGRAM VERSION SUMMARY OUT.1.gz
#
# PROGRAM is the built executable; its `--help` (and, for hubctl, every command's `--help`) is the
# page's text, set verbatim (.nf), so the page cannot drift from the program. SUMMARY is the NAME
# line's description. The page is gzip -9n compressed (reproducible, as Debian wants it). Fails
# when the program's --help fails or prints nothing.
set -euo pipefail
prog=${1:?PROGRAM} version=${2:?VERSION} summary=${3:?SUMMARY} out=${4:?OUT}
name=$(basename "$prog")
upper=$(tr '[:lower:]' '[:upper:]' <<<"$name")

# roff-safe verbatim text: backslashes doubled as \e, a leading . or ' escaped with \&
verbatim() { sed -e 's/\\/\\e/g' -e "s/^\([.']\)/\\\\\&\1/"; }

help_of() {
    local text
    text=$("$@" --help 2>&1) || { echo "gen-man: '$* --help' failed" >&2; exit 1; }
    [[ -n $text ]] || { echo "gen-man: '$* --help' printed nothing" >&2; exit 1; }
    printf '%s\n' "$text"
}

{
    printf '.TH %s 1 "" "sams-hub %s" "SAMS hub"\n' "$upper" "$version"
    printf '.SH NAME\n%s \\- %s\n' "$name" "$summary"
    printf '.SH DESCRIPTION\n.nf\n'
    help_of "$prog" | verbatim
    printf '.fi\n'
    if [[ $name == hubctl ]]; then
        # the commands are the lines "  name   description" after "commands:"
        help_of "$prog" | sed -n '/^commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p' | while read -r cmd; do
            printf '.SH "hubctl %s"\n.nf\n' "$cmd"
            help_of "$prog" "$cmd" | verbatim
            printf '.fi\n'
        done
    fi
    printf '.SH FILES\n/etc/sams-hub/*.conf.example, /usr/share/sams-hub/\n'
    printf '.SH SEE ALSO\n/usr/share/doc/sams-hub/README.md, /usr/share/doc/sams-hub/deploy-README.md\n'
} | gzip -9n >"$out.tmp"
mv "$out.tmp" "$out"
