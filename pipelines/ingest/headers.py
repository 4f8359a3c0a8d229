"""Match a file's header cells to canonical column names.

A header matches a column by its canonical name, a declared Chinese alias, or
a name from the user's own header map (config `[headers]`), ignoring case,
spaces, underscores and full-width/half-width differences: `Site ID`,
`site_id` and `ＳＩＴＥ＿ＩＤ` are one header; so are `项目编号` and ` 项目 编号 `.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

from schemas.declarations import Dataset

NAME, ALIAS, USER = "name", "alias", "config"  # how a header matched: canonical name, our alias, [headers]
_IGNORED = re.compile(r"[\s_\-*:：]+")


def normalise_header(text: object) -> str:
    folded = unicodedata.normalize("NFKC", str(text)).casefold()
    return _IGNORED.sub("", folded)


class HeaderMatcher:
    """One lookup table per dataset: normalised header -> canonical column."""

    def __init__(
        self,
        datasets: Mapping[str, Dataset],
        user_map: Mapping[str, Mapping[str, str]] | None = None,
    ):
        user_map = user_map or {}
        self._tables: dict[str, dict[str, tuple[str, str]]] = {}  # header -> (column, how)
        for name, ds in datasets.items():
            table: dict[str, tuple[str, str]] = {}
            for col in ds.columns.values():
                for spelling in col.aliases:
                    table[normalise_header(spelling)] = (col.name, ALIAS)
                table[normalise_header(col.name)] = (col.name, NAME)
            # the user's words win over ours: "*" applies to every dataset
            for scope in ("*", name):
                for header, column in (user_map.get(scope) or {}).items():
                    if column in ds.columns:
                        table[normalise_header(header)] = (column, USER)
            self._tables[name] = table

    def match(self, dataset: str, header: object) -> str:
        """The canonical column for this header, or "" when it names none."""
        return self.explain(dataset, header)[0]

    def explain(self, dataset: str, header: object) -> tuple[str, str]:
        """(column, how it matched: NAME, ALIAS or USER), or ("", "") when it names none."""
        if header is None:
            return "", ""
        return self._tables[dataset].get(normalise_header(header), ("", ""))
