"""The DeepL fake's glossaries, in DeepL's v2 and v3 shapes."""

from __future__ import annotations

import uuid
from typing import Any

from .text import _parse_entries
from .wire import _GLOSSARY_LANGUAGES, FakeGlossary, Request, _ApiError, _base, _Response


class GlossariesMixin:
    """``/v2/glossaries`` and ``/v3/glossaries``."""

    @staticmethod
    def _pair(source: str | None, target: str | None) -> tuple[str, str]:
        if not source or not target:
            raise _ApiError(400, "Parameters 'source_lang' and 'target_lang' are required.")
        pair = (_base(source), _base(target))
        if pair[0] not in _GLOSSARY_LANGUAGES or pair[1] not in _GLOSSARY_LANGUAGES or pair[0] == pair[1]:
            raise _ApiError(400, "Unsupported glossary source and target language pair.")
        return pair

    @staticmethod
    def _glossary_v2_methods(parts: list[str]) -> set[str]:
        if len(parts) == 2:
            return {"GET", "POST"}
        if len(parts) == 3:
            return {"GET", "DELETE"}
        return {"GET"} if parts[3] == "entries" else set()

    @staticmethod
    def _glossary_v3_methods(parts: list[str]) -> set[str]:
        if len(parts) == 2:
            return {"GET", "POST"}
        if len(parts) == 3:
            return {"GET", "PATCH", "DELETE"}
        return {"entries": {"GET"}, "dictionaries": {"PUT", "DELETE"}}.get(parts[3], set())

    def _dictionary_from(self, data: dict[str, Any]) -> tuple[tuple[str, str], dict[str, str]]:
        pair = self._pair(data.get("source_lang"), data.get("target_lang"))
        entries = data.get("entries")
        if not isinstance(entries, str) or not entries.strip():
            raise _ApiError(400, "Parameter 'entries' not specified.")
        return pair, _parse_entries(entries, str(data.get("entries_format") or "tsv").lower())

    def _glossaries_v2(self, method: str, parts: list[str], req: Request) -> _Response:
        with self.lock:
            if len(parts) == 2 and method == "GET":
                listed = [g.v2_json() for g in self.glossaries.values() if len(g.dictionaries) == 1]
                return _Response.json(200, {"glossaries": listed})
            if len(parts) == 2:  # POST: create
                data = {
                    k: self._one(req.params, k) for k in ("name", "source_lang", "target_lang", "entries")
                }
                data["entries_format"] = self._one(req.params, "entries_format")
                name = data["name"]
                if not name:
                    raise _ApiError(400, "Parameter 'name' not specified.")
                pair, entries = self._dictionary_from(data)
                glossary = FakeGlossary(str(uuid.uuid4()), name, self._now(), {pair: entries})
                self.glossaries[glossary.glossary_id] = glossary
                return _Response.json(201, glossary.v2_json())
            glossary = self._glossary(parts[2])
            if method == "DELETE":
                del self.glossaries[glossary.glossary_id]
                return _Response(204)
            if len(glossary.dictionaries) != 1:
                raise _ApiError(400, "Multilingual glossaries are only available through /v3/glossaries.")
            if len(parts) == 3:
                return _Response.json(200, glossary.v2_json())
            accept = req.headers.get("Accept", "*/*")
            if "text/tab-separated-values" not in accept and "*/*" not in accept:
                raise _ApiError(415, "Unsupported Media Type")
            entries = next(iter(glossary.dictionaries.values()))
            tsv = "\n".join(f"{s}\t{t}" for s, t in entries.items())
            return _Response(200, tsv.encode("utf-8"), "text/tab-separated-values; charset=utf-8")

    def _glossaries_v3(self, method: str, parts: list[str], req: Request) -> _Response:
        data = req.json if isinstance(req.json, dict) else {}
        with self.lock:
            if len(parts) == 2 and method == "GET":
                return _Response.json(200, {"glossaries": [g.v3_json() for g in self.glossaries.values()]})
            if len(parts) == 2:  # POST: create
                name = data.get("name")
                dicts = data.get("dictionaries")
                if not name:
                    raise _ApiError(400, "Parameter 'name' not specified.")
                if not isinstance(dicts, list) or not dicts:
                    raise _ApiError(400, "Parameter 'dictionaries' not specified.")
                glossary = FakeGlossary(str(uuid.uuid4()), str(name), self._now())
                for d in dicts:
                    pair, entries = self._dictionary_from(d if isinstance(d, dict) else {})
                    glossary.dictionaries[pair] = entries
                self.glossaries[glossary.glossary_id] = glossary
                return _Response.json(201, glossary.v3_json())
            glossary = self._glossary(parts[2])
            if len(parts) == 3:
                if method == "GET":
                    return _Response.json(200, glossary.v3_json())
                if method == "DELETE":
                    del self.glossaries[glossary.glossary_id]
                    return _Response(204)
                # PATCH: rename and/or merge dictionaries
                if "name" in data:
                    if not data["name"]:
                        raise _ApiError(400, "Parameter 'name' must not be empty.")
                    glossary.name = str(data["name"])
                for d in data.get("dictionaries") or []:
                    pair, entries = self._dictionary_from(d if isinstance(d, dict) else {})
                    glossary.dictionaries.setdefault(pair, {}).update(entries)
                return _Response.json(200, glossary.v3_json())
            if parts[3] == "dictionaries" and method == "PUT":
                pair, entries = self._dictionary_from(data or {k: v[0] for k, v in req.params.items() if v})
                glossary.dictionaries[pair] = entries
                info = {
                    "source_lang": pair[0].lower(),
                    "target_lang": pair[1].lower(),
                    "entry_count": len(entries),
                }
                return _Response.json(201, info)
            pair = self._pair(self._one(req.params, "source_lang"), self._one(req.params, "target_lang"))
            if pair not in glossary.dictionaries:
                raise _ApiError(404, "Glossary dictionary not found")
            if parts[3] == "dictionaries":  # DELETE
                del glossary.dictionaries[pair]
                return _Response(204)
            entries = glossary.dictionaries[pair]
            payload = {
                "dictionaries": [
                    {
                        "source_lang": pair[0].lower(),
                        "target_lang": pair[1].lower(),
                        "entries": "\n".join(f"{s}\t{t}" for s, t in entries.items()),
                        "entries_format": "tsv",
                    }
                ]
            }
            return _Response.json(200, payload)


