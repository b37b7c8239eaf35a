#!/bin/bash
# tests/cli/completion.sh — the bash completion offers ferry's commands,
# a command's verbs, bundled plugin names and a command's long options.
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
[ $fails = 0 ] && echo "completion: commands, verbs, plugins, options"
exit $fails
