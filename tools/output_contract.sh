#!/usr/bin/env bash
# Writes the outputs of every analysis command on the bundled sample data (JSON, the text
# tables, CSV, the HTML report) into one folder, so that a refactoring can be checked byte for
# byte:
#   tools/output_contract.sh OLD_BINARY before/
#   tools/output_contract.sh NEW_BINARY after/
#   diff -r before after                        # nothing = identical
# Each command's stderr and exit code are kept next to its output. Measured latencies differ
# between runs, so the compression outputs have them masked.
set -uo pipefail
bin=$(realpath "$1"); out=$(mkdir -p "$2" && realpath "$2")
cd "$(dirname "$0")/.."
S=sample_data; T=$S/credit_training.parquet; P=$S/credit_production.parquet
run() { # name, args...
  local name=$1; shift
  "$bin" "$@" >"$out/$name" 2>"$out/$name.stderr"; echo "exit $?" >>"$out/$name.stderr"
}
run drift.json drift --reference $T --current $P --format json
run drift.txt drift --reference $T --current $P
run drift_windows.json drift --reference $T --current $P --windows week --format json
run drift_csv.json drift --reference $S/credit_training.csv --current $S/credit_production.csv --format json
run drift_ks.json drift --reference $T --current $P --method ks --format json
run drift_psi.json drift --reference $T --current $P --method psi --binning quantiles:20 --format json
run integrity.json integrity --reference $T --current $P --format json
run integrity.txt integrity --reference $T --current $P
run seasonality.json seasonality --input $T --value @count --time applied_at --format json
run seasonality.txt seasonality --input $T --value @count --time applied_at
run seasonality_cur.json seasonality --input $T --value score --time applied_at --current $P --period 7 --format json
run seasonality_both.json seasonality --input $T --value @null_rate:debt_to_income --time applied_at --current $P --series both --period 7 --robust --format json
run seasonality_drift.json seasonality --input $T --value @drift:credit_score --time applied_at --current $P --period 7 --format json
run seasonality.csv seasonality --input $T --value income --time applied_at --period 7 --format csv
run seasonality_mstl.json seasonality --input $T --value @count --time applied_at --period 7 --period 30 --format json
run health.json health --reference $T --current $P --format json
run health.txt health --reference $T --current $P
run health_rules.json health --reference $T --current $P --windows month --rule "roc_auc < 0.8 for 2" --format json
run compress.json compress --model $S/credit_mlp.onnx --data $T --variants fp16,int8,prune:0.5 --batch-sizes 1,32 --format json
run compress.txt compress --model $S/credit_mlp.onnx --data $T --variants fp16,int8,prune:0.5 --batch-sizes 1,32
run compress_gbt.json compress --model $S/credit_gbt.onnx --data $T --variants trees:10 --batch-sizes 1 --format json
run report_session.json report --session tests/sessions/v1-credit.sextant --format json --out "$out/report_session.json.file"
run report_pair.json report --reference $T --current $P --format json --out "$out/report_pair.json.file"
run report_pair.html report --reference $T --current $P --out "$out/report_pair.html.file"
run check.txt check --session tests/sessions/v1-credit.sextant
run check.json check --session tests/sessions/v1-credit.sextant --format json
run inspect.json inspect $T --format json
run inspect.txt inspect $T
run ab_power.json ab power --baseline 0.1 --mde 0.05 --relative --daily-units 1000 --units 20000 --format json
run ab_power.txt ab power --baseline 35 --std 20 --mde 1.5 --arms 3 --daily-units 900
# Measured latencies and the time of writing differ between runs: masked, every other byte kept.
for f in "$out"/*; do
  sed -i -E -e 's/("(p50_us|p95_us|per_row_us|us_per_row|rows_per_s|p50|p95)"): *[-0-9.eE+"NaN]+/\1: T/g' \
    -e 's/"generated": "[^"]*"/"generated": T/' -e 's/Generated [0-9-]+ [0-9:]+ UTC/Generated T/' \
    -e "s|$out|OUT|g" -e 's/\(([0-9]+) bytes\)/(N bytes)/' "$f"
done
# The latency table's column widths follow the measured numbers: squeeze them too.
sed -i -E -e 's/ +[0-9.]+ \/ +[0-9.]+( e)?/ L \/ L\1/g' -e 's/ +/ /g' -e 's/─+/─/g' "$out/compress.txt"
