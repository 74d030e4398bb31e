"""The production static storage (config/static_storage.py): whitenoise's manifest URLs, each worked out once per
process; a file missing from the manifest is still an error every time."""

import json

import pytest

from config.static_storage import StaticStorage


@pytest.fixture
def storage(tmp_path, settings):
    settings.DEBUG = False
    manifest = {"version": "1.1", "paths": {"css/app.css": "css/app.0123abcd.css"}, "hash": "x"}
    (tmp_path / "staticfiles.json").write_text(json.dumps(manifest))
    return StaticStorage(location=tmp_path, base_url="/static/")


def test_a_files_hashed_url_is_worked_out_once(storage, monkeypatch):
    assert storage.url("css/app.css") == "/static/css/app.0123abcd.css"
    monkeypatch.setattr(storage, "stored_name", lambda name: pytest.fail("looked up again"))
    assert storage.url("css/app.css") == "/static/css/app.0123abcd.css"


def test_a_file_missing_from_the_manifest_is_an_error_every_time(storage):
    for _ in range(2):
        with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
            storage.url("css/missing.css")


def test_in_debug_mode_the_url_is_not_hashed_nor_kept(storage, settings):
    settings.DEBUG = True
    assert storage.url("css/app.css") == "/static/css/app.css"
    settings.DEBUG = False
    assert storage.url("css/app.css") == "/static/css/app.0123abcd.css"
