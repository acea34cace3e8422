#!/bin/sh
# An interpreter for a managed node that first records what the controller sends it on standard input (with
# pipelining, the whole module payload and its arguments) in its own directory under $RECORD_DIR, then runs the
# real interpreter $RECORD_PYTHON on it, with the same arguments.
set -eu
capture=$(mktemp -d "$RECORD_DIR/stdin.XXXXXX")
cat > "$capture/AnsiballZ_stdin.py"
exec "$RECORD_PYTHON" "$@" < "$capture/AnsiballZ_stdin.py"
