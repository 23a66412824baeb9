"""How long a free text may be, in characters: one place for the models (and so the model
forms and serializers), the API's input serializers and the portal's forms."""

from prm.errors import Invalid

NOTE = 2_000  # a reason, a comment, a contact note
DESCRIPTION = 5_000  # a profile or workflow description, an applicant's message
DOCUMENT = 200_000  # the text of an agreement version
PASSWORD = 1_024  # no megabyte passwords through the password hasher


def check_length(field: str, text: str, limit: int) -> str:
    """``text``, or ``prm.errors.Invalid`` on ``field`` when it is longer than ``limit``:
    for services whose text arrives from more than one door (API, page, workflow)."""
    if len(text) > limit:
        raise Invalid({field: [f"Keep this under {limit:,} characters (it has {len(text):,})."]})
    return text
