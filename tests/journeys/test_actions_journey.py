"""Actions and incidents across two laptops (issue 18): Sam sets an action and records one
incident about three children, then exports a referral for one of them; Priya imports it and
sees the action (overdue, in her queue and on the child) and the incident, without the other
children's names (Sam did not choose to name them)."""

from __future__ import annotations

import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Any

from helpers.journey import Person, add_child, worker_case

OTHERS = ("Tobias Wrenfield", "Marnie Okonjo")


def test_worker_exports_an_action_and_an_incident_and_the_dsl_sees_them(  # type: ignore[no-untyped-def]
    worker: Person, dsl: Person, app: Any, fake_dialogs, qtbot, tmp_path: Path
) -> None:
    with worker.vault() as vault:
        child = worker_case(vault)
        others = [add_child(vault, name=n) for n in OTHERS]
        vault.incidents.add(
            [child.id, *(o.id for o in others)],
            "Three children were collected by a grey hatchback at the bus station",
            vault.now() - timedelta(hours=5),
            place="Crowngate bus station",
        )
        went = vault.now() - timedelta(days=5)
        vault.repos.add_missing(
            child.id, went, went + timedelta(hours=20), returned_by="Police", police_ref="WM-77"
        )
    yesterday = (vault.now() - timedelta(days=1)).date().isoformat()
    worker.run(
        "action", "add", "--case", child.ref, "--title", "Phone the school", "--due", yesterday
    ).ok()
    mine = worker.run("action", "list", "--json").json()["actions"]
    assert {a["title"] for a in mine} == {
        "Phone the school",
        "Independent return interview (within 72 hours of return)",
    }
    assert all(a["overdue"] for a in mine)  # the interview was due 72 h after the return

    pack = tmp_path / "outbox" / "referral.pdf"
    pack.parent.mkdir()
    password = worker.export(child.ref, "referral", pack)
    checked = dsl.verify(pack, password)
    body = str(checked["pack"])
    assert "grey hatchback" in body and not any(n.split()[0] in body for n in OTHERS)
    text = subprocess.run(
        ["pdftotext", "-upw", password, str(pack), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Phone the school" in text and not any(n.split()[0] in text for n in OTHERS)

    imported = dsl.import_pack(pack, password)
    assert imported["added"]["action"] == 2 and imported["added"]["incident"] == 1
    assert imported["conflicts"] == 0
    listed = dsl.run("action", "list", "--all", "--json").json()["actions"]
    phone = next(a for a in listed if a["title"] == "Phone the school")
    assert phone["overdue"] and phone["origin"] == "imported" and phone["assignee"] == "Sam Okafor"
    case = dsl.case_show(child.ref)
    (line,) = [e for e in case["chronology"] if e["kind"] == "incident"]
    assert "2 other children" in line["detail"] and "grey hatchback" in line["detail"]

    win = app(dsl)
    assert win.show_child(child.id), fake_dialogs.texts()
    tab = win.parts.actions.actions_tab
    titles = [tab.table.item(r, 1).text() for r in range(tab.table.rowCount())]
    assert "Phone the school" in titles
    assert all(tab.table.item(r, 0).text().startswith("⚠") for r in range(tab.table.rowCount()))
    incidents = win.parts.actions.incidents_tab.table
    assert incidents.rowCount() == 1 and incidents.item(0, 2).text() == "2 other children"
    queue = win.parts.dsl.queue
    win.show_page("dsl_queue")
    qtbot.waitUntil(
        lambda: sum(i.kind == "action" and i.overdue for i in queue.model._rows) == 2,
        timeout=10_000,
    )
    assert fake_dialogs.texts("error") == []
    done = dsl.run("action", "done", phone["id"][:8], "--note", "Spoke to the head of year")
    assert done.ok().out.startswith("Action ")
