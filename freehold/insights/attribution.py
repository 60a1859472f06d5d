"""Where a visit came from: the landing's parameters, and the channel they name.

A *touch* is what the landing request says about its origin: the UTM parameters, the ad
platforms' click ids, the referring site (its host only) and the landing page. A new visit
with none of these is a direct touch. Each order keeps two: the visitor's first touch and the
last one before buying (the "last non-direct touch": a direct return visit does not erase the
campaign that brought the shopper; it is what most shops' reports call last click).

`classify_channel` is pure: the same parameters give the same channel everywhere (events,
orders, reports), and the table in tests pins it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from urllib.parse import parse_qsl, urlencode, urlsplit

UTM_PARAMETERS = ("utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term")
CLICK_IDS = ("gclid", "fbclid", "ttclid", "msclkid")
PAID_SEARCH_CLICK_IDS = frozenset({"gclid", "msclkid"})
PAID_SOCIAL_CLICK_IDS = frozenset({"fbclid", "ttclid"})


class Channel:
    PAID_SEARCH = "paid_search"
    PAID_SOCIAL = "paid_social"
    ORGANIC_SEARCH = "organic_search"
    ORGANIC_SOCIAL = "organic_social"
    EMAIL = "email"
    AFFILIATE = "affiliate"
    REFERRAL = "referral"
    DIRECT = "direct"


CHANNEL_LABELS = {
    Channel.PAID_SEARCH: "Paid search",
    Channel.PAID_SOCIAL: "Paid social",
    Channel.ORGANIC_SEARCH: "Organic search",
    Channel.ORGANIC_SOCIAL: "Organic social",
    Channel.EMAIL: "E-mail",
    Channel.AFFILIATE: "Affiliate",
    Channel.REFERRAL: "Referral",
    Channel.DIRECT: "Direct",
}

# Names (the registrable domain's first label, or the utm_source as people write it).
SEARCH_ENGINES = frozenset(
    {"google", "bing", "duckduckgo", "yahoo", "baidu", "yandex", "ecosia", "qwant", "startpage"}
)
SOCIAL_NETWORKS = frozenset(
    {
        "facebook",
        "fb",
        "instagram",
        "ig",
        "tiktok",
        "pinterest",
        "x",
        "twitter",
        "t",  # t.co, X's link shortener
        "linkedin",
        "lnkd",
        "reddit",
        "youtube",
        "youtu",
        "threads",
        "snapchat",
        "bsky",
        "mastodon",
    }
)
PAID_MEDIUMS = frozenset({"cpc", "ppc", "paid", "paidsearch", "paid_search", "paid-search"})
PAID_SOCIAL_MEDIUMS = frozenset(
    {"cpc", "ppc", "paid", "paidsocial", "paid_social", "paid-social", "cpm", "social_paid"}
)
SOCIAL_MEDIUMS = frozenset({"social", "social-network", "social_network", "sm", "organic_social"})
EMAIL_MEDIUMS = frozenset({"email", "e-mail", "e_mail", "newsletter", "mail"})
AFFILIATE_MEDIUMS = frozenset({"affiliate", "affiliates", "partner"})
ORGANIC_MEDIUMS = frozenset({"organic", "seo"})


def _names(value: str) -> set[str]:
    """Every dot-separated label of a host or source, lower case: "l.facebook.com" gives
    {"l", "facebook", "com"}; matching on labels catches country domains (google.de)."""
    return {label for label in value.lower().replace("www.", "").split(".") if label}


def _is_search(source: str, referrer_host: str) -> bool:
    return bool((_names(source) | _names(referrer_host)) & SEARCH_ENGINES)


def _is_social(source: str, referrer_host: str) -> bool:
    names = _names(source) | _names(referrer_host)
    return bool(names & SOCIAL_NETWORKS) and not (names & SEARCH_ENGINES)


def classify_channel(
    source: str, medium: str, referrer_host: str, click_ids: Iterable[str] = ()
) -> str:
    """The marketing channel of a touch (see `Channel`), from its parameters alone.

    Explicit parameters win over the referrer: a newsletter link opened in a webmail is
    e-mail, not a referral from the webmail's site. Click ids are the ad platforms' own mark
    of a paid click and win over everything.
    """
    source = (source or "").strip().lower()
    medium = (medium or "").strip().lower()
    referrer_host = (referrer_host or "").strip().lower()
    clicks = {name.lower() for name in click_ids}
    if clicks & PAID_SEARCH_CLICK_IDS:
        return Channel.PAID_SEARCH
    if clicks & PAID_SOCIAL_CLICK_IDS:
        return Channel.PAID_SOCIAL
    if medium in EMAIL_MEDIUMS or source in EMAIL_MEDIUMS:
        return Channel.EMAIL
    if medium in AFFILIATE_MEDIUMS:
        return Channel.AFFILIATE
    if medium in PAID_MEDIUMS | PAID_SOCIAL_MEDIUMS:
        if _is_social(source, referrer_host) or medium in {"paidsocial", "paid_social", "cpm"}:
            return Channel.PAID_SOCIAL
        return Channel.PAID_SEARCH
    if medium in SOCIAL_MEDIUMS or _is_social(source, referrer_host):
        return Channel.ORGANIC_SOCIAL
    if medium in ORGANIC_MEDIUMS or _is_search(source, referrer_host):
        return Channel.ORGANIC_SEARCH
    if source or medium or referrer_host:
        return Channel.REFERRAL
    return Channel.DIRECT


@dataclass(frozen=True)
class Touch:
    """One landing's origin. `landing_page` is the path with the tracking parameters only."""

    channel: str = Channel.DIRECT
    source: str = ""
    medium: str = ""
    campaign: str = ""
    content: str = ""
    term: str = ""
    referrer_host: str = ""
    referrer: str = ""
    landing_page: str = ""
    click_ids: dict[str, str] = field(default_factory=dict)

    @property
    def is_direct(self) -> bool:
        return self.channel == Channel.DIRECT

    @property
    def reported_source(self) -> str:
        """The source reports show: utm_source, else the referring site."""
        return self.source or self.referrer_host

    def as_data(self) -> dict[str, object]:
        """Compact, for the signed cookie: empty values left out."""
        return {key: value for key, value in asdict(self).items() if value}

    @classmethod
    def from_data(cls, data: Mapping[str, object]) -> Touch:
        clicks = data.get("click_ids")
        return cls(
            **{
                key: str(data.get(key, ""))[:512]
                for key in (
                    "channel",
                    "source",
                    "medium",
                    "campaign",
                    "content",
                    "term",
                    "referrer_host",
                    "referrer",
                    "landing_page",
                )
            },
            click_ids={
                str(name): str(value)[:255]
                for name, value in (clicks.items() if isinstance(clicks, dict) else [])
                if name in CLICK_IDS
            },
        )

    def without_click_ids(self) -> Touch:
        """The same touch without the click ids' values (the channel stays what they made it).

        A click id names one ad click at the ad platform: keeping it is only for shoppers
        whose consent allows marketing (sharing with ad platforms).
        """
        if not self.click_ids:
            return self
        query = [
            (name, value)
            for name, value in parse_qsl(urlsplit(self.landing_page).query, keep_blank_values=True)
            if name not in CLICK_IDS
        ]
        path = urlsplit(self.landing_page).path
        return Touch(
            **{
                **asdict(self),
                "click_ids": {},
                "landing_page": f"{path}?{urlencode(query)}" if query else path,
            }
        )


def host_of(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def is_external(referrer: str, own_host: str) -> bool:
    host = host_of(referrer)
    own = own_host.split(":", 1)[0].lower()
    return bool(host) and host != own


def touch_from(*, url: str, referrer: str, own_host: str) -> Touch | None:
    """The touch a landing at `url` (path and query) from `referrer` makes; None when the
    page was reached from this store itself without campaign parameters (not a landing)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    parameters = {
        name.lower(): value.strip()[:255]
        for name, value in parse_qsl(parts.query, keep_blank_values=False)
        if name.lower() in UTM_PARAMETERS or name.lower() in CLICK_IDS
    }
    external = is_external(referrer, own_host)
    if not parameters and not external:
        return None
    referrer_host = host_of(referrer) if external else ""
    tracking = [
        (name, parameters[name]) for name in (*UTM_PARAMETERS, *CLICK_IDS) if name in parameters
    ]
    click_ids = {name: parameters[name] for name in CLICK_IDS if name in parameters}
    source = parameters.get("utm_source", "")
    medium = parameters.get("utm_medium", "")
    return Touch(
        channel=classify_channel(source, medium, referrer_host, click_ids),
        source=source,
        medium=medium,
        campaign=parameters.get("utm_campaign", ""),
        content=parameters.get("utm_content", ""),
        term=parameters.get("utm_term", ""),
        referrer_host=referrer_host,
        # The referrer as the browser sent it: with the store's referrer policy, other
        # sites usually send only their origin.
        referrer=referrer[:1024] if external else "",
        landing_page=(parts.path + (f"?{urlencode(tracking)}" if tracking else ""))[:512],
        click_ids=click_ids,
    )


def direct_touch(*, url: str) -> Touch:
    try:
        path = urlsplit(url).path
    except ValueError:
        path = ""
    return Touch(landing_page=path[:512])


@dataclass(frozen=True)
class Journey:
    """The first and the last (non-direct) touch of a visitor."""

    first: Touch
    last: Touch

    def with_landing(self, touch: Touch) -> Journey:
        """A new landing: it becomes the last touch unless it is direct and one is known."""
        if touch.is_direct and not self.last.is_direct:
            return self
        return Journey(first=self.first, last=touch)


def order_fields(journey: Journey, *, keep_click_ids: bool, visitor_id: str = "") -> dict[str, str]:
    """The Order's attribution fields: its utm_* and landing fields are the last touch's."""
    last = journey.last if keep_click_ids else journey.last.without_click_ids()
    first = journey.first
    return {
        "landing_page": last.landing_page,
        "referrer": last.referrer,
        "utm_source": last.source,
        "utm_medium": last.medium,
        "utm_campaign": last.campaign,
        "utm_content": last.content,
        "utm_term": last.term,
        "gclid": last.click_ids.get("gclid", ""),
        "fbclid": last.click_ids.get("fbclid", ""),
        "ttclid": last.click_ids.get("ttclid", ""),
        "visitor_id": visitor_id,
        "first_touch_channel": first.channel,
        "first_touch_source": first.reported_source,
        "first_touch_medium": first.medium,
        "first_touch_campaign": first.campaign,
        "last_touch_channel": last.channel,
    }
