"""The account lookup's evaluation set: seeded queries made from true accounts of the active
tenant by labelled variant rules, each knowing the account it should find (or none), and the
figures of an answer set per rule. Used by ``bench`` (the ``lookup`` scenario, 1,000,000
accounts) and by tests/deals/test_evaluation.py (a few hundred), which assert the targets.

Positive rules (a query for a true account): the name with its legal form changed or
dropped, accented, in other case and punctuation, abbreviated, with a one-letter typo, with
two letters transposed, in another word order, exactly as stored; its domain with a
subdomain, scheme and path, its domain when that ends in a country suffix (only accounts
that have one), an e-mail address at the domain. Negative rules (a company that is not in
the data, so the right answer is none): an easy one (an unrelated name), and hard ones (the
same core name with another generic word, the same name in another country, a name sharing
the first letters, the same domain label under another country's suffix).

Typos and every negative are checked against the tenant: a variant whose normalised name
is another existing company's is not a typo of this one (nor a company "not in the data")
and is drawn again."""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import QuerySet

from deals.models import AccountDomain, CustomerAccount
from deals.normalise import GENERIC_WORDS, normalise_name, registrable_domain

# Targets of the figures (the issue's): per family of positive rules, the least recall.
RECALL_TARGETS = {"domain": 0.95, "exact": 0.95, "fuzzy": 0.85}
FALSE_MATCH_TARGET = 0.01

# rule -> family. "exact": the query normalises to the account's name (so the lookup's
# exact-after-normalisation evidence applies); "fuzzy": only a similar name.
POSITIVE_RULES = {
    "legal_form_changed": "exact",
    "legal_form_dropped": "exact",
    "accents": "exact",
    "case_punctuation": "exact",
    "abbreviation": "exact",
    "exact_normalised": "exact",
    "typo": "fuzzy",
    "transposition": "fuzzy",
    "word_order": "fuzzy",
    "domain_url": "domain",
    "domain_country_suffix": "domain",
    "email_at_domain": "domain",
}
NEGATIVE_RULES = {
    "negative_easy": "easy",
    "negative_generic_word": "hard",
    "negative_other_country": "hard",
    "negative_shared_prefix": "hard",
    "negative_domain_other_suffix": "hard",
}
RULES = {**POSITIVE_RULES, **NEGATIVE_RULES}

LEGAL_FORMS = [
    "GmbH", "AG", "Ltd", "PLC", "SA", "SAS", "Inc.", "Corp.", "LLC", "BV", "KK", "Ltda",
    "S.p.A.", "Limited", "Corporation", "Incorporated", "S.A.", "G.m.b.H.", "Co., Ltd.",
]  # fmt: skip
_FORM_WORDS = {re.sub(r"[^a-z]", "", f.lower()) for f in LEGAL_FORMS}
# A word of a name -> how people abbreviate (or write out) it.
ABBREVIATED = {
    "manufacturing": ["Mfg", "Mfg.", "Mfrg"],
    "systems": ["Sys", "Sys."],
    "solutions": ["Solns", "Sol."],
    "pharma": ["Pharm", "Pharmaceuticals"],
    "telecom": ["Telecommunications"],
    "engineering": ["Eng", "Engg."],
    "insurance": ["Ins."],
    "group": ["Grp"],
    "international": ["Intl", "Int'l"],
    "services": ["Svcs", "Svc"],
    "technology": ["Tech"],
    "technologies": ["Techs"],
    "laboratories": ["Labs"],
    "holdings": ["Hldgs"],
    "management": ["Mgmt"],
    "communications": ["Comms"],
}
ACCENTED = {"a": "áàâä", "e": "éèêë", "i": "íîï", "o": "óôö", "u": "úûü", "n": "ñ", "c": "ç"}
# Words of names that are in no generated account (deals.scale builds names from syllables).
EASY_FIRST = [
    "Bluebird", "Granite", "Harbor", "Maple", "Quokka", "Silverline", "Thistle", "Juniper",
    "Kestrel", "Moonstone", "Pinecrest", "Riverbend", "Saffron", "Tumbleweed", "Wildflower",
    "Copperfield", "Driftwood", "Foxglove", "Hawthorn", "Ironbark",
]  # fmt: skip
EASY_SECOND = [
    "Bakery", "Studios", "Farms", "Outfitters", "Realty", "Brewing", "Florists", "Tailors",
    "Kennels", "Vineyards", "Optics", "Upholstery", "Bicycles", "Ceramics", "Printworks",
]  # fmt: skip
OTHER_GENERIC = [
    "Solutions", "Systems", "Group", "Services", "Technology", "International", "Holdings",
    "Global", "Partners", "Networks", "Digital", "Enterprises", "Industries", "Worldwide",
]  # fmt: skip
ENDINGS = ["ix", "ova", "ump", "eth", "ago", "ubo", "isk", "yte"]
COUNTRY_SUFFIXES = {
    "DE": "de", "GB": "co.uk", "FR": "fr", "NL": "nl", "JP": "co.jp", "BR": "com.br",
    "IT": "it", "ES": "es", "AT": "at", "CH": "ch", "AU": "com.au", "IN": "co.in",
}  # fmt: skip
COUNTRIES = sorted(COUNTRY_SUFFIXES)
_PATHS = ["/", "/contact", "/about-us/", "/en/products?ref=partner", "/index.html#team"]
_PEOPLE = ["jane.doe", "m.mueller", "sales", "info", "j-smith+crm", "procurement"]


@dataclass(frozen=True)
class Query:
    rule: str
    q: str = ""
    domain: str = ""
    country: str = ""
    expected: int | None = None  # the account to find; None: a company not in the data

    @property
    def family(self) -> str:
        return POSITIVE_RULES.get(self.rule) or NEGATIVE_RULES[self.rule]

    @property
    def positive(self) -> bool:
        return self.expected is not None


@dataclass
class Truth:
    """What a variant rule is given: an account of the tenant and its domains."""

    id: int
    name: str
    country: str
    domains: list[str]


@dataclass
class Answer:
    """An answer reduced to what the figures need: the accounts found as ``match`` and as
    ``possible``, and how long it took."""

    matches: list[int]
    possibles: list[int]
    ms: float = 0.0


@dataclass
class Figures:
    queries: int = 0
    recall: float | None = None  # positives: the account among match + possible
    matched: float | None = None  # positives: the account as a match
    false_match: float = 0.0  # a match on another company (negatives: any match)
    review: float = 0.0  # negatives: a possible to review
    extra: dict = field(default_factory=dict)


class Known:
    """Whether a normalised name (its key) or a domain is some account's in the tenant."""

    def name(self, text: str) -> bool:
        key = normalise_name(text).key
        return CustomerAccount.objects.filter(name_key=key).exists()

    def domain(self, value: str) -> bool:
        return AccountDomain.objects.filter(domain=registrable_domain(value) or "").exists()


def _words(name: str) -> list[str]:
    return name.split()


def _form_of(name: str) -> tuple[str, str] | None:
    """(name without its trailing legal form, the form), when it ends in one."""
    for form in sorted(LEGAL_FORMS, key=len, reverse=True):
        if name.endswith(" " + form):
            return name[: -len(form) - 1].rstrip(" ,"), form
    last = name.rsplit(" ", 1)
    if len(last) == 2 and re.sub(r"[^a-z]", "", last[1].lower()) in _FORM_WORDS:
        return last[0].rstrip(" ,"), last[1]
    return None


def _distinctive(name: str) -> tuple[int, str] | None:
    """The position and text of the name's longest word that is neither generic nor a
    legal form (where a typo changes the company rather than its description)."""
    best: tuple[int, str] | None = None
    for i, word in enumerate(_words(name)):
        plain = re.sub(r"[^a-z]", "", word.lower())
        if len(plain) < 4 or plain in GENERIC_WORDS or plain in _FORM_WORDS:
            continue
        if best is None or len(word) > len(best[1]):
            best = (i, word)
    return best


def _replace_word(name: str, index: int, word: str) -> str:
    words = _words(name)
    words[index] = word
    return " ".join(words)


# --- positive rules: (rng, truth, exists) -> a query, or None when the rule does not apply


def legal_form_changed(rng: random.Random, t: Truth, exists: Known) -> Query | None:
    split = _form_of(t.name)
    base, form = split if split else (t.name, "")
    other = rng.choice([f for f in LEGAL_FORMS if f != form])
    return Query("legal_form_changed", q=f"{base} {other}", country=t.country, expected=t.id)


def legal_form_dropped(rng: random.Random, t: Truth, exists: Known) -> Query | None:
    split = _form_of(t.name)
    if split is None:
        return None
    return Query("legal_form_dropped", q=split[0], country=t.country, expected=t.id)


def accents(rng: random.Random, t: Truth, exists: Known) -> Query | None:
    places = [i for i, c in enumerate(t.name) if c.lower() in ACCENTED]
    if not places:
        return None
    chars = list(t.name)
    for i in rng.sample(places, min(len(places), rng.randint(1, 3))):
        accented = rng.choice(ACCENTED[chars[i].lower()])
        chars[i] = accented.upper() if chars[i].isupper() else accented
    return Query("accents", q="".join(chars), country=t.country, expected=t.id)


def case_punctuation(rng: random.Random, t: Truth, exists: Known) -> Query | None:
    text = rng.choice([str.upper, str.lower, str.swapcase])(t.name)
    words = text.split()
    style = rng.randrange(4)
    if style == 0 and len(words) > 1:
        text = ", ".join([" ".join(words[:-1]), words[-1]])
    elif style == 1:
        text = text + "."
    elif style == 2 and len(words) > 1:
        text = " ".join(words[:-1]) + f" ({words[-1]})"
    else:
        text = "  " + "   ".join(words) + " "
    return Query("case_punctuation", q=text, country=t.country, expected=t.id)


def abbreviation(rng: random.Random, t: Truth, exists: Known) -> Query | None:
    words = _words(t.name)
    places = [i for i, w in enumerate(words) if w.lower().strip(".,") in ABBREVIATED]
    if not places:
        return None
    i = rng.choice(places)
    words[i] = rng.choice(ABBREVIATED[words[i].lower().strip(".,")])
    return Query("abbreviation", q=" ".join(words), country=t.country, expected=t.id)


def exact_normalised(rng: random.Random, t: Truth, exists: Known) -> Query | None:
    return Query("exact_normalised", q=t.name, country=t.country, expected=t.id)


def _misspelt(
    rule: str, t: Truth, exists: Known, change: Callable[[str], str | None]
) -> Query | None:
    found = _distinctive(t.name)
    if found is None:
        return None
    index, word = found
    for _ in range(8):
        changed = change(word)
        if changed is None or changed.lower() == word.lower():
            continue
        q = _replace_word(t.name, index, changed)
        if not exists.name(q):  # another company's exact name is no typo of this one
            return Query(rule, q=q, country=t.country, expected=t.id)
    return None


def typo(rng: random.Random, t: Truth, exists: Known) -> Query | None:
    letters = "abcdefghijklmnopqrstuvwxyz"

    def change(word: str) -> str:
        i = rng.randrange(1, len(word))  # the first letter is rarely the one mistyped
        kind = rng.randrange(3)
        if kind == 0:  # another letter
            return word[:i] + rng.choice(letters.replace(word[i].lower(), "")) + word[i + 1 :]
        if kind == 1:  # one letter more
            return word[:i] + rng.choice(letters) + word[i:]
        return word[:i] + word[i + 1 :]  # one letter fewer

    return _misspelt("typo", t, exists, change)


def transposition(rng: random.Random, t: Truth, exists: Known) -> Query | None:
    def change(word: str) -> str | None:
        places = [i for i in range(1, len(word) - 1) if word[i] != word[i + 1]]
        if not places:
            return None
        i = rng.choice(places)
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]

    return _misspelt("transposition", t, exists, change)


def word_order(rng: random.Random, t: Truth, exists: Known) -> Query | None:
    split = _form_of(t.name)
    base, form = split if split else (t.name, "")
    words = base.split()
    if len(words) < 2:
        return None
    q = " ".join([*reversed(words), form]).strip()
    if exists.name(q):
        return None
    return Query("word_order", q=q, country=t.country, expected=t.id)


def domain_url(rng: random.Random, t: Truth, exists: Known) -> Query | None:
    if not t.domains:
        return None
    host = f"{rng.choice(['www', 'shop', 'eu.portal', 'mail'])}.{rng.choice(t.domains)}"
    url = f"{rng.choice(['https://', 'http://', ''])}{host}{rng.choice(_PATHS)}"
    return Query("domain_url", domain=url, expected=t.id)


def _country_suffixed(domains: Iterable[str]) -> list[str]:
    return [d for d in domains if len(d.rsplit(".", 1)[-1]) == 2]  # .de, .co.uk, .com.br


def domain_country_suffix(rng: random.Random, t: Truth, exists: Known) -> Query | None:
    suffixed = _country_suffixed(t.domains)
    if not suffixed:  # only for an account whose domain has a country's suffix
        return None
    domain = rng.choice(suffixed)
    value = rng.choice([domain, f"www.{domain}", f"https://{domain}/", domain.upper()])
    return Query("domain_country_suffix", domain=value, expected=t.id)


def email_at_domain(rng: random.Random, t: Truth, exists: Known) -> Query | None:
    if not t.domains:
        return None
    return Query("email_at_domain", domain=f"{rng.choice(_PEOPLE)}@{rng.choice(t.domains)}",
                 expected=t.id)  # fmt: skip


# --- negative rules: a company not in the data -------------------------------------------


def negative_easy(rng: random.Random, t: Truth, exists: Known) -> Query | None:
    for _ in range(8):
        q = f"{rng.choice(EASY_FIRST)} {rng.choice(EASY_SECOND)} {rng.choice(LEGAL_FORMS)}"
        if not exists.name(q):
            return Query("negative_easy", q=q, country=t.country or rng.choice(COUNTRIES))
    return None


def negative_generic_word(rng: random.Random, t: Truth, exists: Known) -> Query | None:
    """ "Acme Networks" when only "Acme Systems" (and others) exist."""
    found = _distinctive(t.name)
    if found is None:
        return None
    for generic in rng.sample(OTHER_GENERIC, len(OTHER_GENERIC)):
        q = f"{found[1]} {generic}"
        if normalise_name(q).key != normalise_name(t.name).key and not exists.name(q):
            return Query("negative_generic_word", q=q, country=t.country)
    return None


def negative_other_country(rng: random.Random, t: Truth, exists: Known) -> Query | None:
    """The same name, asked for another country: a different legal entity."""
    if not t.country:
        return None
    key = normalise_name(t.name).key
    countries = set(CustomerAccount.objects.filter(name_key=key).values_list("country", flat=True))
    if "" in countries:  # an account of unknown country may be the one
        return None
    others = [c for c in COUNTRIES if c not in countries]
    return Query("negative_other_country", q=t.name, country=rng.choice(others))


def negative_shared_prefix(rng: random.Random, t: Truth, exists: Known) -> Query | None:
    """A name whose distinctive word starts like the account's and ends otherwise."""
    found = _distinctive(t.name)
    if found is None:
        return None
    index, word = found
    for _ in range(8):
        changed = word[: max(3, len(word) // 2)] + rng.choice(ENDINGS)
        q = _replace_word(t.name, index, changed)
        if not exists.name(q):
            return Query("negative_shared_prefix", q=q, country=t.country)
    return None


def negative_domain_other_suffix(rng: random.Random, t: Truth, exists: Known) -> Query | None:
    """The account's domain label under another country's suffix (another owner)."""
    if not t.domains:
        return None
    domain = rng.choice(t.domains)
    label = domain.split(".", 1)[0]
    for suffix in rng.sample(sorted(COUNTRY_SUFFIXES.values()), len(COUNTRY_SUFFIXES)):
        other = f"{label}.{suffix}"
        if other != domain and not exists.domain(other):
            return Query("negative_domain_other_suffix", domain=f"www.{other}")
    return None


MAKERS: dict[str, Callable[[random.Random, Truth, Known], Query | None]] = {
    f.__name__: f
    for f in (
        legal_form_changed, legal_form_dropped, accents, case_punctuation, abbreviation,
        exact_normalised, typo, transposition, word_order, domain_url, domain_country_suffix,
        email_at_domain, negative_easy, negative_generic_word, negative_other_country,
        negative_shared_prefix, negative_domain_other_suffix,
    )
}  # fmt: skip


def _sample_ids(pool: QuerySet[CustomerAccount], rng: random.Random, count: int) -> list[int]:
    """``count`` ids of ``pool`` drawn with ``rng`` (by id ranges: fast on a million rows)."""
    sql, params = pool.values("id").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT min(id), max(id), count(*) FROM ({sql}) p", params)
        low, high, total = cursor.fetchone()
    if not total:
        return []
    if total <= count * 4:
        ids = sorted(pool.values_list("id", flat=True))
        return rng.sample(ids, min(count, len(ids)))
    chosen: list[int] = []
    seen: set[int] = set()
    while len(chosen) < count:
        wanted = [rng.randint(low, high) for _ in range((count - len(chosen)) * 2)]
        present = set(pool.filter(id__in=wanted).values_list("id", flat=True))
        for i in wanted:
            if i in present and i not in seen and len(chosen) < count:
                seen.add(i)
                chosen.append(i)
    return chosen


def generate(
    *,
    seed: int,
    per_rule: int,
    pool: QuerySet[CustomerAccount] | None = None,
    rules: Iterable[str] = RULES,
) -> list[Query]:
    """``per_rule`` queries for each rule (fewer when too few accounts qualify), made from
    accounts of ``pool`` (the active tenant's top-level accounts by default) drawn with
    ``random.Random(seed)``: the same seed and data give the same queries."""
    rng = random.Random(seed)
    pool = pool if pool is not None else CustomerAccount.objects.filter(depth=1)
    exists = Known()
    queries: list[Query] = []
    for rule in rules:
        make = MAKERS[rule]
        made: list[Query] = []
        for _ in range(4):  # rules that apply to some accounts only draw again
            if len(made) >= per_rule:
                break
            ids = _sample_ids(pool, rng, (per_rule - len(made)) * 3)
            truths = _truths(ids)
            for truth in truths:
                if len(made) >= per_rule:
                    break
                if (query := make(rng, truth, exists)) is not None:
                    made.append(query)
        queries += made
    return queries


def _truths(ids: list[int]) -> list[Truth]:
    accounts = {a.pk: a for a in CustomerAccount.objects.filter(pk__in=ids)}
    domains: dict[int, list[str]] = {}
    for account_id, domain in (
        AccountDomain.objects.filter(account_id__in=ids)
        .order_by("domain")
        .values_list("account_id", "domain")
    ):
        domains.setdefault(account_id, []).append(domain)
    return [
        Truth(i, accounts[i].name, str(accounts[i].country or ""), domains.get(i, []))
        for i in ids
        if i in accounts
    ]


def figures(queries: list[Query], answers: list[Answer]) -> dict[str, Figures]:
    """Per rule: recall (the expected account among match + possible), the share found as a
    match, false matches (a match on another company; for a company not in the data any
    match) and review burden (a company not in the data answered with a possible)."""
    by_rule: dict[str, list[tuple[Query, Answer]]] = {}
    for query, answer in zip(queries, answers, strict=True):
        by_rule.setdefault(query.rule, []).append((query, answer))
    out: dict[str, Figures] = {}
    for rule, pairs in by_rule.items():
        n = len(pairs)
        f = Figures(queries=n)
        if POSITIVE_RULES.get(rule):
            f.recall = sum(q.expected in a.matches + a.possibles for q, a in pairs) / n
            f.matched = sum(q.expected in a.matches for q, a in pairs) / n
            f.false_match = sum(_matches_other(q, a) for q, a in pairs) / n
        else:
            f.false_match = sum(bool(a.matches) for _, a in pairs) / n
            f.review = sum(bool(a.possibles) and not a.matches for _, a in pairs) / n
        out[rule] = f
    return out


def _matches_other(query: Query, answer: Answer) -> bool:
    """A match on an account that is not the expected company: the expected account or an
    account with its very normalised name (the same company typed again)."""
    others = [i for i in answer.matches if i != query.expected]
    if not others:
        return False
    key = CustomerAccount.objects.filter(pk=query.expected).values_list("name_key", flat=True)
    same = set(CustomerAccount.objects.filter(name_key__in=key).values_list("pk", flat=True))
    return any(i not in same for i in others)


def summary(per_rule: dict[str, Figures]) -> dict:
    """The figures the targets are stated on: false matches over every query for a company
    other than the expected one's, recall per family, review burden over the negatives."""
    negatives = [f for r, f in per_rule.items() if r in NEGATIVE_RULES]
    out: dict = {
        "false_match": _weighted(per_rule.values(), "false_match"),
        "false_match_negatives": _weighted(negatives, "false_match"),
        "review_burden": _weighted(negatives, "review"),
    }
    for family in RECALL_TARGETS:
        group = [f for r, f in per_rule.items() if POSITIVE_RULES.get(r) == family]
        out[f"recall_{family}"] = _weighted(group, "recall")
        out[f"recall_{family}_worst"] = min((f.recall or 0.0 for f in group), default=None)
    return out


def _weighted(group: Iterable[Figures], attr: str) -> float | None:
    group = list(group)
    total = sum(f.queries for f in group)
    if not total:
        return None
    return sum((getattr(f, attr) or 0.0) * f.queries for f in group) / total


def lookup_answer(answer) -> Answer:
    """An ``account_lookup`` answer (deals.selectors.LookupAnswer) for the figures."""
    return Answer(
        matches=[c.account.pk for c in answer.matches if c.verdict == "match"],
        possibles=[c.account.pk for c in answer.matches if c.verdict != "match"],
    )


BASELINE_SQL = (
    "SELECT id FROM {table} WHERE name %% %s ORDER BY similarity(name, %s) DESC, id LIMIT 5"
)


def baseline_lookup(query: Query) -> Answer:
    """The naive baseline: pg_trgm ``similarity(name, text)`` on the raw names, whatever
    was typed (a name or an address) as the text, the country ignored: the top few above
    0.3 (``%``'s default threshold), the first taken as the match."""
    text = query.q or query.domain
    sql = BASELINE_SQL.format(table=CustomerAccount._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(sql, [text, text])
        ids = [row[0] for row in cursor.fetchall()]
    return Answer(matches=ids[:1], possibles=ids[1:])
