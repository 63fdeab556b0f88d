"""The peer of the Swift Spark Connect fetch: PySpark's own Spark Connect client reading the whole
table with DataFrame.toArrow() (Arrow batches into one pyarrow Table, values not turned into Python
objects). Prints the same line shape as driver-benchmark. The session is opened and warmed with a
one-row query before the clock starts, so the figure is the fetch alone."""
import resource
import sys
import time

from pyspark.sql import SparkSession

address, table = sys.argv[1], sys.argv[2]
spark = SparkSession.builder.remote(address).getOrCreate()
spark.sql("SELECT 1").toArrow()
started = time.perf_counter()
result = spark.sql(f"SELECT * FROM {table}").toArrow()
seconds = time.perf_counter() - started
rows = result.num_rows
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
print(f"pyspark-connect rows={rows} seconds={seconds:.2f} rows_per_s={int(rows / seconds)} peak_rss_mib={peak}")
spark.stop()
