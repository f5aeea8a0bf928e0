"""Fonts for the pictures of the Word report: which installed font draws a name.

Pillow's bundled font has printable ASCII only: a team named in Thai, Khmer, Lao,
Myanmar, Chinese, Japanese, Korean or Vietnamese would come out as boxes.
:class:`Lettering` draws each text with the first font, in order of preference, whose
character map has every character of it (:func:`choose`): the bundled font, then the
installed fonts, Noto and DejaVu sans first, then the systems' own interface fonts
(Segoe UI, Leelawadee UI, Microsoft YaHei, ... on Windows; Thonburi, PingFang, ... on
macOS), other sans-serif fonts, the rest; regular before bold or italic; for Han
characters, the Japanese face of a font where the text has kana, the Korean one where it
has Hangul, else the Simplified Chinese one. When no one font has every character, the
text is drawn in runs, each in the first font that has it. A text that no installed font
can draw is drawn as before, in the bundled font, and listed in
:attr:`Lettering.missing`, so that the report can say so.

The installed fonts and their character maps come from fontconfig (``fc-list``) where
there is one (Linux); elsewhere (Windows, macOS) from the usual font folders, read with
fontTools when it is installed. A font file that cannot be read is one that has nothing.
"""

from __future__ import annotations

import functools
import importlib
import os
import shutil
import subprocess
import sys
import unicodedata
from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from PIL import ImageDraw, ImageFont

    Font = ImageFont.FreeTypeFont | ImageFont.ImageFont

#: the characters Pillow's bundled font draws: printable ASCII
BUNDLED = frozenset(range(0x20, 0x7F))
#: font files Pillow draws with FreeType (TrueType and OpenType fonts and collections)
FONT_FILES = (".ttf", ".otf", ".ttc", ".otc")
#: fontconfig's names of those formats (not bitmap or Type 1 fonts)
OUTLINE_FORMATS = ("TrueType", "CFF")
#: what fontconfig is asked for each face, one face a line
FC_FORMAT = "%{file}\\t%{index}\\t%{family[0]}\\t%{style[0]}\\t%{fontformat}\\t%{charset}\\n"
#: seconds fontconfig may take to list the fonts (it builds its cache on a first run)
FC_TIMEOUT = 30
#: faces read from one collection file, at most
MOST_FACES = 64
#: families preferred after Noto Sans and DejaVu Sans: the systems' interface fonts
SYSTEM_UI = (
    # Windows
    "segoe ui", "leelawadee ui", "khmer ui", "lao ui", "myanmar text", "microsoft yahei",
    "yu gothic", "malgun gothic", "nirmala ui",
    # macOS
    "helvetica neue", "thonburi", "khmer sangam mn", "lao sangam mn", "myanmar sangam mn",
    "pingfang sc", "hiragino sans", "apple sd gothic neo",
)
#: words of a family that mark it as not a plain sans-serif face
NOT_SANS = frozenset({"serif", "mono", "math", "emoji", "symbols", "symbol", "looped"})
#: styles that are the regular face
REGULAR = frozenset({"regular", "book", "normal", "roman"})
#: how a family names the region of its Han characters (a word, or the start of one)
REGIONS = {
    "JP": ("jp", "japanese", "yu", "meiryo", "hiragino"),
    "KR": ("kr", "korean", "malgun", "apple", "nanum"),
    "SC": ("sc", "yahei", "pingfang", "simhei", "dengxian"),
}


@dataclass(frozen=True)
class FontFace:
    """One face of an installed font file (a collection has several)."""

    path: str
    index: int
    family: str
    style: str
    #: fontconfig's character set ("20-7e a0-17f ..."), when fontconfig listed the face
    charset: str | None = None


class Charmap:
    """The characters a face has, as sorted ranges of code points."""

    def __init__(self, ranges: Iterable[tuple[int, int]]) -> None:
        starts: list[int] = []
        ends: list[int] = []
        for lo, hi in sorted(ranges):
            if ends and lo <= ends[-1] + 1:
                ends[-1] = max(ends[-1], hi)
            else:
                starts.append(lo)
                ends.append(hi)
        self._starts, self._ends = starts, ends

    @classmethod
    def of_codepoints(cls, codepoints: Iterable[int]) -> Charmap:
        """The character map of a font's ``cmap`` (its code points)."""
        return cls((c, c) for c in codepoints)

    @classmethod
    def of_fontconfig(cls, charset: str) -> Charmap:
        """The character map of fontconfig's ``%{charset}`` ("20-7e a0-17f 192 ...")."""
        ranges = []
        for word in charset.split():
            lo, _, hi = word.partition("-")
            try:
                ranges.append((int(lo, 16), int(hi or lo, 16)))
            except ValueError:
                continue
        return cls(ranges)

    def __contains__(self, codepoint: object) -> bool:
        if not isinstance(codepoint, int):
            return False
        at = bisect_right(self._starts, codepoint) - 1
        return at >= 0 and codepoint <= self._ends[at]


def _ignorable(ch: str) -> bool:
    """A character no font needs to have: a format character (zero-width joiners and
    the like) or a variation selector; text layout draws nothing for it."""
    code = ord(ch)
    return (unicodedata.category(ch) == "Cf" or 0xFE00 <= code <= 0xFE0F
            or 0xE0100 <= code <= 0xE01EF)


def clusters(text: str) -> list[str]:
    """``text`` cut into the pieces that stay together: a character with the marks that
    follow it, and the letter after a virama (Khmer coeng, Myanmar virama) or a joiner."""
    out: list[str] = []
    for ch in text:
        joined = out and (unicodedata.category(ch).startswith("M") or _ignorable(ch)
                          or unicodedata.combining(out[-1][-1]) == 9
                          or out[-1][-1] == "\u200d")
        if joined:
            out[-1] += ch
        else:
            out.append(ch)
    return out


def _region(text: str) -> str | None:
    """The region whose Han characters suit ``text``: Japanese where it has kana, Korean
    where it has Hangul, Simplified Chinese where it has Han characters only."""
    han = False
    for ch in text:
        code = ord(ch)
        if 0x3040 <= code <= 0x30FF or 0x31F0 <= code <= 0x31FF or 0xFF66 <= code <= 0xFF9F:
            return "JP"
        if 0x1100 <= code <= 0x11FF or 0x3130 <= code <= 0x318F or 0xAC00 <= code <= 0xD7AF:
            return "KR"
        han = han or 0x3400 <= code <= 0x9FFF or 0x20000 <= code <= 0x3FFFF
    return "SC" if han else None


def preference(face: FontFace, region: str | None = None) -> tuple[int, int, int, int, str, str, int]:
    """Where ``face`` comes in the order of fonts tried (lower first): Noto Sans, DejaVu
    Sans, the systems' interface fonts, other sans-serif fonts, the rest; the face of the
    text's region (:func:`_region`) first; regular before other styles; the general face
    of a family before one for a script ("Noto Sans" before "Noto Sans Thai")."""
    family = face.family.casefold()
    words = family.replace("-", " ").split()
    if family.startswith("noto sans") and "mono" not in words:
        tier = 0
    elif family.startswith("dejavu sans") and "mono" not in words:
        tier = 1
    elif family.startswith(SYSTEM_UI):
        tier = 2
    else:
        tier = 4 if NOT_SANS.intersection(words) else 3
    marks = REGIONS.get(region or "", ())
    local = any(w == m if len(m) <= 2 else w.startswith(m) for w in words for m in marks)
    regular = face.style.casefold() in REGULAR
    return (tier, 0 if local or not marks else 1, 0 if regular else 1, len(family),
            family, face.path, face.index)


def _fonttools() -> Any | None:
    """fontTools' ``ttLib`` when fontTools is installed."""
    try:
        return importlib.import_module("fontTools.ttLib")
    except ImportError:
        return None


@functools.cache
def charmap(face: FontFace) -> Charmap | None:
    """The characters ``face`` has: fontconfig's list, or the font's ``cmap`` read with
    fontTools; None when neither can be had."""
    if face.charset is not None:
        return Charmap.of_fontconfig(face.charset)
    ttlib = _fonttools()
    if ttlib is None:
        return None
    try:
        with ttlib.TTFont(face.path, fontNumber=face.index & 0xFFFF, lazy=True) as font:
            cmap = font.getBestCmap()
    except Exception:  # a font file that cannot be read has nothing
        return None
    return Charmap.of_codepoints(cmap) if cmap else None


def _needs(face: FontFace | None, cluster: str,
           charmap_of: Callable[[FontFace], Charmap | None]) -> bool:
    """Whether ``face`` (None: the bundled font) has every character of ``cluster``."""
    wanted = [ord(ch) for ch in cluster if not _ignorable(ch)]
    if face is None:
        return all(c in BUNDLED for c in wanted)
    chars = charmap_of(face)
    return chars is not None and all(c in chars for c in wanted)


def choose(text: str, faces: Sequence[FontFace],
           charmap_of: Callable[[FontFace], Charmap | None] = charmap,
           ) -> list[tuple[str, FontFace | None]] | None:
    """The runs of ``text`` and the face that draws each (None: the bundled font).

    The whole text in the first font (in order of :func:`preference`) that has all of
    it; else runs, each in the first font that has its first character, for as long as
    that font has the characters that follow. None when no font has some character."""
    pieces = clusters(text)
    if _needs(None, text, charmap_of):
        return [(text, None)]
    region = _region(text)
    order: list[FontFace | None] = [None, *sorted(faces, key=lambda f: preference(f, region))]
    for face in order[1:]:
        if all(_needs(face, c, charmap_of) for c in pieces):
            return [(text, face)]
    runs: list[tuple[str, FontFace | None]] = []
    for piece in pieces:
        if runs and _needs(runs[-1][1], piece, charmap_of):
            runs[-1] = (runs[-1][0] + piece, runs[-1][1])
            continue
        for face in order:
            if _needs(face, piece, charmap_of):
                runs.append((piece, face))
                break
        else:
            return None
    return runs


def parse_fc_list(listing: str) -> list[FontFace]:
    """The faces in ``fc-list --format FC_FORMAT``'s output that Pillow can draw with."""
    faces = []
    for line in listing.splitlines():
        fields = line.split("\t")
        if len(fields) != 6:
            continue
        path, index, family, style, kind, charset = fields
        if kind in OUTLINE_FORMATS and index.isdigit() and path.casefold().endswith(FONT_FILES):
            faces.append(FontFace(path, int(index), family, style, charset))
    return faces


def _fontconfig_faces() -> list[FontFace] | None:
    """The installed fonts as fontconfig lists them; None without fontconfig."""
    program = shutil.which("fc-list")
    if program is None:
        return None
    try:
        done = subprocess.run([program, "--format", FC_FORMAT], capture_output=True,
                              timeout=FC_TIMEOUT, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0:
        return None
    return parse_fc_list(done.stdout.decode("utf-8", "replace"))


def font_folders() -> list[Path]:
    """The usual folders of installed fonts on this kind of system."""
    try:
        home: Path | None = Path.home()
    except RuntimeError:
        home = None
    mine: list[Path] = []
    if sys.platform == "win32":
        local = os.environ.get("LOCALAPPDATA")
        return [Path(os.environ.get("WINDIR", "C:\\Windows")) / "Fonts",
                *([Path(local) / "Microsoft" / "Windows" / "Fonts"] if local else [])]
    if sys.platform == "darwin":
        if home is not None:
            mine = [home / "Library" / "Fonts"]
        return [Path("/System/Library/Fonts"), Path("/Library/Fonts"), *mine]
    if home is not None:
        mine = [home / ".local" / "share" / "fonts", home / ".fonts"]
    return [Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), *mine]


def _face_count(path: Path) -> int:
    """How many faces a font file holds (a collection starts with ``ttcf``)."""
    try:
        with path.open("rb") as f:
            head = f.read(12)
    except OSError:
        return 0
    if head[:4] == b"ttcf" and len(head) == 12:
        return min(MOST_FACES, int.from_bytes(head[8:12], "big"))
    return 1


def folder_faces(folders: Iterable[Path]) -> list[FontFace]:
    """The faces of the font files in ``folders`` and their subfolders, named as their
    ``name`` tables say (read with fontTools; none without it)."""
    ttlib = _fonttools()
    if ttlib is None:
        return []
    faces = []
    for folder in folders:
        try:
            files = sorted(p for p in folder.rglob("*") if p.suffix.casefold() in FONT_FILES)
        except OSError:
            continue
        for path in files:
            for index in range(_face_count(path)):
                try:
                    with ttlib.TTFont(str(path), fontNumber=index, lazy=True) as font:
                        names = font["name"]
                        family = names.getBestFamilyName() or path.stem
                        style = names.getBestSubFamilyName() or ""
                except Exception:  # a font file that cannot be read is left out
                    continue
                faces.append(FontFace(str(path), index, str(family), str(style)))
    return faces


@functools.cache
def installed_faces() -> tuple[FontFace, ...]:
    """The installed fonts: fontconfig's list where there is one, else the fonts of the
    usual folders (:func:`font_folders`)."""
    faces = _fontconfig_faces()
    if faces is None:
        faces = folder_faces(font_folders())
    return tuple(faces)


@functools.cache
def _truetype(path: str, index: int, size: int) -> ImageFont.FreeTypeFont:
    """The face at ``size`` pixels (never another file of that name: Pillow would look
    for one in the system's font folders when ``path`` is gone)."""
    from PIL import ImageFont

    if not Path(path).is_file():
        raise OSError(f"no font file {path}")
    return ImageFont.truetype(path, size, index=index)


class Lettering:
    """Text drawn in a picture at one size, each text in fonts that have its letters."""

    def __init__(self, size: int, faces: Sequence[FontFace] | None = None) -> None:
        from PIL import ImageFont

        try:
            self.bundled: Font = ImageFont.load_default(size=size)
        except TypeError:  # an old Pillow without scalable default font
            self.bundled = ImageFont.load_default()
        self.size = size
        self._faces = None if faces is None else tuple(faces)
        #: the texts drawn in the bundled font because no installed font has their letters
        self.missing: list[str] = []
        self._runs: dict[str, list[tuple[str, Font]] | None] = {}
        if isinstance(self.bundled, ImageFont.FreeTypeFont):
            self._ascent = self.bundled.getmetrics()[0]
        else:
            self._ascent = int(self.bundled.getbbox("A")[3])

    @property
    def faces(self) -> tuple[FontFace, ...]:
        """The installed fonts tried, listed the first time a text needs one."""
        if self._faces is None:
            self._faces = installed_faces()
        return self._faces

    def runs(self, text: str) -> list[tuple[str, Font]] | None:
        """The runs of ``text`` and the font that draws each (:func:`choose`); None when
        no installed font has some character. A face Pillow cannot load is dropped."""
        if text in self._runs:
            return self._runs[text]
        if all(ord(ch) in BUNDLED for ch in text):
            self._runs[text] = [(text, self.bundled)]
            return self._runs[text]
        while True:
            chosen = choose(text, self.faces)
            if chosen is None:
                self._runs[text] = None
                return None
            out: list[tuple[str, Font]] = []
            for part, face in chosen:
                if face is None:
                    out.append((part, self.bundled))
                    continue
                try:
                    out.append((part, _truetype(face.path, face.index, self.size)))
                except (OSError, ValueError, ImportError):
                    self._faces = tuple(f for f in self.faces if f != face)
                    self._runs.clear()
                    break
            else:
                self._runs[text] = out
                return out

    def width(self, text: str) -> float:
        """How wide ``text`` is drawn, in pixels, with the fonts that draw it."""
        runs = self.runs(text) or [(text, self.bundled)]
        return sum(font.getlength(part) for part, font in runs)

    def draw(self, draw: ImageDraw.ImageDraw, xy: tuple[float, float], text: str,
             fill: str | tuple[int, int, int], width: float | None = None) -> None:
        """Draw ``text`` with its top left at ``xy`` (cut to ``width`` pixels, when given,
        a whole character at a time); in the bundled font when no installed font has
        its letters, and then listed in :attr:`missing`."""
        whole = text
        if width is not None:
            pieces = clusters(text)
            while pieces and self.width("".join(pieces)) > width:
                pieces.pop()
            text = "".join(pieces)
        runs = self.runs(text)
        if runs is None and whole not in self.missing:
            self.missing.append(whole)
        if runs is None or (len(runs) == 1 and runs[0][1] is self.bundled):
            draw.text(xy, text, fill=fill, font=self.bundled)
            return
        # runs in different fonts share the baseline the bundled font's text has
        x, baseline = xy[0], xy[1] + self._ascent
        for part, font in runs:
            draw.text((x, baseline), part, fill=fill, font=font, anchor="ls")
            x += font.getlength(part)
