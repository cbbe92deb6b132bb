"""Converts a `vigil backfill` CSV to Parquet with an explicit schema (used by `vigil backfill --format parquet`).

    python3 ops/csv_to_parquet.py IN.csv OUT.parquet

Columns: event_id, txn_id, key (string), ts (int64, epoch ms), every feature (float64, null when empty),
label (int64). Needs pyarrow (pip install pyarrow).
"""
import sys

try:
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq
except ImportError:
    sys.exit("pyarrow is not installed (pip install pyarrow)")

src, dst = sys.argv[1], sys.argv[2]
with open(src) as f:
    header = f.readline().rstrip("\n").split(",")
types = {name: pa.float64() for name in header}
for name in ("event_id", "txn_id", "key"):
    types[name] = pa.string()
types["ts"] = pa.int64()
types["label"] = pa.int64()
table = pacsv.read_csv(src, convert_options=pacsv.ConvertOptions(column_types=types, strings_can_be_null=False))
pq.write_table(table, dst, compression="zstd")
