"""Child process for test_power_cut: open a desk and record complaints until killed.

Usage: python power_cut_child.py DATA_DIR LIFE FORM_JSON

Writes one line per event to stdout, flushed at once:
    opening                 just before open_desk (the parent may aim a kill at the opening)
    ready                   the desk is open and migrated
    ack TRACKING_NO TOKEN   only after record_complaint returned, i.e. after the commit;
                            TOKEN is a word unique to that complaint's description
Never exits on its own: the parent ends it with SIGKILL.
"""

from __future__ import annotations

import json
import sys


def main() -> None:
    data_dir, life, form_json = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    out = sys.stdout

    from desk_app import settings
    from desk_app.domain.complaint import ComplaintForm
    from desk_app.domain.roles import Actor, Role
    from desk_app.services import intake
    from desk_app.services.desk import open_desk

    base = ComplaintForm.from_dict(json.loads(form_json))
    out.write("opening\n")
    out.flush()
    desk = open_desk(data_dir)
    if not desk.set_up:  # the first life sets the desk up (as init would: its code)
        settings.set_value(desk.db, "desk_code", "PKU01")
        desk = desk.reloaded()
    desk = desk.acting(Actor("ani", "Ani Rahmawati", Role.CLERK))
    out.write("ready\n")
    out.flush()
    n = 0
    while True:
        n += 1
        # One FTS word per complaint, none a prefix of another (the app searches by prefix).
        token = f"tok{life}x{n}z"
        form = ComplaintForm.from_dict(
            {
                **base.to_dict(),
                "subject": f"{base.subject} {token}",
                "description": f"{base.description} Kejadian {token}.",
            }
        )
        recorded = intake.record_complaint(desk, form)
        out.write(f"ack {recorded.tracking_no} {token}\n")
        out.flush()


if __name__ == "__main__":
    main()
