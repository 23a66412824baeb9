"""The portal's one date style (issue 11, point 20): ``{{ day }}``, ``{{ day|date }}`` and
``{{ moment|date:"DATETIME_FORMAT" }}`` all read "5 Mar 2026" / "5 Mar 2026 14:05" on every
page, e-mails included (settings.FORMAT_MODULE_PATH points here)."""

DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y H:i"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y H:i"
TIME_FORMAT = "H:i"
MONTH_DAY_FORMAT = "j M"
YEAR_MONTH_FORMAT = "M Y"
