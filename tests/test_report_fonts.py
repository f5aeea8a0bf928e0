"""The timeline pictures of the Word report draw names in Thai, Khmer, Lao, Myanmar,
Chinese, Japanese, Korean and Vietnamese legibly, in an installed font that has their
letters; a name no installed font can draw shows as before, and the report says so.

The choice of font is tested on made-up font lists; the pictures themselves need the
fonts installed (Noto, DejaVu), and those tests are skipped on a machine without them."""

from __future__ import annotations

import io
import shutil
from pathlib import Path
from typing import Any

import pytest

from scenarios import load_scenario
from scenarios.loader import bundled_dir
from sim.analysis import fonts
from sim.analysis.fonts import FontFace
from sim.analysis.review import build_review
from sim.runs.session import DrillSession

docx = pytest.importorskip("docx")
PIL = pytest.importorskip("PIL")

from sim.analysis import docx_report  # noqa: E402  (needs python-docx)

TUTORIAL = bundled_dir() / "tutorial.yaml"
THAI = "ไทยเซิร์ต"
CHINESE = "国家互联网应急中心"
KOREAN = "한국인터넷진흥원"
JAPANESE = "日本コンピュータ緊急対応チーム"
VIETNAMESE = "Trung tâm Ứng cứu khẩn cấp máy tính Việt Nam"
KHMER = "កម្ពុជា"
#: a character no font has (the last private-use character of the last plane)
NO_FONT_HAS = "\U0010fffd"
#: the lane names' column in the picture, less its margins
LABEL_WIDTH = 260 - 16

# fontconfig's character sets of made-up faces ("lo-hi" ranges in hex)
LATIN = "20-7e a0-24f 300-36f 1e00-1eff"
THAI_SET = "20 e01-e3a e3f-e5b"
CJK_SET = "20-7e 3000-30ff 3400-4dbf 4e00-9fff ac00-d7af ff00-ffef"
KHMER_SET = "20 1780-17dd 17e0-17e9"


def face(family: str, charset: str, style: str = "Regular", index: int = 0) -> FontFace:
    return FontFace(f"/fonts/{family.replace(' ', '')}-{style}.ttf", index, family, style, charset)


FAKE = [
    face("DejaVu Sans Mono", LATIN, "Book"),
    face("DejaVu Sans", LATIN, "Book"),
    face("Noto Serif Thai", THAI_SET),
    face("Noto Sans Thai", THAI_SET, "Bold"),
    face("Noto Sans Thai", THAI_SET),
    face("Noto Sans CJK HK", CJK_SET, index=4),
    face("Noto Sans CJK JP", CJK_SET, index=0),
    face("Noto Sans CJK KR", CJK_SET, index=1),
    face("Noto Sans CJK SC", CJK_SET, index=2),
    face("Noto Sans Khmer", KHMER_SET),
]


def _has_all(face: FontFace | None, text: str) -> bool:
    chars = fonts.BUNDLED if face is None else fonts.charmap(face)
    assert chars is not None
    return all(ord(ch) in chars for ch in text)


# --- which font draws a name --------------------------------------------------------------


@pytest.mark.parametrize(("text", "family"), [
    (THAI, "Noto Sans Thai"),
    (CHINESE, "Noto Sans CJK SC"),
    (JAPANESE, "Noto Sans CJK JP"),
    (KOREAN, "Noto Sans CJK KR"),
    (VIETNAMESE, "DejaVu Sans"),
    (KHMER, "Noto Sans Khmer"),
])
def test_a_name_is_drawn_in_the_preferred_font_that_has_all_its_letters(text, family):
    [(part, chosen)] = fonts.choose(text, FAKE)
    assert part == text and chosen is not None
    assert chosen.family == family and chosen.style in ("Regular", "Book")
    assert _has_all(chosen, text)


def test_latin_letters_stay_in_the_bundled_font_and_other_scripts_get_runs():
    assert fonts.choose("SingCERT", FAKE) == [("SingCERT", None)]
    runs = fonts.choose(f"CamCERT ({KHMER})", FAKE)
    assert runs is not None
    assert "".join(part for part, _ in runs) == f"CamCERT ({KHMER})"
    assert [f.family if f else None for _, f in runs] == [None, "Noto Sans Khmer", None]
    assert all(_has_all(f, part) for part, f in runs)


def test_noto_comes_before_dejavu_and_regular_before_bold():
    noto = face("Noto Sans", LATIN)
    bold = face("Noto Sans", LATIN, "Bold")
    assert fonts.choose(VIETNAMESE, [*FAKE, bold, noto]) == [(VIETNAMESE, noto)]


WINDOWS = [face("Arial", LATIN), face("Segoe UI", LATIN), face("Leelawadee UI", THAI_SET),
           face("Microsoft YaHei", CJK_SET), face("Yu Gothic", CJK_SET),
           face("Malgun Gothic", CJK_SET), face("SimSun", CJK_SET)]


@pytest.mark.parametrize(("text", "family"), [
    (VIETNAMESE, "Segoe UI"), (THAI, "Leelawadee UI"), (CHINESE, "Microsoft YaHei"),
    (JAPANESE, "Yu Gothic"), (KOREAN, "Malgun Gothic"),
], ids=["vietnamese", "thai", "chinese", "japanese", "korean"])
def test_windows_interface_fonts_come_before_other_fonts(text, family):
    [(_, chosen)] = fonts.choose(text, WINDOWS)
    assert chosen is not None and chosen.family == family


def test_a_name_no_font_has_is_none():
    assert fonts.choose("ລາວ", FAKE) is None  # Lao: no font in the list has it
    assert fonts.choose(f"ThaiCERT {NO_FONT_HAS}", FAKE) is None


def test_a_font_that_cannot_be_opened_is_passed_over():
    gone = FontFace(str(Path(__file__).parent / "NotoSansThai-Regular.ttf"), 0, "Noto Sans Thai",
                    "Regular", THAI_SET)
    lettering = fonts.Lettering(16, faces=[gone])
    assert lettering.runs(THAI) is None
    assert lettering.faces == ()
    assert lettering.runs("SingCERT") == [("SingCERT", lettering.bundled)]


def test_marks_and_stacked_letters_stay_with_their_letter():
    # Thai vowel and tone marks, a Khmer subscript consonant after its coeng
    assert fonts.clusters("เซิร์ต") == ["เ", "ซิ", "ร์", "ต"]
    assert fonts.clusters("កម្ពុជា") == ["ក", "ម្ពុ", "ជា"]
    assert fonts.clusters("Ứng") == ["Ứ", "n", "g"]
    assert fonts.clusters("U\u031b\u0301ng") == ["U\u031b\u0301", "n", "g"]


def test_fontconfig_lists_outline_fonts_with_their_characters():
    listing = "\n".join([
        "/f/DejaVuSans.ttf\t0\tDejaVu Sans\tBook\tTrueType\t20-7e a0-24f 1ea0-1ef9",
        "/f/NotoSansCJK-Regular.ttc\t2\tNoto Sans CJK SC\tRegular\tCFF\t20-7e 4e00-9fff",
        "/f/helvR12.pcf.gz\t0\tHelvetica\tRegular\tPCF\t20-7e",
        "/f/n019003l.pfb\t0\tNimbus Sans\tRegular\tType 1\t20-7e",
        "garbled line",
    ])
    faces = fonts.parse_fc_list(listing)
    assert [(f.family, f.index) for f in faces] == [("DejaVu Sans", 0), ("Noto Sans CJK SC", 2)]
    dejavu = fonts.charmap(faces[0])
    assert dejavu is not None
    assert ord("ẫ") in dejavu and ord("A") in dejavu and ord("ไ") not in dejavu
    assert fonts.choose(CHINESE, faces) == [(CHINESE, faces[1])]


def _dejavu() -> FontFace:
    found = [f for f in fonts.installed_faces() if f.family == "DejaVu Sans" and f.style == "Book"]
    if not found:
        pytest.skip("DejaVu Sans is not installed (Debian: fonts-dejavu-core)")
    return found[0]


def test_the_installed_dejavu_sans_draws_vietnamese():
    dejavu = _dejavu()
    chars = fonts.charmap(dejavu)
    assert chars is not None and all(ord(ch) in chars for ch in VIETNAMESE)
    assert fonts.choose(VIETNAMESE, [dejavu]) == [(VIETNAMESE, dejavu)]
    assert fonts.choose(THAI, [dejavu]) is None


def test_font_folders_are_read_with_fonttools(tmp_path):
    pytest.importorskip("fontTools")
    shutil.copy(_dejavu().path, tmp_path / "DejaVuSans.ttf")
    (tmp_path / "notes.txt").write_text("not a font")
    (tmp_path / "broken.ttf").write_bytes(b"not a font either")
    [found] = fonts.folder_faces([tmp_path, tmp_path / "missing"])
    assert (found.family, found.charset) == ("DejaVu Sans", None)
    chars = fonts.charmap(found)  # read from the font's cmap
    assert chars is not None and ord("Ứ") in chars and ord("ไ") not in chars
    assert fonts.choose(VIETNAMESE, [found]) == [(VIETNAMESE, found)]


# --- the pictures -------------------------------------------------------------------------


def _review(folder: Path, names: dict[str, str]) -> Any:
    """The tutorial played by the model, its actors renamed."""
    text = TUTORIAL.read_text(encoding="utf-8")
    for old, new in names.items():
        text = text.replace(f"name: {old}", f'name: "{new}"', 1)
    path = folder / "renamed.yaml"
    path.write_text(text, encoding="utf-8")
    loaded = load_scenario(path)
    session = DrillSession.start(loaded, seed=0, human=[])
    session.advance_to(loaded.scenario.drill.duration)
    return build_review(loaded.scenario, session.engine.log)


def _drawn(monkeypatch) -> list[tuple[tuple[float, float], str, Any]]:
    """Every text the picture draws: where, what and in which font."""
    from PIL import ImageDraw

    calls: list[tuple[tuple[float, float], str, Any]] = []
    original = ImageDraw.ImageDraw.text

    def text(self, xy, content, *args, **kwargs):
        calls.append((xy, content, kwargs.get("font")))
        return original(self, xy, content, *args, **kwargs)

    monkeypatch.setattr(ImageDraw.ImageDraw, "text", text)
    return calls


def _label(calls, lane: int) -> list[tuple[str, Any]]:
    """The pieces of the name drawn in lane ``lane`` (0 first), left to right."""
    middle = 40 + 40 * lane + 20
    return [(t, f) for (x, y), t, f in calls if x < 260 and abs(y - middle) < 20]


def _mask(font: Any, text: str) -> bytes:
    mask = font.getmask(text)
    return bytes(mask.size) + bytes(mask)


def _legible(text: str, font: Any) -> bool:
    """Whether ``font`` draws every letter of ``text`` as a letter, not as the box it
    draws for a character it lacks."""
    box = _mask(font, NO_FONT_HAS)
    return all(_mask(font, piece) != box for piece in fonts.clusters(text) if not piece.isspace())


def _need(*texts: str) -> None:
    for text in texts:
        if fonts.choose(text, fonts.installed_faces()) is None:
            pytest.skip(f"no installed font has the letters of {text!r} (Debian: "
                        "fonts-noto-core, fonts-noto-cjk)")


#: the tutorial's actors, renamed, by the scripts of their new names
RENAMED = {
    "thai and khmer": {"SingCERT": f"{THAI} ThaiCERT", "Exercise control (HiCON)": KHMER},
    "chinese, japanese and korean": {"SingCERT": JAPANESE, "MyCERT": CHINESE,
                                     "Klang Valley Hosting Sdn Bhd": KOREAN},
    "vietnamese": {"MyCERT": "Ứng cứu sự cố Việt Nam"},
}


@pytest.mark.parametrize("scripts", list(RENAMED))
def test_the_timeline_draws_names_in_fonts_that_have_their_letters(tmp_path, monkeypatch,
                                                                   scripts):
    names = RENAMED[scripts]
    _need(*names.values())
    review = _review(tmp_path, names)
    calls = _drawn(monkeypatch)
    assert docx_report.timeline_png(review, "phish") is not None
    lanes = review.lanes("phish")
    assert sorted(lanes) == ["hicon", "isp-my", "mycert", "singcert"]
    for actor in lanes:
        name = review.name(actor)
        pieces = _label(calls, lanes.index(actor))
        assert "".join(t for t, _ in pieces) == name
        for text, font in pieces:
            assert _legible(text, font), (name, text, font.getname())


@pytest.mark.parametrize(("name", "most"), [(CHINESE * 3, 19), (VIETNAMESE, 28)],
                         ids=["chinese", "vietnamese"])
def test_the_timeline_cuts_a_name_to_its_column_as_the_font_draws_it(tmp_path, monkeypatch,
                                                                     name, most):
    _need(name)
    review = _review(tmp_path, {"SingCERT": name})
    calls = _drawn(monkeypatch)
    assert docx_report.timeline_png(review, "phish") is not None
    pieces = _label(calls, review.lanes("phish").index("singcert"))
    shown = "".join(t for t, _ in pieces)
    assert shown and name.startswith(shown) and len(shown) <= most
    assert sum(f.getlength(t) for t, f in pieces) <= LABEL_WIDTH
    assert all(_legible(t, f) for t, f in pieces)


def test_latin_names_are_drawn_in_the_bundled_font_as_before(tmp_path, monkeypatch):
    from PIL import ImageFont

    review = _review(tmp_path, {})

    def not_needed() -> tuple[FontFace, ...]:
        raise AssertionError("the installed fonts were listed for ASCII names")

    monkeypatch.setattr(fonts, "installed_faces", not_needed)
    calls = _drawn(monkeypatch)
    assert docx_report.timeline_png(review, "phish") is not None
    bundled = ImageFont.load_default(size=16).getname()
    assert {f.getname() for _, _, f in calls} == {bundled}
    assert "SingCERT" in [t for _, t, _ in calls]


def test_a_name_no_installed_font_has_is_drawn_as_before_and_the_report_says_so(
        tmp_path, monkeypatch):
    from PIL import ImageFont

    nowhere = f"{NO_FONT_HAS} Lao Computer Emergency Response Team"  # longer than a label
    review = _review(tmp_path, {"SingCERT": THAI, "MyCERT": nowhere})
    monkeypatch.setattr(fonts, "installed_faces", lambda: (face("DejaVu Sans", LATIN, "Book"),))
    calls = _drawn(monkeypatch)
    document = docx.Document(io.BytesIO(docx_report.render_docx(review)))
    drawn = {t: f for _, t, f in calls}
    assert drawn[THAI].getname() == ImageFont.load_default(size=16).getname()
    said = [p.text for p in document.paragraphs if "show as boxes" in p.text]
    assert len(said) == 1
    assert THAI in said[0] and nowhere in said[0]
    assert "no installed font has all their letters" in said[0]
    missing: list[str] = []
    assert docx_report.timeline_png(review, "phish", missing=missing) is not None
    assert sorted(missing) == sorted([THAI, nowhere])


def test_the_report_says_nothing_when_every_name_is_drawn(tmp_path):
    document = docx.Document(io.BytesIO(docx_report.render_docx(_review(tmp_path, {}))))
    assert not [p.text for p in document.paragraphs if "show as boxes" in p.text]
