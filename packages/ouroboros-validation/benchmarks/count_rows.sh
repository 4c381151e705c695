#!/usr/bin/env bash
# Instructions per call of each bench_validation.py row, by callgrind:
# (instructions of N calls - instructions of 0 calls) / N.
#   benchmarks/count_rows.sh PYTHON [N] [ROW...] [--peer | --msgspec]
set -euo pipefail
export PYTHONHASHSEED=0  # the same dict layouts and string hashes in every run
here=$(cd "$(dirname "$0")" && pwd)
py=$1; shift
n=${1:-2000}; shift || true
peer=()
rows=()
for a in "$@"; do
  if [ "$a" = --peer ] || [ "$a" = --msgspec ]; then peer=("$a"); else rows+=("$a"); fi
done
[ ${#rows[@]} -gt 0 ] || rows=(dict json dump dump_json failure list)
total() {  # total <row> <calls>
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$py" "$here/count_row.py" "$1" "$2" "${peer[@]}" 2>&1 \
    | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
for row in "${rows[@]}"; do
  calls=$n
  [ "$row" = list ] && calls=$((n / 100 > 0 ? n / 100 : 1))
  a=$(total "$row" "$calls"); b=$(total "$row" 0)
  echo "$row $(( (a - b) / calls ))"
done
