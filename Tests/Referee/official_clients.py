"""The referee: Twilio's and Salesforce's own Python clients, as their users run them, against
the dialer's Sandboxes. Each step must behave exactly as it would against the real service, or
the Sandbox is wrong. Writes one JSON object of what each step saw to REFEREE_OUTPUT; the
Swift test (SandboxTests/OfficialClientsTests) judges it.

Environment: TWILIO_BASE_URL, TWILIO_ACCOUNT_SID, TWILIO_API_KEY, TWILIO_API_SECRET,
TWILIO_FROM, TWILIO_TO; SALESFORCE_BASE_URL, SALESFORCE_CLIENT_ID,
SALESFORCE_USERNAME, SALESFORCE_PRIVATE_KEY_FILE, SALESFORCE_EXTERNAL_ID_FIELD.
"""
import datetime
import http.server
import json
import os
import threading
import time

import requests
from simple_salesforce import Salesforce
from twilio.rest import Client

env = os.environ
seen = {}


def step(name, run):
    try:
        seen[name] = run()
    except Exception as error:  # the test reports which step failed, and how
        seen[name] = {"error": f"{type(error).__name__}: {error}"}


# --- Twilio: the helper library, with an API key, pointed at the Sandbox. ---
twilio = Client(env["TWILIO_API_KEY"], env["TWILIO_API_SECRET"], env["TWILIO_ACCOUNT_SID"])
twilio.api.base_url = env["TWILIO_BASE_URL"]
to, from_ = env["TWILIO_TO"], env["TWILIO_FROM"]


class Voice(http.server.BaseHTTPRequestHandler):
    """The calls' voice URL: TwiML that keeps an answered call on the line."""

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = b'<?xml version="1.0" encoding="UTF-8"?><Response><Pause length="60"/></Response>'
        self.send_response(200)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


voice = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Voice)
threading.Thread(target=voice.serve_forever, daemon=True).start()
voice_url = f"http://127.0.0.1:{voice.server_address[1]}/twilio/voice"


def create_calls():
    calls = [twilio.calls.create(to=to, from_=from_, url=voice_url) for _ in range(5)]
    # Answered and on the line: each has its start_time now.
    deadline = time.time() + 10
    while time.time() < deadline and any(twilio.calls(c.sid).fetch().status != "in-progress" for c in calls):
        time.sleep(0.2)
    return {"sids": [c.sid for c in calls], "statuses": [c.status for c in calls]}


step("twilio_create", create_calls)
step("twilio_fetch", lambda: (lambda c: {"sid": c.sid, "to": c.to, "from": c._from, "status": c.status})(
    twilio.calls(seen["twilio_create"]["sids"][0]).fetch()))
today = datetime.datetime.now(datetime.timezone.utc).date()
step("twilio_list", lambda: {"sids": [c.sid for c in twilio.calls.list(
    to=to, start_time_after=datetime.datetime.combine(today, datetime.time()), page_size=2)]})
step("twilio_list_all_by_to", lambda: {"sids": [c.sid for c in twilio.calls.list(to=to, page_size=2)]})
step("twilio_update", lambda: {"status": twilio.calls(seen["twilio_create"]["sids"][-1]).update(status="completed").status})


# --- Salesforce: simple-salesforce's JWT bearer login, as for a production org. ---
class Loopback(requests.Session):
    """Sends what simple-salesforce addresses to login.salesforce.com, and to the instance it
    is given (over https, as it always does), to the Sandbox's plain-HTTP loopback port."""

    def request(self, method, url, *args, **kwargs):
        base = env["SALESFORCE_BASE_URL"]
        host = base.split("://", 1)[1]
        for prefix in ("https://login.salesforce.com", "https://" + host):
            if url.startswith(prefix):
                url = base + url[len(prefix):]
        return super().request(method, url, *args, **kwargs)


def login():
    sf = Salesforce(
        username=env["SALESFORCE_USERNAME"], consumer_key=env["SALESFORCE_CLIENT_ID"],
        privatekey_file=env["SALESFORCE_PRIVATE_KEY_FILE"], domain="login", session=Loopback(), version="62.0",
    )
    return sf


step("salesforce_login", lambda: {"instance": login().sf_instance})
if "error" not in seen["salesforce_login"]:
    sf = login()
    step("salesforce_query_all", lambda: (lambda r: {"totalSize": r["totalSize"], "records": len(r["records"])})(
        sf.query_all("SELECT Id, LastName FROM Contact ORDER BY LastName")))
    field = env["SALESFORCE_EXTERNAL_ID_FIELD"]
    step("salesforce_composite_create", lambda: sf.restful("composite/sobjects", method="POST", json={
        "allOrNone": False,
        "records": [
            {"attributes": {"type": "Task"}, "Subject": "Call 1", "TaskSubtype": "Call", "CallObject": "CAref1", field: "CAref1"},
            {"attributes": {"type": "Task"}, "Subject": "Call 2", "TaskSubtype": "Call", "CallObject": "CAref2", field: "CAref2"},
        ],
    }))
    # An upsert by external ID of a Task that exists: an update, 200 from API version 46.0 on.
    step("salesforce_upsert_existing", lambda: {"status": sf.Task.upsert(f"{field}/CAref1", {"Subject": "Call 1, again"})})
    step("salesforce_upsert_new", lambda: {"status": sf.Task.upsert(f"{field}/CAref3", {"Subject": "Call 3", "TaskSubtype": "Call"})})

with open(env["REFEREE_OUTPUT"], "w") as output:
    json.dump(seen, output)
