"""The drill's four pieces of stack data, each with its evidence, backup and restore, over the services' own
APIs: Prometheus (admin API TSDB snapshot), Mongo (a dump through the wire protocol, so FerretDB and MongoDB
alike), the log store (its data files) and Alertmanager (silences through the v2 API).

Every backup directory holds a manifest.json with each file's size and sha256, checked before anything is
destroyed or restored, so a corrupt backup is named and the stack is left as it is.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from pathlib import Path

from ..analysis.drill import Evidence
from . import httpjson as http

SYSTEM_DBS = ("admin", "config", "local")
DRILL_SILENCE = {"matchers": [{"name": "alertname", "value": "ObsgateDrillEvidence", "isRegex": False,
                               "isEqual": True}],
                 "createdBy": "obsgate drill", "comment": "evidence of the DR drill: Alertmanager state must survive"}


class PieceError(Exception):
    """A piece failed (backup not written, restore refused, backup corrupt); the message names it."""


# --- manifests ------------------------------------------------------------------------------------
def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_manifest(directory: Path, extra: dict) -> dict:
    """Size and sha256 of every file under `directory`, written to its manifest.json; the manifest back."""
    files = {}
    for path in sorted(p for p in directory.rglob("*") if p.is_file() and p.name != "manifest.json"):
        files[str(path.relative_to(directory))] = {"bytes": path.stat().st_size, "sha256": _sha256(path)}
    manifest = {**extra, "files": files, "bytes": sum(f["bytes"] for f in files.values())}
    text = json.dumps(manifest, indent=2, sort_keys=True) + "\n"
    (directory / "manifest.json").write_text(text)
    manifest["digest"] = hashlib.sha256(text.encode()).hexdigest()
    return manifest


def check_manifest(component: str, directory: Path) -> dict:
    """The manifest, after every file it lists was found with its size and sha256; PieceError names the first
    file that is missing or changed."""
    try:
        manifest = json.loads((directory / "manifest.json").read_text())
    except (OSError, ValueError) as exc:
        raise PieceError(f"backup of `{component}` is unreadable: {directory / 'manifest.json'}: {exc}") from None
    for rel, want in sorted(manifest.get("files", {}).items()):
        path = directory / rel
        if not path.is_file():
            raise PieceError(f"backup of `{component}` is corrupt: {rel} is missing")
        if path.stat().st_size != want["bytes"] or _sha256(path) != want["sha256"]:
            raise PieceError(f"backup of `{component}` is corrupt: {rel} does not match its sha256 in the manifest")
    return manifest


def _empty_dir(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True, exist_ok=True)


# --- Prometheus -----------------------------------------------------------------------------------
class _Queried:
    """A service whose evidence is a fixed list of instant queries, each answered as sorted (labels, value)."""

    component = ""
    QUERIES: tuple[tuple[str, str], ...] = ()

    def __init__(self, port: int, data_dir: Path) -> None:
        self.base, self.data_dir = f"http://127.0.0.1:{port}", data_dir

    def answer(self, expr: str, at: float) -> dict:
        raise NotImplementedError

    def query(self, expr: str, at: float):
        res = self.answer(expr, at)
        if res["resultType"] == "scalar":
            return res["result"][1]
        return sorted(([r["metric"], r["value"][1]] for r in res["result"]), key=lambda mv: json.dumps(mv[0], sort_keys=True))

    def evidence(self, at: float) -> list[Evidence]:
        return [Evidence(self.component, name, f"{expr} @ {at:.3f}", self.query(expr, at)) for name, expr in self.QUERIES]

    def measure(self, before: list[Evidence], at: float) -> dict:
        return {(self.component, name): self.query(expr, at) for name, expr in self.QUERIES}


class Prometheus(_Queried):
    component = "prometheus"
    QUERIES = (
        ("series", 'count({__name__=~".+"})'),
        ("series per job", 'count by (job) ({__name__=~".+"})'),
        ("samples scraped per job", "sum by (job) (scrape_samples_scraped)"),
        ("head samples appended", "max(prometheus_tsdb_head_samples_appended_total)"),
        ("series seen in the last hour", 'count(last_over_time({__name__=~".+"}[1h]))'),
    )

    def answer(self, expr: str, at: float) -> dict:
        return http.get(self.base + "/api/v1/query", {"query": expr, "time": f"{at:.3f}"}, timeout=30)["data"]

    def backup(self, dest: Path) -> dict:
        try:
            name = http.post(self.base + "/api/v1/admin/tsdb/snapshot", timeout=120)["data"]["name"]
        except (http.HTTPError, KeyError, TypeError) as exc:
            raise PieceError(f"backup of `prometheus` could not be taken: the TSDB snapshot API answered {exc} "
                             "(is --web.enable-admin-api on?)") from None
        snap = self.data_dir / "snapshots" / name
        try:
            shutil.move(str(snap), str(dest / "tsdb"))
        except OSError as exc:
            raise PieceError(f"backup of `prometheus` could not be written to {dest}: {exc}") from None
        return {"snapshot": name}

    def restore(self, src: Path) -> None:
        _empty_dir(self.data_dir)
        for item in sorted((src / "tsdb").iterdir()):
            (shutil.copytree if item.is_dir() else shutil.copy2)(item, self.data_dir / item.name)


# --- Mongo ----------------------------------------------------------------------------------------
class Mongo:
    component = "mongo"

    def __init__(self, port: int, data_dir: Path) -> None:
        self.uri, self.data_dir = f"mongodb://127.0.0.1:{port}/?directConnection=true", data_dir

    def _client(self):
        import pymongo

        return pymongo.MongoClient(self.uri, serverSelectionTimeoutMS=10000)

    @staticmethod
    def _collections(client) -> list[tuple[str, str]]:
        return sorted((db, coll) for db in client.list_database_names() if db not in SYSTEM_DBS
                      for coll in client[db].list_collection_names())

    @staticmethod
    def _digest(coll) -> str:
        import bson

        h = hashlib.sha256()
        for doc in coll.find({}, sort=[("_id", 1)]):
            h.update(bson.encode(doc))
        return h.hexdigest()

    def _facts(self, client) -> dict[str, object]:
        out: dict[str, object] = {}
        colls = self._collections(client)
        out["collections"] = [f"{d}.{c}" for d, c in colls]
        for db, name in colls:
            coll = client[db][name]
            out[f"{db}.{name} documents"] = coll.count_documents({})
            out[f"{db}.{name} sha256"] = self._digest(coll)
        return out

    def _query(self, name: str) -> str:
        if name == "collections":
            return "db.adminCommand({listDatabases: 1}) + db.getCollectionNames() per database"
        ns, what = name.rsplit(" ", 1)
        db, coll = ns.split(".", 1)
        if what == "documents":
            return f"db.getSiblingDB('{db}').{coll}.countDocuments({{}})"
        return f"sha256 of the BSON of db.getSiblingDB('{db}').{coll}.find().sort({{_id: 1}})"

    def evidence(self, at: float) -> list[Evidence]:
        with self._client() as client:
            return [Evidence(self.component, k, self._query(k), v) for k, v in self._facts(client).items()]

    def measure(self, before: list[Evidence], at: float) -> dict:
        with self._client() as client:
            return {(self.component, k): v for k, v in self._facts(client).items()}

    def backup(self, dest: Path) -> dict:
        import bson

        counts = {}
        try:
            with self._client() as client:
                for db, name in self._collections(client):
                    coll = client[db][name]
                    with open(dest / f"{db}.{name}.bson", "wb") as fh:
                        n = 0
                        for doc in coll.find({}, sort=[("_id", 1)]):
                            fh.write(bson.encode(doc))
                            n += 1
                    indexes = [{"key": list(v["key"]), "name": k, "unique": bool(v.get("unique"))}
                               for k, v in sorted(coll.index_information().items()) if k != "_id_"]
                    (dest / f"{db}.{name}.indexes.json").write_text(json.dumps(indexes, sort_keys=True) + "\n")
                    counts[f"{db}.{name}"] = n
        except OSError as exc:
            raise PieceError(f"backup of `mongo` could not be written to {dest}: {exc}") from None
        return {"documents": counts}

    def restore(self, src: Path) -> None:
        import bson

        with self._client() as client:
            for path in sorted(src.glob("*.bson")):
                db, name = path.name[:-len(".bson")].split(".", 1)
                coll = client[db][name]
                try:
                    with open(path, "rb") as fh:
                        docs = list(bson.decode_file_iter(fh))
                except (bson.errors.BSONError, OSError) as exc:
                    raise PieceError(f"restore of `mongo` failed: {path.name} is not a BSON dump ({exc})") from None
                for i in range(0, len(docs), 1000):
                    coll.insert_many(docs[i:i + 1000], ordered=True)
                idx = src / f"{db}.{name}.indexes.json"
                for spec in json.loads(idx.read_text()) if idx.exists() else []:
                    coll.create_index([tuple(k) for k in spec["key"]], name=spec["name"], unique=spec["unique"])


# --- the log store (Loki API) ---------------------------------------------------------------------
class LogStore(_Queried):
    component = "loki"
    QUERIES = (
        ("log lines per service and level in the hour before",
         'sum by (service, level) (count_over_time({service=~".+"}[1h]))'),
        ("log lines in the hour before", 'sum(count_over_time({service=~".+"}[1h]))'),
    )

    def answer(self, expr: str, at: float) -> dict:
        return http.get(self.base + "/loki/api/v1/query", {"query": expr, "time": str(int(at * 1e9))}, timeout=60)["data"]

    def backup(self, dest: Path) -> dict:
        """Copy each data file up to its last complete line (a record being appended is the newest one)."""
        try:
            for path in sorted(p for p in self.data_dir.iterdir() if p.is_file() and p.suffix != ".tmp"):
                data = path.read_bytes()
                (dest / path.name).write_bytes(data[:data.rfind(b"\n") + 1])
        except OSError as exc:
            raise PieceError(f"backup of `loki` could not be written to {dest}: {exc}") from None
        return {}

    def restore(self, src: Path) -> None:
        _empty_dir(self.data_dir)
        for path in sorted(p for p in src.iterdir() if p.name != "manifest.json"):
            shutil.copy2(path, self.data_dir / path.name)


# --- Alertmanager ---------------------------------------------------------------------------------
class Alertmanager:
    component = "alertmanager"
    QUERY = "GET /api/v2/silences (active: matchers, createdBy, comment, endsAt)"

    def __init__(self, port: int, data_dir: Path) -> None:
        self.base, self.data_dir = f"http://127.0.0.1:{port}", data_dir

    def silences(self) -> list[dict]:
        return [s for s in http.get(self.base + "/api/v2/silences", timeout=10) if s["status"]["state"] == "active"]

    def ensure_silence(self, hours: float = 24.0) -> None:
        """The drill's own silence (matching no alert), so that there is Alertmanager state to carry over."""
        if any(s["comment"] == DRILL_SILENCE["comment"] for s in self.silences()):
            return
        now = time.time()
        fmt = lambda t: time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(t))  # noqa: E731
        http.post(self.base + "/api/v2/silences",
                  {**DRILL_SILENCE, "startsAt": fmt(now), "endsAt": fmt(now + hours * 3600)}, timeout=10)

    @staticmethod
    def _facts(silences: list[dict]) -> list[dict]:
        return sorted(({"matchers": sorted(s["matchers"], key=lambda m: json.dumps(m, sort_keys=True)),
                        "createdBy": s["createdBy"], "comment": s["comment"], "endsAt": s["endsAt"]}
                       for s in silences), key=lambda f: json.dumps(f, sort_keys=True))

    def evidence(self, at: float) -> list[Evidence]:
        return [Evidence(self.component, "active silences", self.QUERY, self._facts(self.silences()))]

    def measure(self, before: list[Evidence], at: float) -> dict:
        return {(self.component, "active silences"): self._facts(self.silences())}

    def backup(self, dest: Path) -> dict:
        silences = self.silences()
        try:
            (dest / "silences.json").write_text(json.dumps(silences, indent=2, sort_keys=True) + "\n")
        except OSError as exc:
            raise PieceError(f"backup of `alertmanager` could not be written to {dest}: {exc}") from None
        return {"silences": len(silences)}

    def restore(self, src: Path) -> None:
        """Silences are posted again (Alertmanager gives them new ids; matchers, author, comment and end stay)."""
        try:
            silences = json.loads((src / "silences.json").read_text())
        except (OSError, ValueError) as exc:
            raise PieceError(f"restore of `alertmanager` failed: silences.json unreadable ({exc})") from None
        for s in silences:
            body = {k: s[k] for k in ("matchers", "startsAt", "endsAt", "createdBy", "comment")}
            http.post(self.base + "/api/v2/silences", body, timeout=10)


def pieces(project, layout) -> list:
    """The four pieces of this stack, each on its service's port and data dir."""
    port = {s.name: s.port for s in project.stack.services}
    return [Prometheus(port["prometheus"], layout.data("prometheus")), Mongo(port["mongo"], layout.data("mongo")),
            LogStore(port["loki"], layout.data("loki")),
            Alertmanager(port["alertmanager"], layout.data("alertmanager"))]


def size_of(directory: Path) -> int:
    return sum(p.stat().st_size for p in directory.rglob("*") if p.is_file())


def wipe(path: Path) -> None:
    """The destroy step for one data dir: everything in it removed."""
    _empty_dir(path)
    os.sync()
