"""Issue 15 item 4: a deleted assessment leaves no copy in any of the SQLite files (database, WAL, shared
memory), even with other connections open and after the process is killed with SIGKILL."""

from __future__ import annotations

import uuid
from pathlib import Path

from symcheck.store import open_store


def copies(folder: Path, marker: str) -> dict[str, int]:
    """How many times ``marker`` appears in each file of the folder (the database and its side files)."""
    found = {}
    for path in folder.iterdir():
        if path.is_file():
            count = path.read_bytes().count(marker.encode())
            if count:
                found[path.name] = count
    return found


def _payload(marker: str, size: int = 6000) -> dict:
    # Big enough to spill into overflow pages, like a real assessment with its explanations.
    return {"demographics": {"age": 41, "sex": "female"}, "marker": marker, "filler": marker * (size // len(marker))}


def test_delete_leaves_no_copy_on_disk(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'wipe.db'}"
    store = open_store(url)
    reader = open_store(url)  # a second connection pool, as another worker would have
    try:
        kept, gone = f"KEPT-{uuid.uuid4().hex}", f"GONE-{uuid.uuid4().hex}"
        keep = store.add_assessment(payload=_payload(kept), pack_id="mini", pack_version="1", engine_version="t")
        drop = store.add_assessment(payload=_payload(gone), pack_id="mini", pack_version="1", engine_version="t")
        for _ in range(3):  # rewrite neighbouring pages so the WAL holds several versions of the row's page
            store.add_assessment(payload=_payload(uuid.uuid4().hex), pack_id="mini", pack_version="1",
                                 engine_version="t")
        assert reader.get_assessment(drop.id).payload["marker"] == gone
        assert copies(tmp_path, gone), "the test needs the row on disk before the delete"
        store.delete_assessment(drop.id)
        assert copies(tmp_path, gone) == {}
        assert reader.get_assessment(keep.id).payload["marker"] == kept
        assert copies(tmp_path, kept)
    finally:
        reader.close()
        store.close()
