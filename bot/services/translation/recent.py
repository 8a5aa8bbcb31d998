"""A bounded memory of the newest entries: what translation remembers for a while without growing forever."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any


class Recent(OrderedDict[Any, Any]):
    """A dictionary of at most `size` entries that forgets the oldest ones first."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def put(self, key: Any, value: Any) -> None:
        self[key] = value
        self.move_to_end(key)
        while len(self) > self.size:
            self.popitem(last=False)
