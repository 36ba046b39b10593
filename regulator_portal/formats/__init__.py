"""How dates read everywhere the locale decides: "3 Dec 2026, 14:05" and "3 Dec 2026".

Django 5 always localises, so the locale's formats win over the DATE_FORMAT settings; these modules
(FORMAT_MODULE_PATH) are therefore where the format is set. Anything not set here (input formats,
the first day of the week) still comes from Django's own locale.
"""
