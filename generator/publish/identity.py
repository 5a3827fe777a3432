"""What a site says about itself that must stay true: its address, its dates, its guids,
and the names its listener will read.

Podcast apps key episodes by guid and sort them by date, and the Podcasting 2.0 channel
guid is meant to last for the life of a show, so these are decided once here, remembered
in the site's state file, and carried over when the private token is rotated.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from urllib.parse import quote, urlsplit, urlunsplit

from generator.core.errors import InputError
from generator.output.tags import PLACEHOLDER_NAMES
from generator.publish.catalog import Track

_EPISODE_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "meditate:publish")
# The Podcasting 2.0 namespace's fixed namespace for podcast:guid (a UUIDv5 of the feed URL).
PODCAST_GUID_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")
_URL_SAFE = "/%:@!$&'()*+,;=~"


def now() -> datetime:
    """The present moment, in UTC (one place, so tests can fix it)."""
    return datetime.now(timezone.utc).replace(microsecond=0)


def encode_base_url(base_url: str | None) -> str | None:
    """The site's address with spaces and non-ASCII percent-encoded (host in IDNA form).

    Escapes already present are kept, so an address copied from a browser works as is.
    """
    if not base_url:
        return None
    url = base_url.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(f"--base-url must be an http:// or https:// address, got '{base_url}'")
    if parts.query or parts.fragment:
        raise InputError(f"--base-url must not have a '?query' or '#fragment', got '{base_url}'")
    try:
        host = parts.hostname.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise InputError(f"--base-url has a host name that cannot be used: {parts.hostname} ({exc})") from exc
    try:
        port = parts.port
    except ValueError as exc:
        raise InputError(f"--base-url has a bad port: '{base_url}'") from exc
    netloc = host + (f":{port}" if port else "")
    if parts.username:
        raise InputError("--base-url must not contain a user name or password")
    return urlunsplit((parts.scheme, netloc, quote(parts.path, safe=_URL_SAFE), "", ""))


def feed_seed(base_url: str | None) -> str:
    """What makes this client's guids their own: the site's address (without the token,
    so rotating it keeps the guids), or a random value when there is no address yet."""
    return base_url or f"urn:uuid:{uuid.uuid4()}"


def episode_guid(seed: str, name: str) -> str:
    """A track's guid in one client's feed: the same track sent to two clients is two
    episodes, so one client's app can never be confused with another's."""
    return str(uuid.uuid5(_EPISODE_NAMESPACE, f"{seed}\n{name}"))


def channel_guid(feed_url: str) -> str:
    """podcast:guid as the namespace says: a UUIDv5 of the feed URL without its scheme.
    Made once from the first address and then kept, whatever the address becomes."""
    bare = feed_url.split("://", 1)[-1].rstrip("/")
    return str(uuid.uuid5(PODCAST_GUID_NAMESPACE, bare))


def publication_dates(tracks: list[Track], known: dict[str, str]) -> dict[str, str]:
    """First publication dates for the tracks not yet in `known`: each file's modification
    time, never later than now. When tracks first published together are not in
    file-name order by time, earlier names are moved back a second at a time, so podcast
    apps list a numbered course in order without any date lying in the future.
    """
    present = now()
    fresh = [t for t in tracks if t.name not in known]
    dates: dict[str, str] = {}
    following: datetime | None = None
    for track in reversed(fresh):
        mtime = datetime.fromtimestamp(track.audio.stat().st_mtime, timezone.utc).replace(microsecond=0)
        date = min(mtime, present)
        if following is not None and date >= following:
            date = following - timedelta(seconds=1)
        dates[track.name] = date.isoformat()
        following = date
    return dates


def remembered_date(value: str) -> datetime:
    """A stored date, as an aware time no later than now (older sites could hold future ones)."""
    date = datetime.fromisoformat(value)
    if date.tzinfo is None:
        date = date.replace(tzinfo=timezone.utc)
    return min(date, now())


def placeholder_note(author: str, tracks: list[Track]) -> str | None:
    """A warning when the templates' placeholder name would reach the client."""
    where: list[str] = []
    placeholder = ""
    if author.strip().casefold() in PLACEHOLDER_NAMES:
        placeholder = author
        where.append("the feed's author, the page's byline and the show's cover")
    tagged = [t.audio.name for t in tracks if t.artist.strip().casefold() in PLACEHOLDER_NAMES]
    if tagged:
        placeholder = placeholder or next(t.artist for t in tracks if t.audio.name == tagged[0])
        where.append(f"the artist tag (and probably the cover) of {', '.join(tagged)}")
    if not where:
        return None
    return (
        f"'{placeholder}' is the templates' placeholder name, and your client will see it in "
        f"{'; '.join(where)}: set your name as `practitioner` in the scripts and render again "
        "(or publish with --author NAME for the feed and page)"
    )
