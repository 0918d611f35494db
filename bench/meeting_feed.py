"""Writes a synthetic Meeting Guide feed: MEETINGS meetings in GROUPS groups.

    python3 bench/meeting_feed.py 20000 5000 > feed.json

Deterministic (seeded); US zones, a mix of in-person (with coordinates)
and online meetings, Meeting Guide type codes from the spec's list.
"""

import json
import random
import sys

meetings, groups = int(sys.argv[1]), int(sys.argv[2])
rng = random.Random(7)
zones = [("America/New_York", 40.7, -74.0), ("America/Chicago", 41.9, -87.6),
         ("America/Denver", 39.7, -105.0), ("America/Los_Angeles", 34.1, -118.2)]
types = ["O", "C", "D", "B", "BE", "ST", "SP", "W", "M", "LGBTQ", "Y", "MED", "12x12", "X"]
words = ["Serenity", "Hope", "Fellowship", "Sunrise", "Lunch Bunch", "Happy Destiny", "Keep It Simple",
         "Eye Opener", "Step Sisters", "Design for Living", "Came to Believe", "Into Action"]
out = []
for i in range(meetings):
    g = i % groups
    zone, lat, lng = zones[g % len(zones)]
    hour, minute = rng.randrange(6, 22), rng.choice([0, 15, 30])
    m = {
        "name": f"{rng.choice(words)} {i}",
        "slug": f"meeting-{i}",
        "day": rng.randrange(7),
        "time": f"{hour:02}:{minute:02}",
        "end_time": f"{hour + 1:02}:{minute:02}",
        "timezone": zone,
        "group": f"Group {g}",
        "types": rng.sample(types, 3),
        "notes": "Use the side door.",
    }
    if rng.random() < 0.3:
        m["conference_url"] = f"https://zoom.us/j/{1000000 + i}"
        m["formatted_address"] = "Chicago, IL, USA"
        m["approximate"] = "yes"
    else:
        m["formatted_address"] = f"{100 + i} Main St, Springfield, IL 62701, USA"
        m["latitude"] = round(lat + rng.uniform(-1, 1), 5)
        m["longitude"] = round(lng + rng.uniform(-1, 1), 5)
        m["location"] = f"Hall {g}"
    out.append(m)
json.dump(out, sys.stdout)
