"""Another web process, for the tests that search in one process and write in another: it reads JSON commands, one
per line, and answers each with one JSON line.

    {"search": {"places": true}}  -> {"total": 3, "actions": [...], "builds": 1, "applied": 2}
    {"unpublish": 12}             -> {"done": true}   (commits)
    {"quit": true}

Run with the test settings and DATABASE_URL naming the test database (tests/catalogue/test_search_processes.py).
"""

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django

django.setup()

from django.utils import timezone  # noqa: E402

from catalogue.models import Action  # noqa: E402
from catalogue.search.engine import Query, search  # noqa: E402
from catalogue.search.index import index_alias, store_for  # noqa: E402


def main():
    for line in sys.stdin:
        command = json.loads(line)
        if "quit" in command:
            return
        if "search" in command:
            outcome = search(Query(**command["search"]), today=timezone.localdate())
            store = store_for(index_alias())
            answer = {
                "total": outcome.total,
                "actions": [hit.action_id for hit in outcome.hits],
                "builds": store.builds,
                "loads": store.loads,
                "applied": store.applied,
            }
        elif "unpublish" in command:
            Action.objects.filter(pk=command["unpublish"]).update(is_published=False)
            answer = {"done": True}
        else:
            answer = {"error": f"unknown command {command}"}
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    main()
