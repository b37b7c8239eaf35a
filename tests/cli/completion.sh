#!/bin/bash
# tests/cli/completion.sh — the bash completion offers ferry's commands,
# a command's verbs, bundled plugin names, a command's long options,
# --log-format's values.
set -u
. "$FERRY_SOURCE_DIR/conf/bash-completion/ferry"
fails=0
comp() { COMP_WORDS=("$FERRY" "$@"); COMP_CWORD=$#; COMPREPLY=(); _ferry; echo " ${COMPREPLY[*]} "; }
want() { local got; got=$(comp "${@:2}"); [[ $got == *" $1 "* ]] || { echo "FAIL: ferry ${*:2}<TAB>: no $1 in:$got"; fails=1; }; }
want config ""
want daemon da
want list plugins ""
want format-xlsx plugins info format-
want sink-file plugins check sink-
want show request ""
want --concurrency worker --
want --preview run --p
# The operator verbs and options.
want stats st
want queue q
for v in pause resume status; do want $v queue ""; done
for v in list show pause resume run-now; do want $v schedule ""; done
want run-now schedule run-
want reference config ""
want --json request --j
want --json stats --
want --log-format --log
want json --log-format ""
want logfmt --log-format json worker --log-format ""
want --metrics-listen worker --met
want --metrics-listen scheduler --met
want --metrics-listen daemon --met
[ $fails = 0 ] && echo "completion: commands, verbs, plugins, options"
exit $fails
