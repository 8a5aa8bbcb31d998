"""The DeepL fake's translation and language-list endpoints."""

from __future__ import annotations

from typing import Any

from .text import _glossary_replacer, _translate_markup, _translate_plain, _truthy
from .wire import (
    _FORMALITIES,
    _LEGACY_TARGETS,
    _MODEL_TYPES,
    _SPLIT_SENTENCES,
    FakeGlossary,
    Request,
    TranslateCall,
    _ApiError,
    _base,
    _Response,
)


class TranslateMixin:
    """``/v2/translate`` and ``/v2/languages``."""

    def _translate(self, req: Request) -> _Response | None:
        if len(req.body) > self.max_request_bytes:
            raise _ApiError(413, "Request Entity Too Large")
        if self.latency > 0 and not self._sleep(self.latency):
            return None
        p = req.params
        if isinstance(req.json, dict) and "text" in req.json and not isinstance(req.json["text"], list):
            raise _ApiError(400, "Value for 'text' not supported: expected an array of strings.")
        texts = p.get("text", [])
        if not texts:
            raise _ApiError(400, "Parameter 'text' not specified.")
        if len(texts) > self.max_texts:
            raise _ApiError(400, f"Too many texts: at most {self.max_texts} texts per request.")

        target = (self._one(p, "target_lang", required=True) or "").upper()
        if target not in _LEGACY_TARGETS and target not in {
            lang["language"] for lang in self.target_languages
        }:
            raise _ApiError(400, "Value for 'target_lang' not supported.")
        source = self._one(p, "source_lang")
        source = source.upper() if source else None
        if source is not None and source not in {lang["language"] for lang in self.source_languages}:
            raise _ApiError(400, "Value for 'source_lang' not supported.")

        formality = self._one(p, "formality")
        if formality is not None:
            formality = formality.lower()
            if formality not in _FORMALITIES:
                raise _ApiError(400, "Value for 'formality' not supported.")
            supports = next(
                (
                    lang.get("supports_formality")
                    for lang in self.target_languages
                    if lang["language"] == target
                ),
                False,
            )
            if formality in {"more", "less"} and not supports:
                raise _ApiError(400, "'formality' is not supported for given 'target_lang'.")

        tag_handling = self._one(p, "tag_handling")
        if tag_handling is not None and tag_handling not in {"xml", "html"}:
            raise _ApiError(400, "Value for 'tag_handling' not supported.")
        split_sentences = self._one(p, "split_sentences")
        if split_sentences is not None and split_sentences not in _SPLIT_SENTENCES:
            raise _ApiError(400, "Value for 'split_sentences' not supported.")
        model_type = self._one(p, "model_type")
        if model_type is not None and model_type not in _MODEL_TYPES:
            raise _ApiError(400, "Value for 'model_type' not supported.")
        context = self._one(p, "context")
        glossary_id = self._one(p, "glossary_id")
        glossary_ids = self._tags(p, "glossary_ids")
        ignore_tags = self._tags(p, "ignore_tags")

        ids = ([glossary_id] if glossary_id else []) + glossary_ids
        if ids and source is None:
            raise _ApiError(400, "Parameter 'source_lang' is required when using a glossary.")
        replacers = []
        with self.lock:
            for gid in ids:
                glossary = self.glossaries.get(gid)
                if glossary is None:
                    raise _ApiError(400, f"Invalid glossary id: {gid}")
                entries = glossary.dictionaries.get((_base(source or ""), _base(target)))
                if entries is None:
                    raise _ApiError(400, "Glossary language pair does not match source_lang/target_lang.")
                replacers.append(_glossary_replacer(dict(entries), escape=tag_handling is not None))

        billed = [len(t) for t in texts]
        total = sum(billed)
        with self.lock:
            if self.character_count + total > self.character_limit:
                raise _ApiError(456, "Quota exceeded")
            self.character_count += total
            self.billed_characters += total
            self.billed_characters_by_target[target] = self.billed_characters_by_target.get(target, 0) + total

        prefix = f"[{target}] "
        detected = [source or self.detect(t) for t in texts]
        if tag_handling is not None:
            ignore = {t.lower() for t in ignore_tags} if tag_handling == "html" else set(ignore_tags)
            results = [_translate_markup(t, prefix, replacers, ignore, tag_handling == "html") for t in texts]
        else:
            results = [_translate_plain(t, prefix, replacers) for t in texts]

        show_billed = bool(_truthy(self._one(p, "show_billed_characters")))
        translations = []
        for text, det, n in zip(results, detected, billed, strict=True):
            item: dict[str, Any] = {"detected_source_language": det, "text": text}
            if show_billed:
                item["billed_characters"] = n
            if model_type is not None:
                item["model_type_used"] = _MODEL_TYPES[model_type]
            translations.append(item)

        call = TranslateCall(
            target=target,
            source=source,
            texts=list(texts),
            context=context,
            glossary_id=glossary_id,
            formality=formality,
            tag_handling=tag_handling,
            ignore_tags=ignore_tags,
            glossary_ids=glossary_ids,
            non_splitting_tags=self._tags(p, "non_splitting_tags"),
            splitting_tags=self._tags(p, "splitting_tags"),
            split_sentences=split_sentences,
            preserve_formatting=_truthy(self._one(p, "preserve_formatting")),
            model_type=model_type,
            outline_detection=_truthy(self._one(p, "outline_detection")),
            show_billed_characters=show_billed,
            detected=detected,
            results=results,
            billed_characters=total,
        )
        with self.lock:
            self.translate_calls.append(call)
        return _Response.json(200, {"translations": translations})

    def _languages(self, req: Request) -> _Response:
        kind = (self._one(req.params, "type") or "source").lower()
        if kind == "source":
            return _Response.json(200, self.source_languages)
        if kind == "target":
            return _Response.json(200, self.target_languages)
        raise _ApiError(400, "Value for 'type' not supported.")

    # -- glossaries --------------------------------------------------------------------------------

    def _glossary(self, gid: str) -> FakeGlossary:
        glossary = self.glossaries.get(gid)
        if glossary is None:
            raise _ApiError(404, "Glossary not found")
        return glossary

