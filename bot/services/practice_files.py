"""Messages about practice files (export and import, `bot.practices_io`), kept with the practices' catalogue."""

from __future__ import annotations

from bot.i18n import N_


class FileMessage:
    """Why a practice file, or one of its rows, is refused; each in the person's language."""

    not_utf8 = N_("The file is not UTF-8 text (stopped at byte {position}). Save it as “CSV UTF-8” and try again.")
    header = N_(
        "The file's first line names its columns. It must have {required}, may have {optional}, and nothing "
        "else, each once. It is:\n{found}"
    )
    empty = N_("The file is empty: its first line must be this header:\n{expected}")
    malformed = N_("The file is not valid CSV near row {row}: {problem}")
    not_json = N_("The file is not valid JSON near line {line}: {problem}")
    not_a_list = N_("A JSON file of practices must be a list of objects, as the export writes it.")
    columns = N_("This row has {found} values instead of {expected}.")
    not_an_object = N_("This entry is not a practice: it must be an object with a title, a city, themes…")
    unknown_field = N_("“{column}” is not a field of a practice.")
    not_text = N_("“{column}” must be text.")
    too_long = N_("{column} is too long: {length} characters, at most {limit}.")
    duplicate_in_file = N_("Duplicate of row {row}: the same practice (same identifier, or the same content).")
    no_city = N_("There is no ICC city called “{value}”.")
    no_city_country = N_("There is no ICC city called “{value}”, and no country to add it with.")
    country = N_("“{value}” is not a country code: use two letters, like PT or UA.")
    status = N_("“{value}” is not a status. Use one of: {choices}.")
    uid = N_("“{value}” is not a practice identifier (a UUID, like 1b4e28ba-2fa1-41d2-883f-0016d3cca427).")
    timestamp = N_("“{value}” in {column} is not a date and time (ISO 8601, like 2024-05-01T10:00:00+00:00).")
    person = N_("“{value}” in {column} is not a person: write platform:workspace:user, like slack:T0123:U0456.")
    reviews = N_("The reviews must be a JSON list of objects with action, reason, reviewer, reviewer_name and at.")
    review_action = N_("“{value}” is not a review decision: use approve, publish or reject.")
    translations = N_("The translations must be a JSON object giving, for each language, a title and a summary.")
    translation_language = N_("A translation into {language}, the practice's own language, cannot be added.")
