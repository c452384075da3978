#!/bin/sh
# check-layers.sh - check the include graph against bpfrt's layering.
#
#   scripts/check-layers.sh        print every violation (file:line), exit 1 on
#                                  any when LAYERS_STRICT=1 (make passes it)
#   scripts/check-layers.sh -g     also print the module graph (who includes whom)
#   scripts/check-layers.sh [-g] OBJDIR
#                                  also rule (c) on the objects OBJDIR/src/*/*.o
#
# Three rules:
#  (a) tools/ is built on the public API: a file under tools/ may include
#      headers from include/ and tools/ only (and system headers).
#  (b) a module src/M/ may include headers of its own module and of modules
#      that come before it in LAYERS below, never of a later one; so the
#      module graph has no circles.  A module missing from LAYERS is a
#      violation too (add it where it belongs).
#  (c) with OBJDIR: the same order for what the objects link to: a module's
#      undefined symbols (weak ones included) must be defined by its own
#      module or an earlier one.  This sees what includes do not: calls
#      through the public header (include/ is allowed everywhere) and
#      declarations written out by hand or resolved through weak symbols.
#
# The order, lowest first, follows the pipeline of docs/ARCHITECTURE.md read
# from the bottom: what everything shares (common: option structs, logs,
# checksums), the instruction format (isa), BTF, what a program touches when
# it runs (maps, then the engine that runs it, a JIT beside the interpreter,
# then the helpers, which call into maps and into the engine's run context),
# then what loading adds (program-type tables, the verifier), the program
# object and its load pipeline (runtime), and last the ELF loader, which
# drives all of it.  Override with LAYERS="..." to try another order.
LAYERS=${LAYERS:-"common isa btf maps engine jit helpers progtypes verifier runtime loader"}
STRICT=${LAYERS_STRICT:-0}
GRAPH=0
[ "$1" = "-g" ] && { GRAPH=1; shift; }
OBJDIR=$1

cd "$(dirname "$0")/.." || exit 2

files=$(find src tools -type f \( -name '*.c' -o -name '*.h' -o -name '*.inc' \) | LC_ALL=C sort)
objs=""
# only the objects of sources that exist (a moved file leaves a stale object)
[ -n "$OBJDIR" ] && objs=$(find "$OBJDIR/src" -mindepth 2 -maxdepth 2 -name '*.o' 2>/dev/null | LC_ALL=C sort |
    while read -r o; do s=${o#"$OBJDIR"/}; [ -f "${s%.o}.c" ] && echo "$o"; done)

# The objects' symbols as "nm OBJ TYPE SYMBOL" lines, fed to awk after the
# file names: defined globals and undefined references (U, w).
symbols() {
    [ -n "$objs" ] || return 0
    nm -A -g $objs | awk '{ f = $1; sub(/:.*/, "", f)
        if ($1 ~ /:$/) print "nm", f, $2, $3; else print "nm", f, $2, $3 }'
}

# One awk run over every file: resolve each #include the way the compiler
# does (the including file's directory, then -Iinclude, -Isrc), then judge it.
{ printf '%s\n' $files; symbols; } | awk -v layers="$LAYERS" -v objdir="$OBJDIR" -v strict="$STRICT" -v graph="$GRAPH" '
function exists(p,   l, r) {
    if (p in seen_file) return seen_file[p]
    r = (getline l < p) >= 0
    close(p)
    seen_file[p] = r
    return r
}
# Remove "." and "x/.." components.
function norm(p,   n, a, out, k, i) {
    n = split(p, a, "/")
    k = 0
    for (i = 1; i <= n; i++) {
        if (a[i] == "" || a[i] == ".") continue
        if (a[i] == ".." && k > 0 && out[k] != "..") { k--; continue }
        out[++k] = a[i]
    }
    p = ""
    for (i = 1; i <= k; i++) p = p (i > 1 ? "/" : "") out[i]
    return p
}
function dirname(p) { sub(/\/[^\/]*$/, "", p); return p }
# "src/maps/map.h" -> "maps"; "" outside src/
function module(p,   a) {
    if (p !~ /^src\//) return ""
    split(p, a, "/")
    return a[2]
}
function violation(file, line, msg) {
    if (line) printf "%s:%d: %s\n", file, line, msg
    else printf "%s: %s\n", file, msg
    nviol++
}
BEGIN {
    n = split(layers, L, " ")
    shown = L[1]; for (i = 2; i <= n; i++) shown = shown " < " L[i]
    for (i = 1; i <= n; i++) rank[L[i]] = i
    nviol = 0
}
$1 == "nm" {
    # OBJDIR/src/M/x.o -> M
    m = substr($2, length(objdir) + 6)
    sub(/\/.*/, "", m)
    if ($3 == "U" || $3 == "w") {
        k = m SUBSEP $4
        if (!(k in use)) { use[k] = $2; weak[k] = $3 == "w"; nuse++; uses[nuse] = k }
    } else {
        def[$4] = m
        defobj[$4] = $2
    }
    next
}
{
    file = $0
    lineno = 0
    while ((getline line < file) > 0) {
        lineno++
        if (line !~ /^[ \t]*#[ \t]*include[ \t]*["<]/) continue
        quoted = line ~ /include[ \t]*"/
        t = line
        sub(/^[ \t]*#[ \t]*include[ \t]*["<]/, "", t)
        sub(/[">].*$/, "", t)
        target = ""
        if (quoted && exists(norm(dirname(file) "/" t))) target = norm(dirname(file) "/" t)
        else if (exists("include/" t)) target = norm("include/" t)
        else if (exists("src/" t)) target = norm("src/" t)
        if (target == "") continue          # a system header
        from = module(file)
        to = module(target)
        if (file ~ /^tools\//) {
            if (target !~ /^(include|tools)\//)
                violation(file, lineno, "tools/ includes " target " (only include/ and tools/: the command lives on the public API)")
            if (to != "") edge["tools -> " to]++
            continue
        }
        if (target ~ /^tools\//) {
            violation(file, lineno, "the library includes " target " (tools/ is the command, above the library)")
            continue
        }
        if (from == "" || to == "" || from == to) continue
        edge[from " -> " to]++
        if (!(from in rank)) {
            if (!(from in unknown)) violation(file, lineno, "module " from " is not in the layer order (LAYERS in scripts/check-layers.sh)")
            unknown[from] = 1
        } else if (!(to in rank)) {
            if (!(to in unknown)) violation(file, lineno, "module " to " is not in the layer order (LAYERS in scripts/check-layers.sh)")
            unknown[to] = 1
        } else if (rank[to] > rank[from]) {
            violation(file, lineno, from " includes " target ": " to " comes after " from " in the layer order")
        }
    }
    close(file)
}
END {
    # (c) in the order the references were read (objects sorted by path)
    for (i = 1; i <= nuse; i++) {
        split(uses[i], p, SUBSEP)
        from = p[1]; sym = p[2]
        if (!(sym in def) || def[sym] == from) continue
        to = def[sym]
        sedge[from " -> " to]++
        if ((from in rank) && (to in rank) && rank[to] > rank[from])
            violation(use[uses[i]], 0, from " uses " sym (weak[uses[i]] ? " (a weak reference)" : "") " from " defobj[sym] ": " to " comes after " from " in the layer order")
    }
    if (graph && nuse) {
        print "module graph by symbols (user -> definer: symbols):"
        m = 0
        for (e in sedge) slist[++m] = e
        for (i = 2; i <= m; i++) { v = slist[i]; for (j = i - 1; j > 0 && slist[j] > v; j--) slist[j + 1] = slist[j]; slist[j + 1] = v }
        for (i = 1; i <= m; i++) {
            split(slist[i], ab, " -> ")
            back = (ab[2] " -> " ab[1]) in sedge ? "   (circle)" : ""
            printf "  %s (%d)%s\n", slist[i], sedge[slist[i]], back
        }
    }
    if (graph) {
        print "module graph (includer -> included: #include lines):"
        m = 0
        for (e in edge) list[++m] = e
        # insertion sort: a few dozen edges
        for (i = 2; i <= m; i++) { v = list[i]; for (j = i - 1; j > 0 && list[j] > v; j--) list[j + 1] = list[j]; list[j + 1] = v }
        for (i = 1; i <= m; i++) {
            split(list[i], ab, " -> ")
            back = (ab[2] " -> " ab[1]) in edge ? "   (circle)" : ""
            printf "  %s (%d)%s\n", list[i], edge[list[i]], back
        }
    }
    if (nviol) {
        printf "check-layers: %d violation%s (order: %s)%s\n", nviol, (nviol > 1 ? "s" : ""), shown,
            strict == 1 ? "" : "; not fatal while LAYERS_STRICT=0"
        exit (strict == 1 ? 1 : 0)
    }
}
'
