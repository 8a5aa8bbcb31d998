"""DeepL: the `Translator` port on the official `deepl` library, and `python -m bot deepl …` commands."""
