"""The load mix for ``make load`` (benchmarks/load/run.py starts the servers and locust).

A posyandu day seen from the server: many cadres' phones push the visits they
recorded and pull what changed (after one full first sync each), parents open
their child's growth chart and immunisation record, and a district officer reads
the monthly reports and downloads one as CSV. ``HealthUser`` alone is the ceiling
run: the cheapest endpoint of the same server, under the same concurrency.

Every request must answer 2xx; anything else counts as an error. Run by run.py as
``locust -f locustfile.py --headless …`` with LOAD_USERS_CLASSES set to
``mix`` or ``ceiling``.
"""
from __future__ import annotations

import json
import os
import random
import uuid
from datetime import date, timedelta

from locust import HttpUser, between, constant, task

# {username: access token}: run.py logs each demo account in once before the run (a
# phone stays logged in for weeks; Argon2 logins are deliberately slow and rate-limited).
TOKENS: dict[str, str] = json.loads(os.environ.get("LOAD_TOKENS", "{}"))
CADRES = ["kader1", "kader1b", "kader2", "kader3", "kader4", "kader5", "kader6"]
THINK = constant(0)   # closed loop: each virtual phone sends its next request when the last is answered
LAST_MONTH = (date.today().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")


class ApiUser(HttpUser):
    abstract = True
    username = ""

    def on_start(self) -> None:
        self.client.headers["Authorization"] = f"Bearer {TOKENS[self.username]}"


class CadreUser(ApiUser):
    """One cadre's phone: a full first pull, then visits pushed and small pulls."""

    weight = 12
    wait_time = THINK

    def on_start(self) -> None:
        self.username = random.choice(CADRES)
        super().on_start()
        self.client_id = str(uuid.uuid4())
        self.cursor: str | None = None
        self.children: dict[str, str] = {}    # child id -> birth date
        self.pull(name="GET /sync/pull (first sync)")

    def pull(self, name: str = "GET /sync/pull") -> None:
        while True:
            params = {"limit": 500, **({"cursor": self.cursor} if self.cursor else {})}
            with self.client.get("/api/v1/sync/pull", params=params, name=name, catch_response=True) as resp:
                if resp.status_code != 200:
                    resp.failure(f"pull answered {resp.status_code}")
                    return
                page = resp.json()
            for change in page["changes"]:
                if change["entity"] == "child" and change["op"] == "upsert":
                    self.children[change["id"]] = change["record"]["birth_date"]
            self.cursor = page["cursor"]
            if not page["has_more"]:
                return

    @task(6)
    def record_visit(self) -> None:
        """A visit: the child is weighed and measured (sometimes two children in one push)."""
        if not self.children:
            return
        mutations = []
        for child_id in random.sample(sorted(self.children), k=min(len(self.children), random.choice((1, 1, 2)))):
            weight = round(random.uniform(6.0, 16.0), 1)
            mutations.append({"mutation_id": str(uuid.uuid4()), "entity": "measurement", "op": "upsert",
                              "id": str(uuid.uuid4()), "base_version": None,
                              "data": {"child_id": child_id, "measured_on": date.today().isoformat(),
                                       "weight_kg": weight, "length_height_cm": round(60 + weight * 3.2, 1),
                                       "position": "standing" if weight > 11 else "lying"}})
        with self.client.post("/api/v1/sync/push", json={"client_id": self.client_id, "mutations": mutations},
                              name="POST /sync/push", catch_response=True) as resp:
            if resp.status_code != 200:
                resp.failure(f"push answered {resp.status_code}")
            elif any(r["status"] != "applied" for r in resp.json()["results"]):
                resp.failure(f"mutation not applied: {resp.text[:300]}")

    @task(5)
    def pull_changes(self) -> None:
        self.pull()

    @task(1)
    def search_child(self) -> None:
        self.client.get("/api/v1/children", params={"q": random.choice("aeiou"), "limit": 20},
                        name="GET /children?q=")


class ParentUser(ApiUser):
    """A parent opening the app: their children, a growth chart, the immunisation record."""

    weight = 4
    wait_time = THINK
    username = "orangtua"

    def on_start(self) -> None:
        super().on_start()
        self.children = [c["id"] for c in self.client.get("/api/v1/children", name="GET /children").json()["items"]]

    @task
    def open_child(self) -> None:
        child = random.choice(self.children)
        self.client.get(f"/api/v1/children/{child}/growth-chart", name="GET /children/{id}/growth-chart")
        self.client.get(f"/api/v1/children/{child}/immunisations", name="GET /children/{id}/immunisations")


class DinkesUser(ApiUser):
    """The district officer: monthly SKDN and prevalence by posyandu, and a CSV download."""

    weight = 1
    wait_time = between(0.5, 1.5)
    username = "dinkes"

    @task(3)
    def monthly_reports(self) -> None:
        for report in ("skdn", "prevalence"):
            self.client.get(f"/api/v1/reports/{report}", params={"month": LAST_MONTH, "level": "posyandu"},
                            name=f"GET /reports/{report}")

    @task(1)
    def export_csv(self) -> None:
        self.client.get("/api/v1/reports/skdn", params={"month": LAST_MONTH, "level": "posyandu", "format": "csv"},
                        name="GET /reports/skdn?format=csv")


class HealthUser(HttpUser):
    """The ceiling: the cheapest endpoint of the same server (one SELECT 1)."""

    wait_time = constant(0)

    @task
    def health(self) -> None:
        self.client.get("/api/v1/health", name="GET /health")
