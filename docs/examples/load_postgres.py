#!/usr/bin/env python3
"""Load verified CSE Toolkit packs into PostgreSQL, idempotently (psycopg 3).

    cse-toolkit verify-pack inbox/ --json-lines < passwords.txt \\
        | python load_postgres.py "host=/run/postgresql dbname=cse"

Reads `verify-pack --json-lines` output on standard input (docs/verify-pack.schema.json), one
pack per line. Lines whose "valid" is false are counted and skipped: nothing of a refused pack
is stored. Each verified pack is loaded in its own transaction:

* `packs`: one row per pack_id (loading the same pack twice changes nothing);
* `record_versions`: every (record type, record id, signer, version) ever received, with its
  data; the same version again is a no-op; the same version with *different* data is a conflict;
* `records`: the newest version of each record, replaced only by a higher version signed by
  the same key that first sent the record (another signer reusing an id is a conflict);
* `load_conflicts`: what a person must look at; nothing is overwritten to resolve it.

Prints a JSON summary on standard output. See docs/INTEGRATION.md, "Loading into PostgreSQL".
"""

from __future__ import annotations

import hashlib
import json
import sys

import psycopg
from psycopg.types.json import Jsonb

SCHEMA = """
CREATE TABLE IF NOT EXISTS packs (
    pack_id            uuid PRIMARY KEY,
    kind               text NOT NULL,
    schema_version     text NOT NULL,
    created_at         timestamptz NOT NULL,
    signer_public_key  text NOT NULL,
    signer_fingerprint text NOT NULL,
    signer_trust       text NOT NULL,
    sender_vault_id    text NOT NULL,
    audit_seq          bigint NOT NULL,
    audit_hash         text NOT NULL,
    file_sha256        text,
    loaded_at          timestamptz NOT NULL DEFAULT now(),
    pack               jsonb NOT NULL
);
CREATE TABLE IF NOT EXISTS record_versions (
    record_type        text NOT NULL,
    record_id          text NOT NULL,
    version            integer NOT NULL CHECK (version >= 1),
    pack_id            uuid NOT NULL REFERENCES packs (pack_id),
    signer_public_key  text NOT NULL,
    data_sha256        text NOT NULL,
    data               jsonb NOT NULL,
    PRIMARY KEY (record_type, record_id, signer_public_key, version)
);
CREATE TABLE IF NOT EXISTS records (
    record_type        text NOT NULL,
    record_id          text NOT NULL,
    version            integer NOT NULL,
    pack_id            uuid NOT NULL REFERENCES packs (pack_id),
    signer_public_key  text NOT NULL,
    data               jsonb NOT NULL,
    updated_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (record_type, record_id)
);
CREATE TABLE IF NOT EXISTS load_conflicts (
    id                 bigserial PRIMARY KEY,
    record_type        text NOT NULL,
    record_id          text NOT NULL,
    version            integer NOT NULL,
    pack_id            uuid NOT NULL REFERENCES packs (pack_id),
    why                text NOT NULL,
    noted_at           timestamptz NOT NULL DEFAULT now(),
    UNIQUE (record_type, record_id, version, pack_id, why)
);
"""

# Insert, or replace only with a higher version from the signer that first sent the record.
UPSERT_RECORD = """
INSERT INTO records (record_type, record_id, version, pack_id, signer_public_key, data)
VALUES (%(type)s, %(id)s, %(version)s, %(pack_id)s, %(signer)s, %(data)s)
ON CONFLICT (record_type, record_id) DO UPDATE
   SET version = EXCLUDED.version, pack_id = EXCLUDED.pack_id, data = EXCLUDED.data,
       updated_at = now()
 WHERE records.version < EXCLUDED.version
   AND records.signer_public_key = EXCLUDED.signer_public_key
"""


def digest(data: object) -> str:
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def load_one(conn: psycopg.Connection, result: dict) -> dict[str, int]:
    pack, signer = result["pack"], result["signer"]
    counts = {"new_versions": 0, "conflicts": 0}
    with conn.transaction():
        inserted = conn.execute(
            "INSERT INTO packs (pack_id, kind, schema_version, created_at, signer_public_key,"
            " signer_fingerprint, signer_trust, sender_vault_id, audit_seq, audit_hash,"
            " file_sha256, pack) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)"
            " ON CONFLICT (pack_id) DO NOTHING RETURNING pack_id",
            (
                pack["pack_id"],
                pack["kind"],
                pack["schema_version"],
                pack["created_at"],
                signer["public_key"],
                signer["fingerprint"],
                signer["trust"],
                pack["vault"]["id"],
                pack["audit_chain_head"]["seq"],
                pack["audit_chain_head"]["hash"],
                result.get("file_sha256"),
                Jsonb(pack),
            ),
        ).fetchone()
        if inserted is None:
            return counts  # this pack was loaded before: nothing to do
        for record in pack["records"]:
            row = {
                "type": record["type"],
                "id": record["id"],
                "version": record["version"],
                "pack_id": pack["pack_id"],
                "signer": signer["public_key"],
                "data": Jsonb(record["data"]),
                "sha": digest(record["data"]),
            }
            new = conn.execute(
                "INSERT INTO record_versions (record_type, record_id, version, pack_id,"
                " signer_public_key, data_sha256, data) VALUES (%(type)s, %(id)s, %(version)s,"
                " %(pack_id)s, %(signer)s, %(sha)s, %(data)s)"
                " ON CONFLICT DO NOTHING RETURNING version",
                row,
            ).fetchone()
            if new is not None:
                counts["new_versions"] += 1
            else:
                same = conn.execute(
                    "SELECT data_sha256 = %(sha)s FROM record_versions WHERE record_type ="
                    " %(type)s AND record_id = %(id)s AND signer_public_key = %(signer)s"
                    " AND version = %(version)s",
                    row,
                ).fetchone()
                if not same[0]:
                    counts["conflicts"] += _conflict(conn, row, "same version, different data")
                continue
            conn.execute(UPSERT_RECORD, row)
            owner = conn.execute(
                "SELECT signer_public_key FROM records WHERE record_type = %(type)s"
                " AND record_id = %(id)s",
                row,
            ).fetchone()
            if owner[0] != row["signer"]:
                counts["conflicts"] += _conflict(conn, row, "record first sent by another signer")
    return counts


def _conflict(conn: psycopg.Connection, row: dict, why: str) -> int:
    conn.execute(
        "INSERT INTO load_conflicts (record_type, record_id, version, pack_id, why)"
        " VALUES (%(type)s, %(id)s, %(version)s, %(pack_id)s, %(why)s) ON CONFLICT DO NOTHING",
        {**row, "why": why},
    )
    return 1


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    summary = {"packs_read": 0, "refused": 0, "new_versions": 0, "conflicts": 0}
    with psycopg.connect(argv[1], autocommit=True) as conn:
        with conn.transaction():
            conn.execute(SCHEMA)
        for line in sys.stdin:
            if not line.strip():
                continue
            result = json.loads(line)
            summary["packs_read"] += 1
            if result.get("output_version") != 1 or result.get("valid") is not True:
                summary["refused"] += 1
                continue
            for key, n in load_one(conn, result).items():
                summary[key] += n
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
