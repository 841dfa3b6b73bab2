"""A real writer process for the killed-writer tests (run as a script, killed with SIGKILL).

    python writer_process.py URL loop   # write assessments forever, print each id once committed
    python writer_process.py URL hold   # insert one row inside a transaction, say so, then wait
    python writer_process.py URL churn  # add rows and delete every other one: "kept ID MARKER" once
                                        # committed, "deleted ID MARKER" once deleted and wiped

Each row carries a real assessment of the mini pack plus a large filler with its own checksum, so a
torn write would show as a payload that does not parse or whose checksum does not match.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import sys
import time
import uuid
from pathlib import Path

from symcheck.interview import Interview
from symcheck.kb.pack import load_pack
from symcheck.store import open_store
from symcheck.store.schema import assessments

MINI = Path(__file__).resolve().parents[1] / "packs" / "mini"
FILLER_BYTES = 256 * 1024


def payload(i: int) -> dict:
    pack = load_pack(MINI)
    result = Interview(pack, age=20 + i % 60, sex="female" if i % 2 else "male",
                       answers={"cramp": "present", "night": "present" if i % 3 else "absent"}).result()
    data = result.model_dump(mode="json")
    filler = (f"{i:08d}" * (FILLER_BYTES // 8))[:FILLER_BYTES]
    data["filler"] = filler
    data["filler_sha256"] = hashlib.sha256(filler.encode()).hexdigest()
    return data


def main() -> None:
    url, mode = sys.argv[1], sys.argv[2]
    store = open_store(url)
    if mode == "hold":
        with store.engine.begin() as conn:
            row_id = str(uuid.uuid4())
            data = payload(0)
            now = dt.datetime.now(dt.UTC)
            conn.execute(assessments.insert().values(
                id=row_id, created_at=now, updated_at=now, pack_id="mini", pack_version="0.0.1",
                engine_version="test", payload=data))
            print(f"inside {row_id}", flush=True)
            time.sleep(120)
        return
    if mode == "churn":
        j = 0
        while True:
            marker = f"M{uuid.uuid4().hex}"
            data = payload(j)
            data["marker"] = marker
            record = store.add_assessment(payload=data, pack_id="mini", pack_version="0.0.1", engine_version="test")
            if j % 2:
                store.delete_assessment(record.id)
                print(f"deleted {record.id} {marker}", flush=True)
            else:
                print(f"kept {record.id} {marker}", flush=True)
            j += 1
    i = 0
    while True:
        record = store.add_assessment(payload=payload(i), pack_id="mini", pack_version="0.0.1", engine_version="test")
        print(record.id, flush=True)
        i += 1


if __name__ == "__main__":
    main()
