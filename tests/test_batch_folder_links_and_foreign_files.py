"""A batch folder's manifest is never read through a symbolic link, and a file given as
``--variants`` that is no variants file is refused without quoting what it holds."""

from __future__ import annotations

import pytest

from sim.cli import main
from sim.runs.batch import BatchError, load_variants_file

TUTORIAL = "tutorial"
SECRET = "root:$6$Sa1tSa1t$Xq9hashhashhash:19000:0:99999:7:::"


def test_a_linked_manifest_is_not_followed(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["batch", TUTORIAL, "-n", "4", "--out", "bo"]) == 0
    other = tmp_path / "other"
    other.mkdir()
    (tmp_path / "bo" / "manifest.json").rename(other / "manifest.json")
    (tmp_path / "bo" / "manifest.json").symlink_to(other / "manifest.json")
    capsys.readouterr()
    assert main(["batch", TUTORIAL, "-n", "4", "--out", "bo", "--resume"]) == 2
    err = capsys.readouterr().err
    assert "manifest.json" in err and "symbolic link" in err
    assert (other / "manifest.json").exists()


@pytest.mark.parametrize("text", [f"{SECRET}\n", f"{SECRET}: x\nbin:*:1:0:::\n",
                                  "name: My app\nstart_url: /\n"])
def test_a_file_that_is_no_variants_file_is_not_quoted(tmp_path, text):
    path = tmp_path / "variants.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(BatchError) as caught:
        load_variants_file(path)
    message = str(caught.value).replace(str(path), "FILE")
    assert "root" not in message and "Sa1t" not in message and "My app" not in message
    assert "name:" not in message and "'name'" not in message
    assert message.startswith("FILE") and "variants" in message


def test_a_variants_file_through_a_link_is_not_quoted(tmp_path):
    secret = tmp_path / "backup" / "shadow"
    secret.parent.mkdir()
    secret.write_text(f"{SECRET}: 1\n", encoding="utf-8")
    link = tmp_path / "variants.yaml"
    link.symlink_to(secret)
    with pytest.raises(BatchError) as caught:
        load_variants_file(link)
    assert "Sa1t" not in str(caught.value)
