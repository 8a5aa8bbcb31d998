"""Practices in and out of files: export as CSV, JSON or Markdown; import CSV or JSON, every accepted row or none.

CSV and JSON carry every field a practice has, so that an export imported into another (even empty)
database and exported again gives the same file. The CSV file has one header line, then one practice per
row; a JSON file is a list with one object per practice, with the same keys:

    uid,title,city,country,themes,summary,description,results,contact,links,language,status,reject_reason,
    author,author_name,created_at,updated_at,reviews,translations

- `uid`: the practice's identifier, the same in every database (a UUID). A row without one (a file made by
  hand) gets a UUID derived from its content, so the same file imported twice adds nothing the second time;
- `city`, `country`: the city's name as the bot knows it (case and accents do not matter) and its ISO 3166
  two-letter code; a city the database does not have is added when the country is given;
- `themes`: theme slugs (`anti-rumours`, `public-space`…), separated by `;` in CSV, a list in JSON;
- `links`: http(s) URLs, separated by line breaks (or spaces) in CSV, a list in JSON;
- `language`: a language code (`en`, `fr`, `uk`…);
- `status`: `submitted`, `approved`, `published` or `rejected`; empty means `published` (an import is
  the ICC team's own list); `reject_reason`: why the ICC team rejected it;
- `author`, `author_name`: who shared it, as `platform:workspace:user` (`slack:T0123:U0456`) and the name
  shown for them; a person the database does not have is added (as a member);
- `created_at`, `updated_at`: ISO 8601 times in UTC;
- `reviews`: the ICC team's decisions, oldest first: a JSON list of `{"action", "reason", "reviewer",
  "reviewer_name", "at"}` (JSON text in its CSV cell, empty when there is none);
- `translations`: the title and summary in other languages: a JSON object
  `{"<language>": {"title", "summary", "machine", "created_at"}}` (JSON text in its CSV cell).

A file made by hand needs only `title,city,themes,summary,description,language`, in any order; the other
columns may be left out. CSV rows are numbered as in a spreadsheet (the header is row 1, the first practice
row 2); JSON entries from 1.

Spreadsheets run a cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return as a formula
(OWASP "CSV injection"), so the CSV export puts an apostrophe before such a cell, as OWASP advises:
`=HYPERLINK(…)` is written `'=HYPERLINK(…)`, which a spreadsheet shows as text. To tell that apostrophe
from one that is part of the text, a cell whose leading apostrophes are followed by one of those
characters gets one apostrophe more (`'=x` is written `''=x`). So the import removes exactly one
apostrophe, and only from a cell of that shape: every exported value comes back as it was, and a leading
apostrophe before anything else is text. (A spreadsheet saving a cell typed `'=x` writes `=x`: an
apostrophe before a formula character in a CSV file is a guard, whoever put it there.)
"""

from bot.practices_io.export import Format, export_practices
from bot.practices_io.importing import AlreadyThere, ImportRefused, ImportReport, RejectedRow, import_practices
from bot.practices_io.records import (
    CSV_COLUMNS,
    CSV_HEADER,
    FORMULA_STARTS,
    REQUIRED_COLUMNS,
    guard_cell,
    unguard_cell,
)

__all__ = [
    "CSV_COLUMNS",
    "CSV_HEADER",
    "FORMULA_STARTS",
    "REQUIRED_COLUMNS",
    "AlreadyThere",
    "Format",
    "ImportRefused",
    "ImportReport",
    "RejectedRow",
    "export_practices",
    "guard_cell",
    "import_practices",
    "unguard_cell",
]
