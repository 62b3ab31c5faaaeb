"""A separate process appending to a project's ledger (for the concurrency and kill tests).

python ledger_worker.py PROJECT WORKER COUNT [BATCH]   (COUNT 0: forever)
"""

import sys

from jupyter_mlops.audit import Ledger
from jupyter_mlops.project import Project

root, worker, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
batch = int(sys.argv[4]) if len(sys.argv) > 4 else 1
led = Ledger(Project.find(explicit=root))
i = 0
print("ready", flush=True)
while count == 0 or i < count:
    items = [("trial.finished", f"trial:exp/{worker}-{i + j}", {"worker": worker, "i": i + j,
                                                                "blob": "x" * 2000})
             for j in range(batch)]
    led.append_many(items)
    i += batch
