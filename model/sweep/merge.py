"""``merge_shards``: join the shard folders of one sweep (``engagement sweep --shard K/N``) into one sweep folder.

A cluster job array runs one shard per task, each into its own folder (one writer per folder). Every
shard holds the run ids ``i`` with ``i % N == K``, with the seeds of the whole sweep (a run's seed
depends only on the root seed and its id), so the merged folder equals, table for table, the sweep
run in one piece. The shards are checked first (same specification and root seed, distinct shards of
the same N, each verifying cleanly); their parts are then copied, renumbered, into the new folder.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..store import RUNS, StoreError, _part_groups, claim, clear, fsync_dir, verify, write_manifest
from .store import DESIGN, read_manifest


def merge_shards(shards: Sequence[str | Path], out: str | Path, *, overwrite: bool = False) -> dict[str, Any]:
    """Merge shard folders into ``out``; returns its manifest. StoreError (one line) for any mismatch."""
    if not shards:
        raise StoreError("name the shard folders to merge")
    folders = [Path(folder) for folder in shards]
    manifests = [read_manifest(folder) for folder in folders]
    first = manifests[0]
    seen: dict[int, Path] = {}
    for folder, manifest in zip(folders, manifests, strict=True):
        shard = manifest.get("shard")
        if not (isinstance(shard, list) and len(shard) == 2):
            raise StoreError(f"{str(folder)!r} holds a whole sweep, not a shard (run it with --shard K/N)")
        for key in ("spec", "root_seed", "n_runs", "extra_outcomes", "companies"):
            if manifest.get(key) != first.get(key):
                raise StoreError(f"{str(folder)!r} is a shard of another sweep: '{key}' differs from "
                                 f"{str(folders[0])!r}")
        if shard[1] != first["shard"][1]:
            raise StoreError(f"{str(folder)!r} is shard {shard[0]}/{shard[1]}, the others are of "
                             f"{first['shard'][1]}")
        if shard[0] in seen:
            raise StoreError(f"{str(folder)!r} and {str(seen[shard[0]])!r} are the same shard {shard[0]}")
        seen[shard[0]] = folder
        problems = verify(folder)
        if problems:
            raise StoreError(f"{str(folder)!r} does not verify: {problems[0]}; resume that shard first")
    lock = claim(out, overwrite=overwrite)
    out = Path(out)
    try:
        clear(out)  # --overwrite: start empty
        if (folders[0] / DESIGN).exists():
            shutil.copyfile(folders[0] / DESIGN, out / DESIGN)
        number = 0
        for folder in sorted(folders, key=lambda f: read_manifest(f)["shard"][0]):
            for _, files in sorted(_part_groups(folder).items()):
                number += 1
                for table, path in sorted(files.items(), key=lambda item: item[0] == RUNS):  # runs part last
                    (out / table).mkdir(exist_ok=True)
                    target = out / table / f"part-{number:06d}.parquet"
                    temporary = target.with_name(f".{target.name}.tmp")
                    shutil.copyfile(path, temporary)
                    temporary.replace(target)
        for folder in [out / name for name in {t for f in folders for g in _part_groups(f).values() for t in g}]:
            fsync_dir(folder)
        stored = sum(int(read_manifest(folder).get("stored") or 0) for folder in folders)
        manifest = {key: value for key, value in first.items() if key not in ("shard", "sessions", "stored")}
        manifest.update(sessions=[session for m in manifests for session in m.get("sessions", [])],
                        stored=stored, failed=sum(int(m.get("failed") or 0) for m in manifests),
                        merged_from=[str(folder) for folder in folders],
                        status="complete" if stored == first["n_runs"] else "incomplete")
        write_manifest(out, manifest)
        problems = verify(out)
        if problems and manifest["status"] == "complete":
            raise StoreError(f"the merged sweep does not verify: {problems[0]}")
    except BaseException:
        clear(out)  # nothing half-merged is left
        lock.abandon()
        raise
    lock.release()
    return manifest
