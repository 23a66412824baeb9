"""The matching table of the account lookup (issue 12's acceptance): pairs that must
match and pairs that must not, each tried in both directions (tests/deals/test_lookup.py:
one is the account, the other the query; tests/deals/test_normalise.py: the evidence
itself).

A row: (name_a, country_a, domain_a, name_b, country_b, domain_b, expected) with
``expected``:
- "match": hard evidence (same registrable domain, or same normalised name and country);
- "possible": found for a person to review (typos, word order, an unknown country);
- "none": not a candidate at all;
- "not_match": never a ``match`` (a ``possible`` for review is allowed: the same core
  with another generic word).
"""

from __future__ import annotations

M, P, N, NM = "match", "possible", "none", "not_match"

MUST_MATCH = [
    # legal forms of many countries
    ("ACME Corp.", "DE", "", "Acme Corporation", "DE", "", M),
    ("Siemens AG", "DE", "", "SIEMENS Aktiengesellschaft", "DE", "", M),
    ("Müller GmbH", "DE", "", "Muller G.m.b.H.", "DE", "", M),
    ("Müller GmbH & Co. KG", "DE", "", "Müller", "DE", "", M),
    ("Société Générale S.A.", "FR", "", "Societe Generale", "FR", "", M),
    ("Nestlé S.A.", "CH", "", "Nestle SA", "CH", "", M),
    ("The Boeing Company", "US", "", "Boeing Co", "US", "", M),
    (
        "Tata Consultancy Services Pvt Ltd",
        "IN",
        "",
        "Tata Consultancy Services Limited",
        "IN",
        "",
        M,
    ),
    ("Toyota Motor K.K.", "JP", "", "Toyota Motor KK", "JP", "", M),
    ("Nokia Oyj", "FI", "", "Nokia", "FI", "", M),
    ("Volvo AB", "SE", "", "AB Volvo", "SE", "", M),
    ("Equinor ASA", "NO", "", "Equinor", "NO", "", M),
    ("Philips N.V.", "NL", "", "Philips NV", "NL", "", M),
    ("ING Groep B.V.", "NL", "", "ING Groep BV", "NL", "", M),
    ("Ferrari S.p.A.", "IT", "", "Ferrari SpA", "IT", "", M),
    ("Banco Itaú Ltda", "BR", "", "Banco Itau", "BR", "", M),
    ("Grupo Bimbo S.A.B. de C.V.", "MX", "", "Grupo Bimbo", "MX", "", M),
    ("Petronas Sdn Bhd", "MY", "", "Petronas", "MY", "", M),
    ("Grab Holdings Pte Ltd", "SG", "", "Grab Holdings", "SG", "", M),
    ("Atlassian Pty Ltd", "AU", "", "Atlassian", "AU", "", M),
    ("Decathlon S.A.S.", "FR", "", "Decathlon", "FR", "", M),
    ("Luxottica S.r.l.", "IT", "", "Luxottica", "IT", "", M),
    ("Tesco PLC", "GB", "", "Tesco", "GB", "", M),
    ("Initrode L.L.C.", "US", "", "Initrode", "US", "", M),
    ("Umbrella Corp", "US", "", "Umbrella Corporation", "US", "", M),
    ("Yoyodyne, Inc.", "US", "", "Yoyodyne Inc", "US", "", M),
    ("Wayne Enterprises Co.", "US", "", "WAYNE ENTERPRISES", "US", "", M),
    # accents, case, punctuation, whitespace
    ("Telefónica S.A.", "ES", "", "TELEFONICA", "ES", "", M),
    ("L'Oréal", "FR", "", "L\u2019Oréal S.A.", "FR", "", M),
    ("McDonald's Corporation", "US", "", "McDonalds Corp", "US", "", M),
    ("Ørsted A/S", "DK", "", "Orsted", "DK", "", M),
    ("Zürich Versicherung AG", "CH", "", "Zurich Versicherung", "CH", "", M),
    ("Škoda Auto a.s.", "CZ", "", "Skoda Auto", "CZ", "", M),
    ("Coca-Cola Company", "US", "", "Coca Cola", "US", "", M),
    ("Mercedes-Benz Group AG", "DE", "", "Mercedes Benz Group", "DE", "", M),
    ("Foo   Bar   Ltd", "GB", "", "foo bar", "GB", "", M),
    ("PricewaterhouseCoopers LLP", "GB", "", "Price Waterhouse Coopers", "GB", "", M),
    ("Bayerische Motoren Werke AG", "DE", "", "Bayerische Motorenwerke", "DE", "", M),
    # &, and, +; a leading "The"
    ("Johnson & Johnson", "US", "", "Johnson and Johnson", "US", "", M),
    ("AT&T Inc.", "US", "", "AT and T", "US", "", M),
    ("Procter & Gamble Co.", "US", "", "Procter + Gamble", "US", "", M),
    ("The Home Depot", "US", "", "Home Depot Inc", "US", "", M),
    ("The Kraft Heinz Company", "US", "", "Kraft Heinz", "US", "", M),
    # abbreviations
    ("Acme Intl Ltd", "GB", "", "Acme International Limited", "GB", "", M),
    ("Globex Mfg Inc", "US", "", "Globex Manufacturing Incorporated", "US", "", M),
    ("Initech Svcs LLC", "US", "", "Initech Services", "US", "", M),
    ("Hooli Tech", "US", "", "Hooli Technology", "US", "", M),
    ("Vandelay Sys", "US", "", "Vandelay Systems", "US", "", M),
    ("Stark Industries, Inc.", "US", "", "Stark Inds", "US", "", M),
    ("Warner Bros.", "US", "", "Warner Brothers", "US", "", M),
    ("First Natl Bank", "US", "", "First National Bank", "US", "", M),
    ("Apex Mgmt Group", "US", "", "Apex Management Group", "US", "", M),
    ("Oakland Medical Centre", "US", "", "Oakland Medical Center", "US", "", M),
    ("Aperture Labs", "US", "", "Aperture Laboratories", "US", "", M),
    # domains: subdomains, country suffixes, e-mail addresses, schemes, ports
    ("Acme", "GB", "acme.co.uk", "", "", "https://shop.acme.co.uk/path?x=1", M),
    ("Globex", "US", "globex.com", "", "", "bob@globex.com", M),
    ("Contoso", "US", "contoso.com", "", "", "WWW.CONTOSO.COM:443", M),
    ("Fabrikam", "AU", "fabrikam.com.au", "", "", "mail.fabrikam.com.au", M),
    ("International Business Machines", "US", "ibm.com", "IBM", "US", "ibm.com", M),
    ("Tailspin", "DE", "tailspin.de", "Tailspin Toys", "", "http://tailspin.de/", M),
    ("Wingtip Toys", "JP", "wingtiptoys.co.jp", "", "", "sales@eu.wingtiptoys.co.jp", M),
    ("Northwind Traders", "US", "northwindtraders.com", "northwindtraders.com", "", "", M),
    ("Lamna Healthcare", "BR", "lamna.com.br", "", "", "ti@filial.lamna.com.br", M),
    # typos, word order, an unknown country: for a person to review
    ("Northrop Grumman", "US", "", "Northrup Grumman", "US", "", P),
    ("Accenture", "IE", "", "Acenture", "IE", "", P),
    ("Schneider Electric", "FR", "", "Schnieder Electric", "FR", "", P),
    ("Lockheed Martin", "US", "", "Lockheed Martn", "US", "", P),
    ("Vodafone Group", "GB", "", "Vodafon Group", "GB", "", P),
    ("Deutsche Telekom", "DE", "", "Telekom Deutsche", "DE", "", P),
    ("Smith Barney Partners", "US", "", "Barney Smith Partners", "US", "", P),
    ("ACME Corp.", "DE", "", "Acme Corporation", "", "", P),
    ("Heineken N.V.", "", "", "Heineken", "NL", "", P),
]

MUST_NOT = [
    # different companies with similar names
    ("Delta Air Lines", "US", "", "Delta Dental", "US", "", N),
    ("American Airlines", "US", "", "American Express", "US", "", N),
    ("General Electric", "US", "", "General Motors", "US", "", N),
    ("United Airlines", "US", "", "United Health Group", "US", "", N),
    ("Bank of America", "US", "", "Bank of Montreal", "CA", "", N),
    ("Southwest Airlines", "US", "", "Southwest Gas", "US", "", N),
    ("Apple Inc.", "US", "", "Apple Hospitality REIT", "US", "", N),
    ("Amazon", "US", "", "Amazonas Energia", "BR", "", N),
    ("Mercury Insurance", "US", "", "Mercury Systems", "US", "", N),
    ("Discovery Communications", "US", "", "Discovery Health", "US", "", N),
    ("Pioneer Electronics", "JP", "", "Pioneer Natural Resources", "JP", "", N),
    ("Phoenix Contact", "DE", "", "Phoenix Pharma", "DE", "", N),
    ("National Grid", "GB", "", "National Instruments", "GB", "", N),
    ("Sun Microsystems", "US", "", "Sun Pharma", "US", "", N),
    ("Liberty Mutual", "US", "", "Liberty Global", "US", "", N),
    ("Allied Telesis", "US", "", "Allied Universal", "US", "", N),
    ("Standard Chartered", "GB", "", "Standard Life", "GB", "", N),
    ("Capital One", "US", "", "Capital Group", "US", "", N),
    ("Target Corporation", "US", "", "Target Logistics", "US", "", N),
    ("Fidelity Investments", "US", "", "Fidelity National Financial", "US", "", N),
    ("Dominion Energy", "US", "", "Dominion Diamond", "CA", "", N),
    ("Summit Health", "US", "", "Summit Materials", "US", "", N),
    ("Atlas Copco", "SE", "", "Atlas Air", "SE", "", N),
    ("Orion Health", "NZ", "", "Orion Engineered Carbons", "NZ", "", N),
    ("Eagle Bank", "US", "", "Eagle Materials", "US", "", N),
    ("Legacy Health", "US", "", "Legacy Housing", "US", "", N),
    ("Meta Platforms", "US", "", "Meta Financial", "US", "", N),
    ("Nova Chemicals", "CA", "", "Nova Scotia Power", "CA", "", N),
    ("Crown Holdings", "US", "", "Crown Castle", "US", "", N),
    ("Valero Energy", "US", "", "Valeo", "US", "", N),
    ("Intel", "US", "", "Intelsat", "US", "", N),
    ("Canon", "JP", "", "Canonical", "JP", "", N),
    ("Danaher", "US", "", "Danone", "US", "", N),
    ("Ecolab", "US", "", "Ecopetrol", "US", "", N),
    ("Emerson Electric", "US", "", "Emerson Radio", "US", "", N),
    ("Textron", "US", "", "Tektronix", "US", "", N),
    ("Paccar", "US", "", "Paychex", "US", "", N),
    ("Avnet", "US", "", "Avaya", "US", "", N),
    ("Kroger", "US", "", "Kruger", "CA", "", N),
    ("Ally Financial", "US", "", "Allianz", "DE", "", N),
    ("Sony", "JP", "", "Sonos", "US", "", N),
    ("Alcoa", "US", "", "Alcon", "CH", "", N),
    ("Humana", "US", "", "Humanis", "FR", "", N),
    ("Oracle", "US", "", "Oracle Hotels", "US", "", N),
    ("Shell", "GB", "", "Shell Shockers", "GB", "", N),
    ("Ford Motor", "US", "", "Ford Foundation", "US", "", N),
    # the same name in another country is another company
    ("Acme Corp", "DE", "", "Acme Corp", "FR", "", N),
    ("Globex Holdings", "US", "", "Globex Holdings", "GB", "", N),
    ("Initech", "CA", "", "Initech", "AU", "", N),
    ("Northrop Grumman", "US", "", "Northrup Grumman", "DE", "", N),
    # the same core with another generic word: at most a possible
    ("Acme Solutions", "US", "", "Acme Systems", "US", "", NM),
    ("Acme Group", "US", "", "Acme Software", "US", "", NM),
    ("Vertex Consulting", "US", "", "Vertex Networks", "US", "", NM),
    ("Zenith Global", "US", "", "Zenith Digital", "US", "", NM),
    ("Pinnacle Services", "GB", "", "Pinnacle Partners", "GB", "", NM),
    # a conflicting domain outweighs the name
    ("Acme Corp", "US", "acme.com", "Acme Corporation", "US", "acme-tools.com", N),
    ("Globex", "GB", "globex.co.uk", "Globex", "GB", "globex.com", N),
    ("Contoso", "US", "contoso.com", "Contoso Ltd", "US", "contoso.net", N),
    # different registrable domains: sibling subdomains of a shared host, a suffix alone
    ("Alice Bakery", "US", "alice.github.io", "", "", "bob.github.io", N),
    ("Sparrow Ltd", "GB", "sparrow.co.uk", "", "", "sparrow.com", N),
    ("Fjord AS", "NO", "fjord.no", "", "", "https://www.fjord.com.au/", N),
    # free e-mail domains are never evidence
    ("Smith Consulting", "US", "", "Jones Consulting", "US", "smith@gmail.com", N),
    ("Greta's Bakery", "DE", "", "Peter Maler", "DE", "peter@web.de", N),
    ("Cobalt Ltd", "GB", "", "Quartz Ltd", "GB", "someone@outlook.com", N),
]

ROWS = MUST_MATCH + MUST_NOT


def row_id(row: tuple) -> str:
    a, _, da, b, _, db, expected = row
    return f"{a or da} ~ {b or db} -> {expected}"
