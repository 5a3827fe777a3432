"""The installable web app's service worker (`sw.js`): the page that works offline.

Clients practise where there is no network. The worker keeps the page and the small
files it shows (thumbnails, icons, the manifest) from the first visit, and the tracks a
listener asks to keep; see `sw.js` for how it answers. Its version is a digest of what
it keeps, so a re-published page replaces the old copy on the listener's next visit.
"""

from __future__ import annotations

import hashlib
import json
from importlib import resources
from pathlib import Path
from urllib.parse import quote

from generator.publish.layout import PAGE


def service_worker(root: Path, shell: list[str]) -> bytes:
    """`sw.js` keeping `shell` (site-relative paths, the page first) for offline use."""
    digest = hashlib.sha256()
    for rel in shell:
        digest.update(rel.encode() + b"\0" + (root / rel).read_bytes())
    script = resources.files("generator.publish").joinpath("sw.js").read_text(encoding="utf-8")
    script = (
        script.replace("__VERSION__", digest.hexdigest()[:16])
        .replace("__SHELL__", json.dumps([quote(rel) for rel in shell]))
        .replace("__PAGE__", PAGE)
    )
    return script.encode("utf-8")
