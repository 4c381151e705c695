"""Child process of the SIGKILL test: writes keys and acknowledges each one.

Usage: python durability_writer.py URL START. Prints "ack N" (flushed) after
``set("k<N>", ...)`` has returned, for N = START, START+1, ... until killed.
"""

import sys

from ouroboros.kv import SyncKV

url, start = sys.argv[1], int(sys.argv[2])
kv = SyncKV.open(url)
print("ready", flush=True)
n = start
while True:
    kv.set(f"k{n:07}", f"value-{n}-" + "x" * (n % 200))
    if n % 10 == 0:
        kv.set_many({f"m{n:07}:{j}": n * 10 + j for j in range(5)})
    print(f"ack {n}", flush=True)
    n += 1
